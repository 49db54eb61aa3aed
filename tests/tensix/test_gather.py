"""noc_async_read_gather is a loop of noc_async_read run as engine events: the same reads, data, cycles, spans
and transfer order against other kernels' traffic, and a barrier that waits for the last read."""

import json

import numpy as np
import pytest

from tensix import Mesh, Program
from tensix.errors import NocError
from tensix.formats import bf16_bits
from tensix.presets import resolve

CFG = resolve("wormhole_n150")
ROW = 1536  # one row of a 768-wide bf16 matrix: a page of the rows layout
W = np.random.default_rng(0).standard_normal((512, 768)).astype(np.float32)
PAGES = bf16_bits(W).view(np.uint8)  # (512, 1536): the rows as DRAM holds them
CORES = [(x, y) for y in range(2) for x in range(3)]


def _rows(core) -> list[int]:
    """Rows this core reads: spread over the banks, overlapping other cores' (the banks and links contend)."""
    x, y = core
    return [(7 * i + 5 * x + 11 * y) % 512 for i in range(9 + 4 * x + y)]


def k_loop(ctx, gather: bool):
    got, out = ctx.get_l1_buffer("got"), ctx.get_l1_buffer("out")
    for rnd in range(2):
        rows = _rows(ctx.core)[rnd:]
        srcs = [ctx.dram_page_addr("W", r) for r in rows]
        srcs = [(x, y, a + 256 * ctx.core[0]) for x, y, a in srcs]  # a 256-byte slice per core, as a block's
        if gather:
            ctx.noc_async_read_gather(srcs, got, 256, 256)
        else:
            for i, src in enumerate(srcs):
                ctx.noc_async_read(src, got + i * 256, 256)
        if rnd:  # another read issued before the barrier: it queues behind the gather's on the NIU
            ctx.noc_async_read(ctx.dram_page_addr("W", 3), out, 256)
        ctx.noc_async_read_barrier()
        x = ctx.core[0]
        for i, r in enumerate(rows):
            assert (ctx.l1(got + i * 256, 256) == PAGES[r, 256 * x:256 * (x + 1)]).all(), (rnd, i, r)
        ctx.l1(got, 32 * 256)[:] = 0


def _run(kernel, **args):
    p = Program(name="gather")
    p.dram_buffer("W", W.shape, "bf16", "input", layout="rows")
    p.l1_buffer(CORES, "got", 32 * 256)
    p.l1_buffer(CORES, "out", 256)
    p.kernel(CORES, "reader", kernel, args)
    return Mesh(CFG).run(p, {"W": W})


def _same(a, b) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def test_a_gather_is_the_loop_of_reads_it_replaces():
    loop, gather = _run(k_loop, gather=False), _run(k_loop, gather=True)
    assert gather.cycles == loop.cycles
    assert _same(gather.trace.to_dict(), loop.trace.to_dict())  # every transfer, in order, and every span
    assert gather.stats == loop.stats
    reads = [t for t in gather.trace.transfers if t.kind == "read"]
    assert len(reads) == sum(2 * len(_rows(c)) for c in CORES)  # round 2: one row fewer, one read more


def k_small(ctx):
    got = ctx.get_l1_buffer("got")
    ctx.noc_async_read_gather([], got, 256, 256)  # nothing to read
    ctx.noc_async_read_barrier()
    ctx.noc_async_read_gather([ctx.dram_page_addr("W", 9)], got, 256, 256)  # one read: issued at once
    ctx.noc_async_read_barrier()
    assert (ctx.l1(got, 256) == PAGES[9, :256]).all()


def test_empty_and_single_gathers():
    result = _run(k_small)
    assert len([t for t in result.trace.transfers if t.kind == "read"]) == len(CORES)


def k_bad(ctx):
    got = ctx.get_l1_buffer("got")
    x, y, a = ctx.dram_page_addr("W", 0)
    ctx.noc_async_read_gather([(x, y, a), (x, y, a + 1)], got, 256, 256)  # the second is misaligned
    ctx.noc_async_read_barrier()


def test_a_bad_address_in_a_gather_is_reported_with_its_kernel():
    with pytest.raises(NocError, match=r"reader kernel on core \(0, 0\): source address 0x[0-9a-f]+ is not"):
        _run(k_bad)
