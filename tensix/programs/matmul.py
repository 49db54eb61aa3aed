"""Tiled matmul C = A @ B over a grid of cores, one 32x32 tile at a time (reader / compute / writer).

Core (x, y) computes the block of C tile rows y*mt.. and tile columns x*nt..; per k step its reader
fetches mt tiles of A and nt tiles of B from DRAM, the compute kernel accumulates mt x nt tiles in DST,
and the writer stores the finished block.
"""

from __future__ import annotations

from tensix.errors import ProgramError
from tensix.program import CoreRange, Program

CB_A, CB_B, CB_OUT = 0, 1, 16


def reader(ctx, *, a: str, b: str, m0: int, mt: int, n0: int, nt: int, kt: int, nt_all: int) -> None:
    page_a = ctx.buffer(a).page_nbytes
    page_b = ctx.buffer(b).page_nbytes
    for k in range(kt):
        ctx.cb_reserve_back(CB_A, mt)
        base = ctx.get_write_ptr(CB_A)
        for i in range(mt):
            ctx.noc_async_read_page(a, (m0 + i) * kt + k, base + i * page_a)
        ctx.cb_reserve_back(CB_B, nt)
        base = ctx.get_write_ptr(CB_B)
        for j in range(nt):
            ctx.noc_async_read_page(b, k * nt_all + n0 + j, base + j * page_b)
        ctx.noc_async_read_barrier()
        ctx.cb_push_back(CB_A, mt)
        ctx.cb_push_back(CB_B, nt)


def compute(ctx, *, mt: int, nt: int, kt: int) -> None:
    ctx.tile_regs_acquire()
    for _ in range(kt):
        ctx.cb_wait_front(CB_A, mt)
        ctx.cb_wait_front(CB_B, nt)
        for i in range(mt):
            for j in range(nt):
                ctx.matmul_tiles(CB_A, CB_B, i, j, i * nt + j)
        ctx.cb_pop_front(CB_A, mt)
        ctx.cb_pop_front(CB_B, nt)
    ctx.tile_regs_commit()
    ctx.tile_regs_wait()
    ctx.cb_reserve_back(CB_OUT, mt * nt)
    for d in range(mt * nt):
        ctx.pack_tile(d, CB_OUT)
    ctx.cb_push_back(CB_OUT, mt * nt)
    ctx.tile_regs_release()


def writer(ctx, *, c: str, m0: int, mt: int, n0: int, nt: int, nt_all: int) -> None:
    page = ctx.buffer(c).page_nbytes
    ctx.cb_wait_front(CB_OUT, mt * nt)
    base = ctx.get_read_ptr(CB_OUT)
    for i in range(mt):
        for j in range(nt):
            ctx.noc_async_write_page(c, (m0 + i) * nt_all + n0 + j, base + (i * nt + j) * page)
    ctx.noc_async_write_barrier()
    ctx.cb_pop_front(CB_OUT, mt * nt)


def matmul_program(m: int, k: int, n: int, *, grid: tuple[int, int] = (8, 8), dtype: str = "bf16",
                   out_dtype: str | None = None, fidelity: str | None = None, dst_tiles: int = 16) -> Program:
    """C[m, n] = A[m, k] @ B[k, n] on a `grid` = (columns, rows) of cores; dims multiples of 32 * grid."""
    mt_all, kt, nt_all = m // 32, k // 32, n // 32
    gx, gy = grid
    if m % 32 or k % 32 or n % 32 or mt_all % gy or nt_all % gx:
        raise ProgramError(f"matmul {m}x{k}x{n}: dims must be multiples of 32 and tile rows/cols divisible by "
                           f"the grid {gx}x{gy}")
    mt, nt = mt_all // gy, nt_all // gx
    if mt * nt > dst_tiles:
        raise ProgramError(f"matmul {m}x{k}x{n} on {gx}x{gy} cores: each core holds {mt}x{nt} output tiles but DST "
                           f"has {dst_tiles}; use more cores")
    p = Program(name=f"matmul_{m}x{k}x{n}")
    p.dram_buffer("A", (m, k), dtype, "input")
    p.dram_buffer("B", (k, n), dtype, "input")
    p.dram_buffer("C", (m, n), out_dtype or dtype, "output")
    cores = CoreRange((0, 0), (gx - 1, gy - 1))
    p.circular_buffer(cores, CB_A, dtype, 2 * mt, "in0")
    p.circular_buffer(cores, CB_B, dtype, 2 * nt, "in1")
    p.circular_buffer(cores, CB_OUT, out_dtype or dtype, mt * nt, "out")
    p.kernel(cores, "reader", reader, lambda c: dict(a="A", b="B", m0=c[1] * mt, mt=mt, n0=c[0] * nt, nt=nt, kt=kt,
                                                     nt_all=nt_all))
    p.kernel(cores, "compute", compute, dict(mt=mt, nt=nt, kt=kt), fidelity=fidelity)
    p.kernel(cores, "writer", writer, lambda c: dict(c="C", m0=c[1] * mt, mt=mt, n0=c[0] * nt, nt=nt, nt_all=nt_all))
    return p
