"""Multicast writes reach every core of the rectangle with identical data and nothing outside it."""

import numpy as np

from tensix import Mesh, MeshConfig, Program, TileKind
from tensix.formats import untilize

CFG = MeshConfig(width=5, height=4, tiles={(0, y): TileKind.DRAM for y in range(4)})  # compute grid 4x4


def k_sender(ctx):
    buf = ctx.get_l1_buffer("buf")
    ctx.l1(buf, 4096).view(np.float32)[:] = np.arange(1024, dtype=np.float32)
    ctx.noc_async_write_multicast(buf, ctx.get_noc_multicast_addr(1, 1, 2, 3, buf), 4096, num_dests=6)
    ctx.noc_async_write_barrier()
    ctx.noc_semaphore_set(ctx.get_semaphore(0), 1)
    ctx.noc_semaphore_set_multicast(ctx.get_semaphore(0), ctx.get_noc_multicast_addr(0, 0, 3, 3, ctx.get_semaphore(0)))


def k_dump(ctx, *, index):
    ctx.noc_semaphore_wait(ctx.get_semaphore(0), 1)
    ctx.noc_async_write(ctx.get_l1_buffer("buf"), ctx.dram_page_addr("OUT", index), 4096)
    ctx.noc_async_write_barrier()


def test_multicast_delivers_identical_data_inside_the_rectangle_only():
    p = Program()
    cores = [(x, y) for y in range(4) for x in range(4)]
    p.dram_buffer("OUT", (16 * 32, 32), "fp32", "output")
    p.l1_buffer(cores, "buf", 4096)
    p.semaphore(cores, 0)
    p.kernel((0, 0), "reader", k_sender)
    p.kernel([c for c in cores if c != (0, 0)], "writer", k_dump, lambda c: {"index": c[1] * 4 + c[0]})
    r = Mesh(CFG).run(p)
    out = r.outputs["OUT"].reshape(16, 32, 32)
    sent = untilize(np.arange(1024, dtype=np.float32).view(np.uint8)[None], (32, 32), "fp32")  # L1 bytes as a tile
    inside = {(x, y) for x in (1, 2) for y in (1, 2, 3)}
    for x, y in cores[1:]:
        expected = sent if (x, y) in inside else np.zeros((32, 32))
        np.testing.assert_array_equal(out[y * 4 + x], expected, err_msg=f"core {(x, y)}")
    mcasts = [t for t in r.trace.transfers if t.kind == "mcast"]
    assert len(mcasts) == 1 and mcasts[0].rect == (2, 1, 3, 3)  # NoC coordinates: column 0 is DRAM


def k_inc_sender(ctx):
    sem = ctx.get_semaphore(0)
    for _ in range(2):  # two packets of +3 each: atomics add up
        ctx.noc_semaphore_inc_multicast(ctx.get_noc_multicast_addr(0, 1, 2, 2, sem), 3, num_dests=6)
    ctx.noc_semaphore_inc_multicast(ctx.get_noc_multicast_addr(0, 0, 1, 0, sem), 1, num_dests=2, loopback=True)


def k_report(ctx, *, index):
    sem = ctx.get_semaphore(0)
    ctx.noc_semaphore_wait_min(sem, 0)  # syncs: read the word once every packet sent at cycle 0 has landed
    ctx.wait_until("settle", 2000)
    ctx.noc_async_write(sem, ctx.dram_page_addr("OUT", index), 16)
    ctx.noc_async_write_barrier()


def test_semaphore_increment_multicast_adds_on_every_core_of_the_rectangle_only():
    p = Program()
    cores = [(x, y) for y in range(4) for x in range(4)]
    p.dram_buffer("OUT", (16, 4), "fp32", "output", layout="rows")
    p.semaphore(cores, 0)
    p.kernel((0, 0), "reader", k_inc_sender)
    p.kernel(cores, "writer", k_report, lambda c: {"index": c[1] * 4 + c[0]})
    r = Mesh(CFG).run(p)
    got = {c: int(r.outputs["OUT"][c[1] * 4 + c[0]].view(np.uint32)[0]) for c in cores}
    expected = {c: 0 for c in cores}
    for x in range(3):
        for y in (1, 2):
            expected[(x, y)] += 6
    expected[(0, 0)] += 1  # loopback: the sender's own semaphore too
    expected[(1, 0)] += 1
    assert got == expected
    sems = [t for t in r.trace.transfers if t.kind == "sem"]
    assert len(sems) == 3 and all(t.rect is not None for t in sems)
