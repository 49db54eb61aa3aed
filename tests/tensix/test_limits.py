"""Runs that fail (deadlock, kernel error, limit) free what they held; limits stop kernels that never stop."""

import gc
import re
import weakref
from pathlib import Path

import pytest

from tensix import DeadlockError, KernelError, LimitError, Mesh, MeshConfig, Program
from tensix.limits import Limits
from tensix.zeroskip import ZeroSkip

SMALL = MeshConfig(width=2, height=2)
DEVICES: list = []  # weak references to what only the device of a run holds (its zero-skip policy, on in these
# runs), taken by a kernel: a compiled Device takes no weak reference itself


def k_wait_forever(ctx):
    DEVICES.append(weakref.ref(ctx.device.zero_skip))
    ctx.cb_wait_front(0, 1)


def k_raise(ctx):
    DEVICES.append(weakref.ref(ctx.device.zero_skip))
    ctx.cb_reserve_back(0, 1)
    raise ValueError("boom")


def _blocked_program(extra=None) -> Program:
    p = Program(name="blocked")
    cores = [(0, 0), (1, 0), (0, 1), (1, 1)]
    p.circular_buffer(cores, 0, "bf16", 2, "in")
    p.kernel(cores, "reader", k_wait_forever)
    if extra:
        p.kernel((1, 1), "writer", extra)
    return p


@pytest.mark.parametrize("extra,error", [(None, DeadlockError), (k_raise, KernelError)])
def test_a_failed_run_frees_its_device_at_once(extra, error):
    DEVICES.clear()
    gc.disable()  # without the collector: only reference counting may free it, as right after the error
    try:
        with pytest.raises(error):
            Mesh(SMALL, zero_skip=ZeroSkip()).run(_blocked_program(extra))
        assert DEVICES and all(ref() is None for ref in DEVICES)
    finally:
        gc.enable()


def k_compute_alone(ctx, steps):
    for _ in range(steps):
        ctx.advance("work", 1000)
        ctx.sync()


def test_max_cycles_stops_a_kernel_running_alone():
    p = Program()
    p.kernel((0, 0), "compute", k_compute_alone, {"steps": 50})
    assert Mesh(SMALL, max_cycles=50_000).run(p).cycles == 50_000  # exactly at the limit is allowed
    with pytest.raises(LimitError) as e:
        Mesh(SMALL, max_cycles=49_999).run(p)
    assert str(e.value) == (
        "simulation passed max_cycles=49,999; a kernel may be polling forever (or raise the limit: "
        "Mesh(..., max_cycles=N), tensix run --max-cycles N); still running:\n"
        "  compute kernel on core (0, 0) waits in nothing")


def k_poll_forever(ctx):
    src = ctx.get_noc_addr(1, 0, 0)
    while True:
        ctx.noc_async_read(src, 0, 32)
        ctx.noc_async_read_barrier()


def test_a_kernel_polling_the_noc_forever_is_stopped_and_named():
    p = Program()
    p.l1_buffer([(0, 0), (1, 0)], "flag", 64)
    p.kernel((0, 0), "reader", k_poll_forever)
    with pytest.raises(LimitError) as e:
        Mesh(SMALL, max_transfers=100).run(p)
    # the 101st read finds the trace full (the cycle it stops at belongs to the timing model)
    assert re.fullmatch(
        r"reader kernel on core \(0, 0\): the trace reached max_transfers=100 NoC transfers \(3\.1 KiB of trace\) "
        r"at cycle [0-9,]+; a kernel may be polling the NoC forever \(most transfers: reader on core "
        r"\(0, 0\): 100\); raise the limit with Mesh\(\.\.\., max_transfers=N\) if the program really moves this "
        r"much \(each transfer holds 32 B of memory until the trace is dropped\)", str(e.value))


@pytest.mark.parametrize("value", [0, -5, 1.5, True])
def test_limits_must_be_positive_whole_numbers(value):
    with pytest.raises(LimitError, match=r"^max_cycles must be a positive whole number"):
        Limits(max_cycles=value)


@pytest.mark.slow
def test_fifty_failed_runs_of_a_64_core_program_leave_rss_flat():
    def rss_mb() -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096 / 2**20

    p = Program(name="blocked64")
    cores = [(x, y) for y in range(8) for x in range(8)]
    p.circular_buffer(cores, 0, "bf16", 8, "in")
    p.kernel(cores, "reader", k_wait_forever)
    p.kernel((3, 3), "writer", k_raise)

    def fail() -> None:
        with pytest.raises(KernelError):
            Mesh("wormhole_n150").run(p)

    fail()
    start = rss_mb()
    for _ in range(50):
        fail()
    DEVICES.clear()
    assert rss_mb() - start < 50


def test_cli_max_cycles_stops_the_run(tmp_path, capsys):
    from tensix.cli import main

    eltwise = str(Path(__file__).resolve().parents[2] / "examples" / "01_eltwise.tdf")
    assert main(["run", eltwise, "--max-cycles", "100", "--no-viz", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: simulation passed max_cycles=100; a kernel may be polling forever")
    assert not (tmp_path / "stats.json").exists()
