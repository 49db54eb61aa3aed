"""Writer part of every step: store output tiles to DRAM, then tell the consumer cores the output is ready."""

from __future__ import annotations

from tensix.identity_memo import IdentityMemo
from tensix.ops import MATMULS
from tensix.programs.stages.dispatch import HANDLERS, handles, missing
from tensix.programs.stages.layout import cb_out, subblocks
from tensix.programs.stages.norm import PART_NBYTES, rounds, slot
from tensix.programs.stages.reader import blocked, move_a
from tensix.programs.stages.row import row_writes
from tensix.schedule.contract import Binary, Copy, GatherRows, Matmul, MatmulRows, Reduce, Row, Step, Unary, Units


def writer(ctx, *, steps: tuple[Step, ...], units: Units) -> None:
    parts = HANDLERS["writer"]  # step class -> its writer part (@handles, beside each part)
    for step in steps:
        ctx.set_op(step.label, step.src)
        (parts.get(type(step)) or missing("writer", step))(ctx, step, units)
        ctx.noc_async_write_barrier()
        for sig in step.signal:
            _signal(ctx, ctx.get_semaphore(sig.sem), sig.cores)


def _signal(ctx, sem: int, cores: list) -> None:
    """Increment semaphore `sem` once on every consumer core: one multicast per rectangle of them."""
    me = tuple(ctx.core)
    for x0, y0, x1, y1 in rectangles(cores):
        if x0 == x1 and y0 == y1:
            ctx.noc_semaphore_inc(ctx.get_noc_addr(x0, y0, sem))
        else:
            inside = x0 <= me[0] <= x1 and y0 <= me[1] <= y1
            ctx.noc_semaphore_inc_multicast(ctx.get_noc_multicast_addr(x0, y0, x1, y1, sem), loopback=inside)


_RECTS: dict[tuple, list[tuple[int, int, int, int]]] = {}
# the covers of the tuples of a program's steps, by identity: the steps run again on every run (a decode token), and
# building the sorted key cost more than the cover
_BY_ID = IdentityMemo()


def rectangles(cores) -> list[tuple[int, int, int, int]]:
    """Cover a set of cores exactly with rectangles (x0, y0, x1, y1): runs along each row, then identical
    runs of consecutive rows merged. Cached: the same consumer sets recur on every core."""
    seen = _BY_ID.get(cores)
    if seen is not None:
        return seen
    rects = _rectangles(cores)
    if type(cores) is tuple:  # (immutable: the cover stays right)
        _BY_ID.put(rects, cores)
    return rects


def _rectangles(cores) -> list[tuple[int, int, int, int]]:
    key = tuple(sorted({(y, x) for x, y in cores}))  # a core listed twice is still signalled once
    hit = _RECTS.get(key)
    if hit is not None:
        return hit
    runs: dict[int, list[tuple[int, int]]] = {}
    for y, x in key:
        row = runs.setdefault(y, [])
        if row and row[-1][1] == x - 1:
            row[-1] = (row[-1][0], x)
        else:
            row.append((x, x))
    rects: list[list[int]] = []
    open_rects: dict[tuple[int, int], list[int]] = {}  # run -> rectangle ending on the previous row
    for y in sorted(runs):
        now = {}
        for x0, x1 in runs[y]:
            r = open_rects.get((x0, x1))
            if r is not None and r[3] == y - 1:
                r[3] = y
            else:
                r = [x0, y, x1, y]
                rects.append(r)
            now[(x0, x1)] = r
        open_rects = now
    hit = _RECTS[key] = [tuple(r) for r in rects]
    return hit


def _write_pages(ctx, s, pages, reserve: int | None = None, spread: bool = False) -> None:
    """Store `pages` from the output CB's front (`reserve` pages of it); `spread`: on both NoCs in turn."""
    name = s.out
    cb = cb_out(ctx.buffer(name).fmt, matmul=s.op in MATMULS)
    n = reserve or len(pages)
    ctx.cb_wait_front(cb, n)
    base = ctx.get_read_ptr(cb)
    size = ctx.buffer(name).page_nbytes
    for i, page in enumerate(pages):
        ctx.noc_async_write_page(name, page, base + i * size, i % 2 if spread else s.noc)
    ctx.noc_async_write_barrier()
    ctx.cb_pop_front(cb, n)


@handles("writer", Matmul, MatmulRows)
def _write_matmul(ctx, s, u: Units) -> None:
    unit, cols = u.out, s.out_cols
    moves_a = blocked(s, u)
    spread = moves_a and s.mcast is not None and s.mcast.a is not None and s.mcast.a.senders
    if moves_a and not spread:  # the activation's producers, as the reader waits for them (spread: mcast.spread_row)
        for w in s.wait:
            ctx.noc_semaphore_wait_min(ctx.get_semaphore(w.sem), w.count)
    for block in s.blocks:
        if moves_a:
            move_a(ctx, s, u, block)
        if s.sub is None:
            _write_pages(ctx, s, block.out_pages(cols), unit)
            continue
        r0, c0 = block.out_row, block.col
        for i0, h, j0, w in subblocks(s, block):  # as the compute kernel packs them; the writes of all cores
            # at once are bound by the links into the DRAM columns: half of them take the other NoC's links
            _write_pages(ctx, s, [(r0 + i0 + i) * cols + c0 + j0 + j for i in range(h) for j in range(w)], unit,
                         spread=s.noc is None or s.noc == 0)


@handles("writer", Binary, Unary, Copy, GatherRows)
def _write_pages_each(ctx, s, u: Units) -> None:
    _write_each(ctx, s, [entry[0] for entry in s.pages], u.el)


@handles("writer", Reduce)
def _write_rows_each(ctx, s, u: Units) -> None:
    _write_each(ctx, s, [entry[0] for entry in s.rows], u.el)


def _write_each(ctx, s, pages: list, unit: int) -> None:
    """_write_pages of each page alone (an elementwise step's output, a tile at a time), its CB found once."""
    name, noc = s.out, s.noc
    cb = cb_out(ctx.buffer(name).fmt)
    for page in pages:
        ctx.cb_wait_front(cb, unit)
        ctx.noc_async_write_page(name, page, ctx.get_read_ptr(cb), noc)
        ctx.noc_async_write_barrier()
        ctx.cb_pop_front(cb, unit)


@handles("writer", Row)
def _write_row(ctx, s, u: Units) -> None:
    if s.parts:
        _share_partials(ctx, s, u.el)
    for pages in row_writes(s):  # a row (or a streamed row's block) at a time: in flight together, one barrier
        _write_pages(ctx, s, pages, u.el)


def _share_partials(ctx, s, unit: int) -> None:
    """A norm sharing its statistics (stages/norm.py): each round's partial tile, as the compute kernel packs it, to
    its slot of `norm_parts` on every core of the norm (this one too: one multicast per rectangle of them), then
    their semaphore."""
    me, base, sem, cb = tuple(ctx.core), ctx.get_l1_buffer("norm_parts"), ctx.get_semaphore(s.sem), cb_out("fp32")
    for r in range(rounds(s)):
        ctx.cb_wait_front(cb, unit)
        src, at = ctx.get_read_ptr(cb), base + slot(s, r, me)
        for x0, y0, x1, y1 in rectangles(s.parts):
            if x0 == x1 and y0 == y1:
                ctx.noc_async_write(src, ctx.get_noc_addr(x0, y0, at), PART_NBYTES, s.noc)
            else:
                inside = x0 <= me[0] <= x1 and y0 <= me[1] <= y1
                ctx.noc_async_write_multicast(src, ctx.get_noc_multicast_addr(x0, y0, x1, y1, at), PART_NBYTES,
                                              noc=s.noc, loopback=inside)
        ctx.noc_async_write_barrier()
        ctx.cb_pop_front(cb, unit)
        _signal(ctx, sem, s.parts)
