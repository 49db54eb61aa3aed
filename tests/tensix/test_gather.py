"""noc_async_read_gather (and noc_async_read_pages, noc_async_read_scatter) is a loop of noc_async_read
(noc_async_read_page) run as engine events: the same reads, data, cycles, spans and transfer order against other
kernels' traffic, and a barrier (or anything else that syncs) that waits for the last read."""

import json

import numpy as np
import pytest

from tensix import Mesh, Program
from tensix.errors import DramError, NocError
from tensix.formats import bf16_bits, tilize
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


def k_scatter(ctx, scatter: bool):
    got, x = ctx.get_l1_buffer("got"), ctx.core[0]
    rows = _rows(ctx.core)
    srcs = [(sx, sy, a + 256 * x) for sx, sy, a in (ctx.dram_page_addr("W", r) for r in rows)]
    dsts = [got + (len(rows) - 1 - i) * 256 for i in range(len(rows))]  # no stride: the rows land last first
    if scatter:
        ctx.noc_async_read_scatter(srcs, dsts, 256)
    else:
        for src, dst in zip(srcs, dsts, strict=True):
            ctx.noc_async_read(src, dst, 256)
    ctx.noc_async_read_barrier()
    for dst, r in zip(dsts, rows, strict=True):
        assert (ctx.l1(dst, 256) == PAGES[r, 256 * x:256 * (x + 1)]).all(), r


def test_a_scatter_is_the_loop_of_reads_it_replaces():
    loop, scatter = _run(k_scatter, scatter=False), _run(k_scatter, scatter=True)
    assert scatter.cycles == loop.cycles
    assert _same(scatter.trace.to_dict(), loop.trace.to_dict())
    assert scatter.stats == loop.stats
    assert len([t for t in scatter.trace.transfers if t.kind == "read"]) == sum(len(_rows(c)) for c in CORES)


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


TILES = np.random.default_rng(1).standard_normal((64, 32 * 24)).astype(np.float32)  # 2 x 24 bf16 tiles
PAGES_T = tilize(TILES, "bf16")  # the pages as DRAM holds them


def k_pages(ctx, pages: bool, expect: np.ndarray = PAGES_T):
    got = ctx.get_l1_buffer("got")
    size = ctx.buffer("T").page_nbytes
    x, y = ctx.core
    for rnd in range(2):
        want = [(5 * x + 7 * y + 3 * i + rnd) % 48 for i in range(6 + 2 * x + y)]  # banks and links contend
        if pages:
            ctx.noc_async_read_pages("T", want, got, noc=rnd)
        else:
            for i, page in enumerate(want):
                ctx.noc_async_read_page("T", page, got + i * size, noc=rnd)
        if rnd:  # something else that syncs before the barrier: it comes after the last read, as in the loop
            ctx.noc_semaphore_inc(ctx.get_noc_addr(0, 0, ctx.get_semaphore(0)))
        ctx.noc_async_read_barrier()
        held = ctx.l1(got, len(want) * size).reshape(len(want), size)
        assert (held == expect[want]).all(), (rnd, want)


def _run_pages(pages: bool):
    p = Program(name="pages")
    p.dram_buffer("T", TILES.shape, "bf16", "input")
    p.l1_buffer(CORES, "got", 16 * 2048)
    p.semaphore(CORES, 0, 0)
    p.kernel(CORES, "reader", k_pages, {"pages": pages})
    return Mesh(CFG).run(p, {"T": TILES})


def test_reading_pages_is_the_loop_of_page_reads_it_replaces():
    loop, pages = _run_pages(False), _run_pages(True)
    assert pages.cycles == loop.cycles
    assert _same(pages.trace.to_dict(), loop.trace.to_dict())
    assert pages.stats == loop.stats
    assert sum(t.kind == "read" for t in pages.trace.transfers) == sum(2 * (6 + 2 * x + y) for x, y in CORES)


SPARSE = TILES.copy()
SPARSE[:32, 32:96] = 0  # two all-zero tiles: when skipping, their reads cross the NoC as a header
SPARSE[32:, :16] = 0  # and faces of two more


def _run_pages_of(pages: bool, layout: str, zero_skip: bool):
    p = Program(name="pages")
    p.dram_buffer("T", TILES.shape, "bf16", "input", layout=layout,
                  bank_cols=(4, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0) if layout == "sharded" else ())
    p.l1_buffer(CORES, "got", 16 * 2048)
    p.semaphore(CORES, 0, 0)
    p.kernel(CORES, "reader", k_pages, {"pages": pages, "expect": tilize(SPARSE, "bf16")})
    return Mesh(CFG, zero_skip=zero_skip).run(p, {"T": SPARSE})


@pytest.mark.parametrize(("layout", "zero_skip"), [("tiles", True), ("sharded", False), ("sharded", True)])
def test_reading_pages_of_any_layout_and_with_skipping_is_the_loop(layout, zero_skip):
    """The interleaved pages of a run without skipping take a shorter way to their transfer (no page address
    tuple); sharded layouts and skipping runs take _read_page's: the same reads, bytes on the NoC and trace."""
    loop, pages = _run_pages_of(False, layout, zero_skip), _run_pages_of(True, layout, zero_skip)
    assert pages.cycles == loop.cycles
    assert _same(pages.trace.to_dict(), loop.trace.to_dict())
    assert pages.stats == loop.stats
    sizes = {t.nbytes for t in pages.trace.transfers if t.kind == "read"}
    assert (min(sizes) < 2048) == zero_skip  # skipping sent the zero tiles and faces short


def k_early(ctx, pages: bool):
    got = ctx.get_l1_buffer("got")
    ctx.noc_async_write_page("S", 0, got)  # page 0 lands; pages 1 and 2 are never written
    ctx.noc_async_write_barrier()
    if pages:
        ctx.noc_async_read_pages("S", [0, 1, 2], got)
    else:
        for i in range(3):
            ctx.noc_async_read_page("S", i, got + i * 2048)
    ctx.noc_async_read_barrier()


@pytest.mark.parametrize("pages", [False, True])
def test_a_page_read_before_any_kernel_wrote_it_is_reported_by_either_way(pages):
    p = Program(name="early")
    p.dram_buffer("S", (32, 96), "bf16", "scratch")
    p.l1_buffer([(0, 0)], "got", 3 * 2048)
    p.kernel([(0, 0)], "reader", k_early, {"pages": pages})
    with pytest.raises(DramError, match=r"^reader kernel on core \(0, 0\) reads page 1 of DRAM buffer 'S' at cycle "
                                        r"\d+, before any kernel wrote it; wait for its writer first"):
        Mesh(CFG).run(p)


def _run_beside_pending(pages: bool):
    p = Program(name="pending")
    p.dram_buffer("T", TILES.shape, "bf16", "input")
    p.dram_buffer("P", (32, 32), "bf16", "scratch", base=0)  # laid over T's space, never touched: pending all run
    p.l1_buffer(CORES, "got", 16 * 2048)
    p.semaphore(CORES, 0, 0)
    p.kernel(CORES, "reader", k_pages, {"pages": pages})
    return Mesh(CFG).run(p, {"T": TILES})


@pytest.mark.parametrize("pages", [False, True])
def test_pages_read_while_another_buffer_waits_for_its_space_come_from_their_banks(pages):
    """A buffer waiting to take its space (DRAM reuse) leaves other buffers' page addresses as they are: the reads
    bring the right tiles (k_pages checks them) from page p's bank p % 12, as without it."""
    result, alone = _run_beside_pending(pages), _run_pages(pages)
    assert result.cycles == alone.cycles
    assert _same(result.trace.to_dict()["transfers"], alone.trace.to_dict()["transfers"])
    assert {t.src for t in result.trace.transfers if t.kind == "read"} <= set(CFG.dram_banks)
