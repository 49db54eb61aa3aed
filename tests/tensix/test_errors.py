"""Each device-side mistake gives its typed error with a message that says where and what to do."""

import gc
import re
import traceback

import pytest

from tensix import (
    CircularBufferError,
    ConfigError,
    DeadlockError,
    DramError,
    KernelError,
    Mesh,
    MeshConfig,
    NocError,
    Program,
    SramError,
    TensixError,
    preset,
)

SMALL = MeshConfig(width=2, height=2, l1_bytes=8192)  # four cores, no DRAM


def _run(program, cfg=SMALL):
    return Mesh(cfg).run(program)


def k_noop(ctx):
    pass


def test_sram_overflow_names_core_buffer_request_and_what_is_there():
    p = Program()
    p.circular_buffer((1, 0), 0, "bf16", 2, "in0")
    p.circular_buffer((1, 0), 1, "bf16", 3, "in1")
    p.kernel((1, 0), "reader", k_noop)
    with pytest.raises(SramError) as e:
        _run(p)
    assert str(e.value) == (
        "core (1, 0): out of SRAM allocating 'in1' (6144 B): capacity 8192 B, 4096 B already allocated "
        "(cb 'in0' 4096 B at 0x0); use fewer or smaller buffers on this core or spread the work over more cores"
    )


def k_push_unreserved(ctx):
    ctx.cb_push_back(0, 1)


def k_pop_unwaited(ctx):
    ctx.cb_pop_front(0, 1)


def k_wait_too_many(ctx):
    ctx.cb_wait_front(0, 3)


@pytest.mark.parametrize("kernel,message", [
    (k_push_unreserved, "CB 0 'in' on core (0, 0): cb_push_back(1) pushes more pages than reserved (0); "
                        "call cb_reserve_back(1) first"),
    (k_pop_unwaited, "CB 0 'in' on core (0, 0): cb_pop_front(1) pops more pages than waited for (0); "
                     "call cb_wait_front(1) first"),
    (k_wait_too_many, "CB 0 'in' on core (0, 0): cb_wait_front(3) asks for 3 pages but the CB holds 2; "
                      "ask for 1..2 pages or make the CB larger"),
])
def test_cb_misuse(kernel, message):
    p = Program()
    p.circular_buffer((0, 0), 0, "bf16", 2, "in")
    p.kernel((0, 0), "reader", kernel)
    with pytest.raises(CircularBufferError) as e:
        _run(p)
    assert str(e.value) == message


def k_read_from_eth(ctx):
    ctx.noc_async_read((1, 0, 0), 0, 32)  # NoC (1, 0) on Wormhole is an Ethernet tile


def k_read_past_sram(ctx):
    ctx.noc_async_read(ctx.get_noc_addr(1, 0, 0), 0, 2 * 1464 * 1024)


def k_read_misaligned(ctx):
    ctx.noc_async_read(ctx.get_noc_addr(1, 0, 8), 0, 64)


@pytest.mark.parametrize("kernel,error,message", [
    (k_read_from_eth, NocError,
     "noc_async_read source from reader kernel on core (0, 0): NoC address (1, 0) is a eth tile with no memory "
     "this emulator can address; use get_noc_addr(x, y, addr) for a core or dram_page_addr(buffer, page) for DRAM"),
    (k_read_past_sram, Exception,
     "core (1, 0): noc_async_read source from reader kernel on core (0, 0) touches L1 [0x0, 0x2dc000) outside its "
     "1499136 B SRAM"),
    (k_read_misaligned, NocError,
     "noc_async_read from reader kernel on core (0, 0): source address 0x8 is not 16-byte aligned"),
])
def test_bad_transfers(kernel, error, message):
    p = Program()
    p.l1_buffer([(0, 0), (1, 0)], "buf", 4096)
    p.kernel((0, 0), "reader", kernel)
    with pytest.raises(error) as e:
        Mesh(preset("wormhole_n150")).run(p)
    assert str(e.value) == message


def k_wait_sem(ctx, *, peer):
    sem = ctx.get_semaphore(0)
    ctx.noc_semaphore_wait(sem, 1)  # each waits for the other: nobody increments
    ctx.noc_semaphore_inc(ctx.get_noc_addr(*peer, sem))


def test_two_kernel_deadlock_lists_each_blocked_kernel():
    p = Program()
    p.semaphore([(0, 0), (1, 0)], 0)
    p.kernel((0, 0), "reader", k_wait_sem, {"peer": [1, 0]})
    p.kernel((1, 0), "reader", k_wait_sem, {"peer": [0, 0]})
    with pytest.raises(DeadlockError) as e:
        _run(p)
    assert str(e.value) == (
        "deadlock at cycle 0: no kernel can progress; 2 blocked:\n"
        "  reader kernel on core (0, 0) waits in noc_semaphore_wait(0x0 == 1) on core (0, 0) (now 0)\n"
        "  reader kernel on core (1, 0) waits in noc_semaphore_wait(0x0 == 1) on core (1, 0) (now 0)"
    )


def k_producer_waits_forever(ctx):
    for _ in range(3):
        ctx.cb_reserve_back(0, 1)
        ctx.cb_push_back(0, 1)


def test_cb_full_with_no_consumer_is_a_deadlock_not_a_hang():
    p = Program()
    p.circular_buffer((0, 0), 0, "bf16", 2, "in")
    p.kernel((0, 0), "reader", k_producer_waits_forever)
    with pytest.raises(DeadlockError, match=re.escape("cb_reserve_back(1) on CB 0 'in' on core (0, 0)")):
        _run(p)


def test_unknown_device_and_core_outside_grid():
    with pytest.raises(ConfigError, match="unknown device 'wormhole'; known devices: wormhole_n150"):
        Mesh("wormhole")
    p = Program()
    p.kernel((5, 0), "reader", k_noop)
    with pytest.raises(ConfigError, match=re.escape("core (5, 0) is outside the 2x2 compute grid of 'custom'")):
        _run(p)


def k_wait_misaligned_sem(ctx):
    ctx.noc_semaphore_wait(ctx.get_semaphore(0) + 2, 1)


def test_misaligned_semaphore_address_says_which_address_to_use():
    p = Program()
    p.semaphore((0, 0), 0)
    p.kernel((0, 0), "reader", k_wait_misaligned_sem)
    with pytest.raises(KernelError, match=re.escape("core (0, 0): semaphore address 0x2 is not 4-byte aligned; use "
                                                    "the address get_semaphore(id) returns")):
        _run(p)


def k_note_gc(ctx, *, seen):
    seen.append(gc.isenabled())


def test_the_collector_is_paused_during_a_run_and_restored_after_it_even_after_a_deadlock():
    seen = []
    p = Program()
    p.kernel((0, 0), "reader", k_note_gc, {"seen": seen})
    assert gc.isenabled()
    _run(p)
    assert seen == [False] and gc.isenabled()
    p = Program()
    p.semaphore([(0, 0), (1, 0)], 0)
    p.kernel([(0, 0), (1, 0)], "reader", k_wait_sem, lambda c: {"peer": (1 - c[0], 0)})
    with pytest.raises(DeadlockError):
        _run(p)
    assert gc.isenabled()


def k_write_page(ctx, *, signal):
    ctx.l1(ctx.get_l1_buffer("buf"), 4096)[:] = 7
    ctx.noc_async_write_page("T", 0, ctx.get_l1_buffer("buf"))
    ctx.noc_async_write_barrier()
    if signal:
        ctx.noc_semaphore_inc(ctx.get_noc_addr(1, 0, ctx.get_semaphore(0)))


def k_read_page(ctx, *, wait):
    if wait:
        ctx.noc_semaphore_wait(ctx.get_semaphore(0), 1)
    ctx.noc_async_read_page("T", 0, ctx.get_l1_buffer("buf"))
    ctx.noc_async_read_barrier()


def _race(wait: bool):
    p = Program()
    p.dram_buffer("T", (32, 32), "fp32")  # scratch: only kernels write it
    p.l1_buffer([(0, 0), (1, 0)], "buf", 4096)
    p.semaphore([(0, 0), (1, 0)], 0)
    p.kernel((0, 0), "writer", k_write_page, {"signal": wait})
    p.kernel((1, 0), "reader", k_read_page, {"wait": wait})
    return Mesh("wormhole_n150").run(p)


def test_reading_a_dram_page_before_its_write_lands_is_a_race_error():
    with pytest.raises(DramError, match=re.escape(
            "reader kernel on core (1, 0) reads page 0 of DRAM buffer 'T' at cycle ")) as err:
        _race(wait=False)
    assert re.search(r"before the write of it lands \(cycle \d+\); wait for its writer first", str(err.value))
    _race(wait=True)  # the same read after the writer's semaphore: fine


def k_relu(ctx):
    ctx.tile_regs_acquire()
    ctx.unary_tile("relu", 0)


def k_kernel_bug(ctx):
    return {}["missing"]  # the kernel's own mistake


def test_an_exception_in_the_kernels_own_code_is_a_kernel_error():
    p = Program()
    p.kernel((0, 0), "compute", k_kernel_bug)
    with pytest.raises(KernelError, match=re.escape("compute kernel on core (0, 0) raised KeyError: 'missing'")):
        _run(p)


def test_an_exception_in_emulator_code_is_an_internal_error_with_its_traceback(monkeypatch):
    from tensix import kernels

    monkeypatch.setattr(kernels, "unary", {}.pop)  # an emulator bug: the tile math is called with too many arguments
    p = Program()
    p.kernel((0, 0), "compute", k_relu)
    with pytest.raises(TypeError) as info:
        _run(p)
    assert not isinstance(info.value, TensixError)  # the CLI prints a TensixError as the user's; this one escapes
    assert info.value.__notes__ == ["tensix internal error: emulator code failed while the compute kernel on core "
                                    "(0, 0) ran; this is a bug in tensix, not in the kernel (please report it)"]
    frames = [f.filename for f in traceback.extract_tb(info.value.__traceback__)]
    assert any(f.endswith("compute_api.py") for f in frames)  # the traceback reaches where it failed


def test_a_long_source_line_is_shown_cut_around_the_column_with_the_caret_under_the_span():
    from tensix.errors import SourceError, SourcePos

    line = "x" * 150 + " bad " + "y" * 150  # "bad" at columns 152..154
    text = SourceError(SourcePos("a.tdf", 1, 152, 155), "m", line).format()
    head, shown, caret = text.splitlines()
    assert head == "a.tdf:1:152: error: m"
    assert shown == "..." + "x" * 19 + " bad " + "y" * 76 + "..."  # 100 characters from 20 before the column
    assert caret == " " * 23 + "^~~" and shown[23:26] == "bad"
    short = SourceError(SourcePos("a.tdf", 1, 3, 5), "m", "ab cd ef").format()
    assert short.splitlines()[1:] == ["ab cd ef", "  ^~"]
