"""noc_async_read_pages_into (pages of several DRAM buffers, each to its own L1 address) is a loop of
noc_async_read_page, and read_barrier_synced is noc_async_read_barrier then sync: the same reads, data, cycles,
spans and transfer order against other kernels' traffic, with fewer switches between kernels."""

import json

import numpy as np
import pytest

from tensix import Mesh, Program
from tensix.formats import tilize
from tensix.presets import resolve

CFG = resolve("wormhole_n150")
CORES = [(x, y) for y in range(2) for x in range(4)]
RNG = np.random.default_rng(3)
A, B, C = (RNG.standard_normal((64, 32 * 12)).astype(np.float32) for _ in range(3))  # 24 bf16 tiles each
PAGES = {name: tilize(m, "bf16") for name, m in (("A", A), ("B", B), ("C", C))}


def k_read(ctx, into: bool, n: int):
    got, size = ctx.get_l1_buffer("got"), 2048
    x, y = ctx.core
    names = ["A", "B", "C"][:n]
    for rnd in range(6):
        pages = [(5 * x + 7 * y + 3 * i + rnd) % 24 for i in range(n)]  # the banks and links contend
        dsts = [got + (n - 1 - i) * size for i in range(n)]  # no stride: the last lands first
        if into:
            ctx.noc_async_read_pages_into(names, pages, dsts, noc=rnd % 2)
            ctx.read_barrier_synced()
            assert ctx.t == ctx.engine.now  # synced: its clock is global time
        else:
            for name, page, dst in zip(names, pages, dsts, strict=True):
                ctx.noc_async_read_page(name, page, dst, noc=rnd % 2)
            ctx.noc_async_read_barrier()
            ctx.sync()
        for name, page, dst in zip(names, pages, dsts, strict=True):
            assert (ctx.l1(dst, size) == PAGES[name][page]).all(), (rnd, name, page)
        ctx.noc_semaphore_inc(ctx.get_noc_addr(0, 0, ctx.get_semaphore(0)))  # something that touches shared state


def k_write(ctx):
    """Writes to DRAM beside the reads (the banks and links contend with them), each after a barrier."""
    src = ctx.get_l1_buffer("src")
    x, y = ctx.core
    for i in range(4):
        ctx.noc_async_write_page("OUT", (4 * (y * 4 + x) + i), src)
        ctx.noc_async_write_barrier()


def _run(into: bool, n: int):
    p = Program(name="into")
    for name, m in (("A", A), ("B", B), ("C", C)):
        p.dram_buffer(name, m.shape, "bf16", "input")
    p.dram_buffer("OUT", (32 * 32, 32), "bf16", "output")
    p.l1_buffer(CORES, "got", 3 * 2048)
    p.l1_buffer(CORES, "src", 2048)
    p.semaphore(CORES, 0, 0)
    p.kernel(CORES, "reader", k_read, {"into": into, "n": n})
    p.kernel(CORES, "writer", k_write, {})
    return Mesh(CFG).run(p, {"A": A, "B": B, "C": C})


def _same(a, b) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_reading_pages_into_with_a_synced_barrier_is_the_loop_it_replaces(n):
    loop, into = _run(False, n), _run(True, n)
    assert into.cycles == loop.cycles
    assert _same(into.trace.to_dict(), loop.trace.to_dict())  # every transfer, in order, and every span
    assert into.stats == loop.stats
    reads = [t for t in into.trace.transfers if t.kind == "read"]
    assert len(reads) == 6 * n * len(CORES)
    assert any(s.name == "wait:noc_async_read_barrier" for s in into.trace.spans)


def k_alone(ctx):
    got = ctx.get_l1_buffer("got")
    ctx.noc_async_read_pages_into([], [], [])  # nothing to read
    ctx.read_barrier_synced()
    ctx.noc_async_read_pages_into(["A", "C"], [3, 4], [got, got + 2048])  # nothing else due: issued at once
    ctx.read_barrier_synced()
    assert (ctx.l1(got, 2048) == PAGES["A"][3]).all() and (ctx.l1(got + 2048, 2048) == PAGES["C"][4]).all()


def test_reads_into_on_a_lone_core():
    p = Program(name="alone")
    for name, m in (("A", A), ("B", B), ("C", C)):
        p.dram_buffer(name, m.shape, "bf16", "input")
    p.l1_buffer([(0, 0)], "got", 2 * 2048)
    p.kernel([(0, 0)], "reader", k_alone, {})
    result = Mesh(CFG).run(p, {"A": A, "B": B, "C": C})
    assert [t.kind for t in result.trace.transfers] == ["read", "read"]
