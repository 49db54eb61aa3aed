"""All-to-neighbour NoC exchange: every core writes tiles east-south on NoC 0 while reading from its
north-west neighbour on NoC 1, all at once, so the links contend. Used by the `noc_transfers` benchmark.

Core (x, y) fills `src` with tiles of float32 value 1000 * index + i; afterwards its writer stores the last
tile it received on each NoC in DRAM buffer OUT (pages 2 * index and 2 * index + 1) so a test can check them.
"""

from __future__ import annotations

import numpy as np

from tensix.program import CoreRange, Program

TILE_NBYTES = 4096  # one fp32 tile
SEM_WRITES_IN = 0


def _index(x: int, y: int, cols: int) -> int:
    return y * cols + x


def reader(ctx, *, n: int, dx: int, dy: int, cols: int, rows: int) -> None:
    src, inbox = ctx.get_l1_buffer("src"), ctx.get_l1_buffer("inbox_r")
    x, y = ctx.core
    peer = ctx.get_noc_addr((x - dx) % cols, (y - dy) % rows, src)
    for i in range(n):
        ctx.noc_async_read((peer[0], peer[1], src + i * TILE_NBYTES), inbox + i * TILE_NBYTES, TILE_NBYTES)
    ctx.noc_async_read_barrier()


def writer(ctx, *, n: int, dx: int, dy: int, rounds: int, cols: int, rows: int) -> None:
    src, inbox_w, inbox_r = ctx.get_l1_buffer("src"), ctx.get_l1_buffer("inbox_w"), ctx.get_l1_buffer("inbox_r")
    x, y = ctx.core
    me = _index(x, y, cols)
    ctx.l1(src, n * TILE_NBYTES).view(np.float32).reshape(n, -1)[:] = (1000.0 * me + np.arange(n))[:, None]
    tx, ty = (x + dx) % cols, (y + dy) % rows
    for _ in range(rounds):
        for i in range(n):
            ctx.noc_async_write(src + i * TILE_NBYTES, ctx.get_noc_addr(tx, ty, inbox_w + i * TILE_NBYTES), TILE_NBYTES)
    ctx.noc_async_write_barrier()
    ctx.noc_semaphore_inc(ctx.get_noc_addr(tx, ty, ctx.get_semaphore(SEM_WRITES_IN)))
    ctx.noc_semaphore_wait(ctx.get_semaphore(SEM_WRITES_IN), 1)
    last = (n - 1) * TILE_NBYTES
    ctx.noc_async_write_page("OUT", 2 * me, inbox_w + last)
    ctx.noc_async_write_page("OUT", 2 * me + 1, inbox_r + last)
    ctx.noc_async_write_barrier()


def exchange_program(
    grid: tuple[int, int] = (8, 8), *, tiles: int = 16, rounds: int = 1, shift: tuple[int, int] = (3, 2)
) -> Program:
    """Every core of `grid` sends `tiles` x `rounds` fp32 tiles on NoC 0 and reads `tiles` on NoC 1."""
    cols, rows = grid
    p = Program(name=f"exchange_{cols}x{rows}")
    p.dram_buffer("OUT", (2 * cols * rows * 32, 32), "fp32", "output")
    cores = CoreRange((0, 0), (cols - 1, rows - 1))
    nbytes = tiles * TILE_NBYTES
    p.l1_buffer(cores, "src", nbytes)
    p.l1_buffer(cores, "inbox_w", nbytes)
    p.l1_buffer(cores, "inbox_r", nbytes)
    p.semaphore(cores, SEM_WRITES_IN)
    dx, dy = shift
    # every core declares the same buffers in the same order, so a buffer has one L1 address on all cores
    p.kernel(cores, "reader", reader, dict(n=tiles, dx=dx, dy=dy, cols=cols, rows=rows))
    p.kernel(cores, "writer", writer, dict(n=tiles, dx=dx, dy=dy, rounds=rounds, cols=cols, rows=rows))
    return p
