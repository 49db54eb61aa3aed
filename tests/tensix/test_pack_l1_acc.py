"""pack_reconfig_l1_acc: the packer adds DST to what a CB page holds (tt-metal's packer L1 accumulation), against
numpy, at the hand-derived cost; and its format error."""

import re

import ml_dtypes
import numpy as np
import pytest

from tensix import KernelError, Mesh, MeshConfig, Program, TileKind
from tensix.timing import TimingModel

CB_IN, CB_OUT = 0, 16
MESH = MeshConfig(width=2, height=1, tiles={(0, 0): TileKind.DRAM}, dram_banks=((0, 0),))


def reader(ctx):
    ctx.cb_reserve_back(CB_IN, 2)
    for k in range(2):
        ctx.noc_async_read_page("A", k, ctx.get_write_ptr(CB_IN) + k * ctx.buffer("A").page_nbytes)
    ctx.noc_async_read_barrier()
    ctx.cb_push_back(CB_IN, 2)


def compute(ctx):
    """Tile 0 packed into the output page, then tile 1 packed on top of it with L1 accumulation."""
    ctx.cb_wait_front(CB_IN, 2)
    ctx.cb_reserve_back(CB_OUT, 1)
    for k in range(2):
        ctx.tile_regs_acquire()
        ctx.copy_tile(CB_IN, k, 0)
        ctx.pack_reconfig_l1_acc(k == 1)
        ctx.pack_tile(0, CB_OUT, 0)
        ctx.tile_regs_release()
    ctx.pack_reconfig_l1_acc(False)
    ctx.cb_push_back(CB_OUT, 1)
    ctx.cb_pop_front(CB_IN, 2)


def writer(ctx):
    ctx.cb_wait_front(CB_OUT, 1)
    ctx.noc_async_write_page("C", 0, ctx.get_read_ptr(CB_OUT))
    ctx.noc_async_write_barrier()
    ctx.cb_pop_front(CB_OUT, 1)


def _run(fmt: str, a: np.ndarray):
    p = Program()
    p.dram_buffer("A", a.shape, fmt, "input")
    p.dram_buffer("C", (32, 32), fmt, "output")
    p.circular_buffer((0, 0), CB_IN, fmt, 2)
    p.circular_buffer((0, 0), CB_OUT, fmt, 1)
    for role, fn in (("reader", reader), ("compute", compute), ("writer", writer)):
        p.kernel((0, 0), role, fn, {})
    return Mesh(MESH).run(p, {"A": a})


@pytest.mark.parametrize(("fmt", "cycles"), [("fp32", 2 * 66 + 66 + (2 + 4096 // 32)),
                                             ("bf16", 2 * 34 + 34 + (2 + 2048 // 32))])
def test_packing_with_l1_accumulation_adds_the_tile_to_the_page(fmt, cycles):
    a = (np.random.default_rng(3).standard_normal((32, 64)) * 5).astype(np.float32)
    result = _run(fmt, a)
    seen = a if fmt == "fp32" else a.astype(ml_dtypes.bfloat16).astype(np.float32)  # what the CB holds
    want = seen[:, :32] + seen[:, 32:]  # float32 sum, then rounded to the page's format
    if fmt == "bf16":
        want = want.astype(ml_dtypes.bfloat16).astype(np.float32)
    np.testing.assert_array_equal(result.outputs["C"], want)
    # two copies, a pack and a pack with accumulation (tile bytes at pack_acc_bytes_per_cycle, ISA L1.md)
    t = TimingModel()
    assert cycles == 2 * max(t.eltwise_cycles, t.unpack(fmt)) + t.pack(fmt) + t.pack(fmt, accumulate=True)
    assert dict(next(c for c in result.stats.cores if c.core == (0, 0)).busy_cycles)["compute"] == cycles


def test_l1_accumulation_into_a_block_float_page_is_refused():
    a = np.ones((32, 64), np.float32)
    with pytest.raises(KernelError, match=re.escape(
            "compute kernel on core (0, 0): packing with L1 accumulation into CB 16 of format bfp8_b; the packers "
            "accumulate fp32 and bf16 only")):
        _run("bfp8_b", a)
