"""Data-movement micro-programs: one core reading, writing or multicasting `count` transactions of `size`
bytes and waiting on its barrier, as tt-metal's data-movement tests do (one to one, one from one, DRAM,
one to all multicast). The run's cycle count is the measured latency: the kernel starts at cycle 0 and ends
at its barrier. tools/bench_dm.py compares these runs with the published measurements.

The transactions reuse one address (timing does not depend on addresses), so 256 x 64 KiB fits in L1.
"""

from __future__ import annotations

from tensix.program import CoreRange, Program

EXPERIMENTS = ("one_to_one", "one_from_one", "dram_read", "dram_write", "mcast", "mcast_linked")


def _write(ctx, *, size: int, count: int, peer: tuple[int, int]) -> None:
    buf = ctx.get_l1_buffer("data")
    dst = ctx.get_noc_addr(peer[0], peer[1], buf)
    for _ in range(count):
        ctx.noc_async_write(buf, dst, size)
    ctx.noc_async_write_barrier()


def _read(ctx, *, size: int, count: int, peer: tuple[int, int]) -> None:
    buf = ctx.get_l1_buffer("data")
    src = ctx.get_noc_addr(peer[0], peer[1], buf)
    for _ in range(count):
        ctx.noc_async_read(src, buf, size)
    ctx.noc_async_read_barrier()


def _dram_read(ctx, *, size: int, count: int) -> None:
    buf = ctx.get_l1_buffer("data")
    x, y, addr = ctx.dram_page_addr("DRAM", 0)  # bank 0, as the tests' DRAM channel 0
    for _ in range(count):
        ctx.noc_async_read((x, y, addr), buf, size)
    ctx.noc_async_read_barrier()


def _dram_write(ctx, *, size: int, count: int) -> None:
    buf = ctx.get_l1_buffer("data")
    dst = ctx.dram_page_addr("DRAM", 0)
    for _ in range(count):
        ctx.noc_async_write(buf, dst, size)
    ctx.noc_async_write_barrier()


def _mcast(ctx, *, size: int, count: int, side: int, linked: bool) -> None:
    buf = ctx.get_l1_buffer("data")
    dst = ctx.get_noc_multicast_addr(0, 0, side - 1, side - 1, buf)
    for i in range(count):  # the last one unlinked, releasing the path (as the tests do)
        ctx.noc_async_write_multicast(buf, dst, size, side * side - 1, linked=linked and i < count - 1)
    ctx.noc_async_write_barrier()


def dm_program(experiment: str, size: int, count: int, side: int = 5) -> Program:
    """The micro-program of one experiment: core (0, 0) moves `count` x `size` bytes, then its barrier.

    one_to_one: writes to core (1, 1) on NoC 0; one_from_one: reads from core (1, 1) on NoC 1; dram_read /
    dram_write: DRAM bank 0 on NoC 1 / NoC 0; mcast / mcast_linked: a side x side rectangle from (0, 0)
    without loopback on NoC 0, each transaction reserving its path or linked to the next.
    """
    if experiment not in EXPERIMENTS:
        raise ValueError(f"unknown experiment '{experiment}'; known: {', '.join(EXPERIMENTS)}")
    p = Program(name=f"dm_{experiment}_{size}x{count}")
    me = (0, 0)
    if experiment in ("one_to_one", "one_from_one"):
        p.l1_buffer([me, (1, 1)], "data", size)
        write = experiment == "one_to_one"
        p.kernel(me, "writer" if write else "reader", _write if write else _read,
                 dict(size=size, count=count, peer=(1, 1)), noc=0 if write else 1)
    elif experiment in ("dram_read", "dram_write"):
        p.l1_buffer(me, "data", size)
        p.dram_buffer("DRAM", (32, max(32, size // 4)), "fp32")  # page 0 holds `size` bytes in bank 0
        read = experiment == "dram_read"
        p.kernel(me, "reader" if read else "writer", _dram_read if read else _dram_write,
                 dict(size=size, count=count), noc=1 if read else 0)
    else:
        p.l1_buffer(CoreRange((0, 0), (side - 1, side - 1)), "data", size)
        p.kernel(me, "writer", _mcast, dict(size=size, count=count, side=side,
                                           linked=experiment == "mcast_linked"), noc=0)
    return p
