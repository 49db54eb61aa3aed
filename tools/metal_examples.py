"""Benchmark `metal_examples`: emulator wall time of tt-metal programming examples transliterated to
tensix.metal against the same programs written in tensix's native API (same kernels, sizes and data), in one
run; the ratio is Metalium over native (target: within 1.5x).

Each pair does the whole host program (inputs, build, run, read back) and checks its own output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import ml_dtypes
import numpy as np
from tensix.examples.metal.eltwise_binary import eltwise_binary
from tensix.examples.metal.eltwise_sfpu import eltwise_sfpu
from tensix.examples.metal.loopback import loopback
from tensix.examples.metal.matmul.matmul_multi_core import matmul_multi_core

from tensix.mesh import Mesh
from tensix.metal import split_work_to_cores
from tensix.program import Program

CB_A, CB_B, CB_OUT = 0, 1, 16


# --- the native programs -------------------------------------------------------------------------------------
def copy_pages(ctx, *, n: int) -> None:
    l1 = ctx.get_l1_buffer("l1")
    for i in range(n):
        ctx.noc_async_read_page("src", i, l1)
        ctx.noc_async_read_barrier()
        ctx.noc_async_write_page("dst", i, l1)
        ctx.noc_async_write_barrier()


def read_pairs(ctx, *, pages: list) -> None:
    """Push page a of "a" into CB_A and page b of "b" into CB_B for each (a, b); b < 0: only the A page."""
    for pa, pb in pages:
        ctx.cb_reserve_back(CB_A, 1)
        ctx.noc_async_read_page("a", pa, ctx.get_write_ptr(CB_A))
        if pb >= 0:
            ctx.cb_reserve_back(CB_B, 1)
            ctx.noc_async_read_page("b", pb, ctx.get_write_ptr(CB_B))
        ctx.noc_async_read_barrier()
        ctx.cb_push_back(CB_A, 1)
        if pb >= 0:
            ctx.cb_push_back(CB_B, 1)


def write_pages(ctx, *, start: int, n: int) -> None:
    for i in range(start, start + n):
        ctx.cb_wait_front(CB_OUT, 1)
        ctx.noc_async_write_page("c", i, ctx.get_read_ptr(CB_OUT))
        ctx.noc_async_write_barrier()
        ctx.cb_pop_front(CB_OUT, 1)


def _pack(ctx) -> None:
    ctx.tile_regs_commit()
    ctx.tile_regs_wait()
    ctx.cb_reserve_back(CB_OUT, 1)
    ctx.pack_tile(0, CB_OUT)
    ctx.cb_push_back(CB_OUT, 1)
    ctx.tile_regs_release()


def add_tiles(ctx, *, n: int) -> None:
    for _ in range(n):
        ctx.cb_wait_front(CB_A, 1)
        ctx.cb_wait_front(CB_B, 1)
        ctx.tile_regs_acquire()
        ctx.add_tiles(CB_A, CB_B, 0, 0, 0)
        _pack(ctx)
        ctx.cb_pop_front(CB_A, 1)
        ctx.cb_pop_front(CB_B, 1)


def exp_tiles(ctx, *, n: int) -> None:
    for _ in range(n):
        ctx.cb_wait_front(CB_A, 1)
        ctx.tile_regs_acquire()
        ctx.copy_tile(CB_A, 0, 0)
        ctx.exp_tile(0)
        _pack(ctx)
        ctx.cb_pop_front(CB_A, 1)


def matmul_tiles(ctx, *, n: int, kt: int) -> None:
    for _ in range(n):
        ctx.tile_regs_acquire()
        for _ in range(kt):
            ctx.cb_wait_front(CB_A, 1)
            ctx.cb_wait_front(CB_B, 1)
            ctx.matmul_tiles(CB_A, CB_B, 0, 0, 0)
            ctx.cb_pop_front(CB_A, 1)
            ctx.cb_pop_front(CB_B, 1)
        _pack(ctx)


def _bf16(rng, lo: float, hi: float, shape) -> np.ndarray:
    return rng.uniform(lo, hi, shape).astype(ml_dtypes.bfloat16).astype(np.float32)


def native_loopback(num_tiles: int = 50) -> bool:
    p = Program(name="loopback")
    p.dram_buffer("src", (32, 32 * num_tiles), "bf16", "input")
    p.dram_buffer("dst", (32, 32 * num_tiles), "bf16", "output")
    p.l1_buffer((0, 0), "l1", 2048)
    p.kernel((0, 0), "writer", copy_pages, dict(n=num_tiles))
    x = _bf16(np.random.default_rng(42), 0.0, 100.0, (32, 32 * num_tiles))
    return bool(np.array_equal(Mesh().run(p, {"src": x}).outputs["dst"], x))


def _unary_or_binary(name: str, n_tiles: int, compute: Callable, binary: bool) -> Program:
    p = Program(name=name)
    shape = (32, 32 * n_tiles)
    p.dram_buffer("a", shape, "bf16", "input")
    if binary:
        p.dram_buffer("b", shape, "bf16", "input")
    p.dram_buffer("c", shape, "bf16", "output")
    for cb, cb_name in ((CB_A, "in0"), (CB_B, "in1"), (CB_OUT, "out")):
        if cb != CB_B or binary:
            p.circular_buffer((0, 0), cb, "bf16", 2, cb_name)
    pages = [(i, i if binary else -1) for i in range(n_tiles)]
    p.kernel((0, 0), "reader", read_pairs, dict(pages=pages))
    p.kernel((0, 0), "compute", compute, dict(n=n_tiles))
    p.kernel((0, 0), "writer", write_pages, dict(start=0, n=n_tiles))
    return p


def native_eltwise_binary(n_tiles: int = 64) -> bool:
    rng = np.random.default_rng(0)
    a = _bf16(rng, 0.0, 1.0, (32, 32 * n_tiles))
    b = np.full_like(a, -1.0)
    out = Mesh().run(_unary_or_binary("eltwise_binary", n_tiles, add_tiles, True), {"a": a, "b": b}).outputs["c"]
    return bool(np.all(np.abs(out - (a + b)) <= 1e-2))


def native_eltwise_sfpu(n_tiles: int = 64) -> bool:
    a = _bf16(np.random.default_rng(1), 0.0, 1.0, (32, 32 * n_tiles))
    out = Mesh().run(_unary_or_binary("eltwise_sfpu", n_tiles, exp_tiles, False), {"a": a}).outputs["c"]
    return bool(np.all(np.abs(out - np.exp(a)) <= 2e-2 * np.exp(a)))


def native_matmul_multi_core(m: int, n: int, k: int) -> float:
    """matmul_multi_core's program: output tiles split over the grid as split_work_to_cores does."""
    mt, kt, nt = m // 32, k // 32, n // 32
    _, _, group_1, group_2, work_1, work_2 = split_work_to_cores((8, 8), mt * nt)
    p = Program(name="matmul_multi_core")
    p.dram_buffer("a", (m, k), "bf16", "input")
    p.dram_buffer("b", (k, n), "bf16", "input")
    p.dram_buffer("c", (m, n), "bf16", "output")
    offset = 0
    for group, work in ((group_1, work_1), (group_2, work_2)):
        for core in group:
            c = (core.x, core.y)
            for cb, cb_name in ((CB_A, "in0"), (CB_B, "in1"), (CB_OUT, "out")):
                p.circular_buffer(c, cb, "bf16", 2, cb_name)
            pages = [((t // nt) * kt + i, i * nt + t % nt) for t in range(offset, offset + work) for i in range(kt)]
            p.kernel(c, "reader", read_pairs, dict(pages=pages))
            p.kernel(c, "compute", matmul_tiles, dict(n=work, kt=kt), fidelity="HiFi4")
            p.kernel(c, "writer", write_pages, dict(start=offset, n=work))
            offset += work
    rng = np.random.default_rng(3)
    a, b = _bf16(rng, -0.5, 0.5, (m, k)), _bf16(rng, -0.5, 0.5, (k, n))
    out = Mesh().run(p, {"a": a, "b": b}).outputs["c"]
    return float(np.corrcoef(out.reshape(-1), (a @ b).reshape(-1))[0, 1])


# --- the benchmark -------------------------------------------------------------------------------------------
MATMUL = (320, 320, 320)
PAIRS: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
    "loopback": (loopback.main, native_loopback),
    "eltwise_binary": (eltwise_binary.main, native_eltwise_binary),
    "eltwise_sfpu": (eltwise_sfpu.main, native_eltwise_sfpu),
    "matmul_multi_core": (lambda: matmul_multi_core.main(m=MATMUL[0], n=MATMUL[1], k=MATMUL[2]),
                          lambda: native_matmul_multi_core(*MATMUL)),
}


def bench_metal_examples(repeat: int) -> Iterator[dict]:
    """Per example and in total: Metalium and native wall seconds (medians, runs in turn), their ratio."""
    from tensix.tools.bench import alternating_medians

    total_metal = total_native = 0.0
    for name, (metal, native) in PAIRS.items():
        (metal_s, metal_ok), (native_s, native_ok) = alternating_medians([metal, native], repeat)
        total_metal += metal_s
        total_native += native_s
        yield {"name": f"metal_examples.{name}", "metal_s": metal_s, "native_s": native_s,
               "ratio": metal_s / native_s, "metal_check": metal_ok, "native_check": native_ok}
    yield {"name": "metal_examples", "metal_s": total_metal, "native_s": total_native,
           "ratio": total_metal / total_native}
