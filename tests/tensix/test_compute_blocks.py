"""binary_block, unary_block and pack_block (n tiles per call) against the one-tile calls they batch: the same
bits, cycles and trace; against numpy; and their range errors."""

import numpy as np
import pytest

from tensix import CircularBufferError, KernelError, Mesh, MeshConfig, Program, TileKind

CB_A, CB_B, CB_OUT = 0, 1, 16
MESH = MeshConfig(width=2, height=1, tiles={(0, 0): TileKind.DRAM}, dram_banks=((0, 0),))
N = 4  # tiles per step


def reader(ctx, *, steps: int):
    for s in range(steps):
        for cb, name in ((CB_A, "A"), (CB_B, "B")):
            ctx.cb_reserve_back(cb, N)
            for k in range(N):
                ctx.noc_async_read_page(name, s * N + k, ctx.get_write_ptr(cb) + k * ctx.buffer(name).page_nbytes)
        ctx.noc_async_read_barrier()
        ctx.cb_push_back(CB_A, N)
        ctx.cb_push_back(CB_B, N)


def compute(ctx, *, steps: int, op: str, block: bool, bad: str = ""):
    for _ in range(steps):
        ctx.cb_wait_front(CB_A, N)
        ctx.cb_wait_front(CB_B, N)
        ctx.tile_regs_acquire()
        if bad == "front":
            ctx.binary_block(op, CB_A, CB_B, 1, 0, 0, N)
        if bad == "dst":
            ctx.binary_block(op, CB_A, CB_B, 0, 0, 14, N)
        if block:
            ctx.binary_block(op, CB_A, CB_B, 0, 0, 0, N)
            ctx.unary_block("exp", 0, N)
        else:
            for k in range(N):
                getattr(ctx, f"{op}_tiles")(CB_A, CB_B, k, k, k)
            for k in range(N):
                ctx.exp_tile(k)
        ctx.cb_pop_front(CB_A, N)
        ctx.cb_pop_front(CB_B, N)
        ctx.cb_reserve_back(CB_OUT, N)
        if block:
            ctx.pack_block(0, CB_OUT, N)
        else:
            for k in range(N):
                ctx.pack_tile(k, CB_OUT)
        ctx.cb_push_back(CB_OUT, N)
        ctx.tile_regs_release()


def writer(ctx, *, steps: int):
    for s in range(steps):
        ctx.cb_wait_front(CB_OUT, N)
        for k in range(N):
            ctx.noc_async_write_page("C", s * N + k, ctx.get_read_ptr(CB_OUT) + k * ctx.buffer("C").page_nbytes)
        ctx.noc_async_write_barrier()
        ctx.cb_pop_front(CB_OUT, N)


def _run(block: bool, op: str, fmt: str, a: np.ndarray, b: np.ndarray, bad: str = ""):
    steps = a.shape[1] // (32 * N)
    p = Program()
    for name, role in (("A", "input"), ("B", "input"), ("C", "output")):
        p.dram_buffer(name, a.shape, fmt, role)
    for cb in (CB_A, CB_B, CB_OUT):
        p.circular_buffer((0, 0), cb, fmt, 2 * N)
    p.kernel((0, 0), "reader", reader, {"steps": steps})
    p.kernel((0, 0), "compute", compute, {"steps": steps, "op": op, "block": block, "bad": bad})
    p.kernel((0, 0), "writer", writer, {"steps": steps})
    return Mesh(MESH).run(p, {"A": a, "B": b})


def _inputs():
    rng = np.random.default_rng(0)
    return [(rng.standard_normal((32, 32 * 3 * N)) * 0.7).astype(np.float32) for _ in range(2)]


@pytest.mark.parametrize("fmt", ["fp32", "bf16", "bfp8_b"])
@pytest.mark.parametrize("op", ["add", "sub", "mul"])
def test_blocks_give_the_bits_cycles_and_trace_of_one_tile_calls(op, fmt):
    a, b = _inputs()
    one, blocked = _run(False, op, fmt, a, b), _run(True, op, fmt, a, b)
    assert np.array_equal(one.outputs["C"].view(np.uint32), blocked.outputs["C"].view(np.uint32))
    assert one.cycles == blocked.cycles
    assert one.trace.to_dict() == blocked.trace.to_dict()
    if fmt == "fp32":  # against numpy: exp of the float32 result, in float64, rounded once
        f = {"add": np.add, "sub": np.subtract, "mul": np.multiply}[op]
        want = np.exp(f(a, b).astype(np.float64)).astype(np.float32)
        np.testing.assert_allclose(blocked.outputs["C"], want, rtol=1e-6)


def test_a_block_past_the_pages_waited_for_says_which_tile():
    a, b = _inputs()
    with pytest.raises(CircularBufferError, match=r"CB 0 'cb0' on core \(0, 0\): reads tile 4 from the front but "
                                                  r"only 4 pages were waited for; call cb_wait_front\(5\) first"):
        _run(True, "add", "fp32", a, b, bad="front")


def test_a_block_past_the_dst_registers_says_which():
    a, b = _inputs()
    with pytest.raises(KernelError, match=r"compute kernel on core \(0, 0\): DST index 17 outside 0\.\.15"):
        _run(True, "add", "fp32", a, b, bad="dst")


def compute_copy(ctx, *, steps: int, block: bool, bad: str = ""):
    for _ in range(steps):
        ctx.cb_wait_front(CB_A, N)
        ctx.cb_wait_front(CB_B, N)
        ctx.tile_regs_acquire()
        if bad == "front":
            ctx.copy_block(CB_A, 1, 0, N)
        if block:
            ctx.copy_block(CB_A, 0, 0, N)
        else:
            for k in range(N):
                ctx.copy_tile(CB_A, k, k)
        ctx.cb_pop_front(CB_A, N)
        ctx.cb_pop_front(CB_B, N)
        ctx.cb_reserve_back(CB_OUT, N)
        ctx.pack_block(0, CB_OUT, N)
        ctx.cb_push_back(CB_OUT, N)
        ctx.tile_regs_release()


def _copy_program(block: bool, fmt: str, a: np.ndarray, bad: str = "") -> Program:
    steps = a.shape[1] // (32 * N)
    p = Program()
    for name, role in (("A", "input"), ("B", "input"), ("C", "output")):
        p.dram_buffer(name, a.shape, fmt, role)
    for cb in (CB_A, CB_B, CB_OUT):
        p.circular_buffer((0, 0), cb, fmt, 2 * N)
    p.kernel((0, 0), "reader", reader, {"steps": steps})
    p.kernel((0, 0), "compute", compute_copy, {"steps": steps, "block": block, "bad": bad})
    p.kernel((0, 0), "writer", writer, {"steps": steps})
    return p


@pytest.mark.parametrize("fmt", ["fp32", "bf16", "bfp8_b"])
@pytest.mark.parametrize("timing_only", [False, True])
def test_copy_block_gives_the_bits_cycles_and_trace_of_copy_tiles(fmt, timing_only):
    a, b = _inputs()
    mesh = Mesh(MESH, timing_only=timing_only)
    one, blocked = (mesh.run(_copy_program(blk, fmt, a), None if timing_only else {"A": a, "B": b})
                    for blk in (False, True))
    if not timing_only:
        assert np.array_equal(one.outputs["C"].view(np.uint32), blocked.outputs["C"].view(np.uint32))
        if fmt == "fp32":
            np.testing.assert_array_equal(blocked.outputs["C"], a)  # a copy, bit for bit
    assert one.cycles == blocked.cycles
    assert one.trace.to_dict() == blocked.trace.to_dict()


def test_a_copy_block_past_the_pages_waited_for_says_which_tile():
    a, b = _inputs()
    with pytest.raises(CircularBufferError, match=r"CB 0 'cb0' on core \(0, 0\): reads tile 4 from the front but "
                                                  r"only 4 pages were waited for; call cb_wait_front\(5\) first"):
        Mesh(MESH).run(_copy_program(True, "fp32", a, bad="front"), {"A": a, "B": b})
