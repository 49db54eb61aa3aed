"""matmul_steps (tensix/compute_matmul.py): a k step of kc k tiles in one kernel call gives the bits, cycles,
trace and counters of its matmul_block calls, whole blocks or row by row; with zero skipping, and for tiles not
waited for, it declines (the caller makes the calls)."""

import json

import numpy as np
import pytest

from tensix import CircularBufferError, Mesh, MeshConfig, Program, TileKind
from tensix.compute_matmul import matmul_steps

CB_A, CB_B, CB_OUT = 0, 1, 16
MESH = MeshConfig(width=2, height=1, tiles={(0, 0): TileKind.DRAM}, dram_banks=((0, 0),))


def reader(ctx, *, rt: int, ct: int, kt: int, kc: int):
    for k0 in range(0, kt, kc):  # a k step: A tiles (i, kk) at i * kc + kk, B tiles (kk, j) at kk * ct + j
        ctx.cb_reserve_back(CB_A, rt * kc)
        ctx.cb_reserve_back(CB_B, kc * ct)
        for i in range(rt):
            for kk in range(kc):
                ctx.noc_async_read_page("A", i * kt + k0 + kk, ctx.get_write_ptr(CB_A) + (i * kc + kk) * 2048)
        for kk in range(kc):
            for j in range(ct):
                ctx.noc_async_read_page("B", (k0 + kk) * ct + j, ctx.get_write_ptr(CB_B) + (kk * ct + j) * 2048)
        ctx.noc_async_read_barrier()
        ctx.cb_push_back(CB_A, rt * kc)
        ctx.cb_push_back(CB_B, kc * ct)


def compute(ctx, *, rt: int, ct: int, kt: int, kc: int, batched: bool, by_rows: bool, wait: int):
    ctx.tile_regs_acquire()
    for _ in range(0, kt, kc):
        ctx.cb_wait_front(CB_A, rt * kc - wait)
        ctx.cb_wait_front(CB_B, kc * ct)
        done = batched and matmul_steps(ctx, CB_A, CB_B, 0, 0, ct, rt, kc, kc, ct, by_rows)
        assert done == (batched and wait == 0 and ctx.skip is None)  # it declines only where it cannot batch
        for kk in range(0 if done else kc):
            if by_rows:
                for i in range(rt):
                    ctx.matmul_block(CB_A, CB_B, i * kc + kk, kk * ct, i * ct, False, ct, 1, kc)
            else:
                ctx.matmul_block(CB_A, CB_B, kk, kk * ct, 0, False, ct, rt, kc)
        ctx.cb_wait_front(CB_A, rt * kc)
        ctx.cb_pop_front(CB_A, rt * kc)
        ctx.cb_pop_front(CB_B, kc * ct)
    ctx.cb_reserve_back(CB_OUT, rt * ct)
    ctx.pack_block(0, CB_OUT, rt * ct)
    ctx.cb_push_back(CB_OUT, rt * ct)


def writer(ctx, *, n: int):
    ctx.cb_wait_front(CB_OUT, n)
    for d in range(n):
        ctx.noc_async_write_page("C", d, ctx.get_read_ptr(CB_OUT) + d * 4096)
    ctx.noc_async_write_barrier()
    ctx.cb_pop_front(CB_OUT, n)


def _run(a: np.ndarray, b: np.ndarray, kc: int, batched: bool, by_rows: bool = False, skip: bool = False,
         wait: int = 0):
    rt, kt, ct = a.shape[0] // 32, a.shape[1] // 32, b.shape[1] // 32
    p = Program()
    p.dram_buffer("A", a.shape, "bf16", "input")
    p.dram_buffer("B", b.shape, "bf16", "input")
    p.dram_buffer("C", (rt * 32, ct * 32), "fp32", "output")
    p.circular_buffer((0, 0), CB_A, "bf16", 2 * rt * kc)
    p.circular_buffer((0, 0), CB_B, "bf16", 2 * kc * ct)
    p.circular_buffer((0, 0), CB_OUT, "fp32", rt * ct)
    p.kernel((0, 0), "reader", reader, {"rt": rt, "ct": ct, "kt": kt, "kc": kc})
    p.kernel((0, 0), "compute", compute, {"rt": rt, "ct": ct, "kt": kt, "kc": kc, "batched": batched,
                                          "by_rows": by_rows, "wait": wait})
    p.kernel((0, 0), "writer", writer, {"n": rt * ct})
    return Mesh(MESH, zero_skip=skip).run(p, {"A": a, "B": b})


def _inputs(rows: int, k: int, cols: int, zero_tiles: bool = False):
    rng = np.random.default_rng(7)
    a = rng.standard_normal((rows, k)).astype(np.float32)
    if zero_tiles:
        a[:32, 32:64] = 0.0  # a whole zero tile and a zero face for the skipping to skip
        a[32:48, :16] = 0.0
    return a, rng.standard_normal((k, cols)).astype(np.float32)


def _same_run(x, y) -> None:
    assert np.array_equal(x.outputs["C"].view(np.uint32), y.outputs["C"].view(np.uint32))
    assert x.cycles == y.cycles
    assert json.dumps(x.trace.to_dict()) == json.dumps(y.trace.to_dict())
    assert x.stats.flops == y.stats.flops


@pytest.mark.parametrize("by_rows", [False, True])
@pytest.mark.parametrize("skip", [False, True])
def test_matmul_steps_run_as_their_matmul_block_calls(by_rows, skip):
    a, b = _inputs(64, 256, 96, zero_tiles=skip)
    batched = _run(a, b, 4, True, by_rows, skip)
    _same_run(batched, _run(a, b, 4, False, by_rows, skip))
    np.testing.assert_allclose(batched.outputs["C"], _as_bf16(a) @ _as_bf16(b), rtol=1e-4, atol=1e-3)


def test_matmul_steps_of_tiles_not_waited_for_raise_the_calls_error():
    a, b = _inputs(64, 128, 64)
    with pytest.raises(CircularBufferError) as batched:
        _run(a, b, 2, True, wait=1)
    with pytest.raises(CircularBufferError) as calls:
        _run(a, b, 2, False, wait=1)
    assert str(batched.value) == str(calls.value)


def _as_bf16(x: np.ndarray) -> np.ndarray:
    """x rounded to bf16 (to nearest even), as the bf16 CBs hold it."""
    u = x.view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16 << 16).astype(np.uint32).view(np.float32)
