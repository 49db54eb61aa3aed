"""A one-row norm whose cores share its statistics (`row` steps with `parts`): each reads only its own columns.

As ttnn's sharded layernorm and distributed rmsnorm do: each core reduces its own columns to a partial statistic
(mean of squares for rmsnorm; the mean, then the centred mean of squares for layernorm: a round each), packs it
as one fp32 tile, and its writer multicasts the tile to every core of the norm (`norm_parts` L1 buffer, a slot per
core and round) and counts it on their semaphore `sem`. When a round's partials have all landed, each core's reader
hands its compute kernel a control page; the compute kernel adds the partials in `parts` order (the same sum on
every core), finishes the statistic and normalizes its columns. The row is read once over the cores, not once per
core, and no core waits for a single combining one.
"""

from __future__ import annotations

from tensix.formats import tile_nbytes, unpack_tiles
from tensix.programs.stages.layout import CB_CTRL, CB_MID, CB_STAT, EL_A, EL_B, cb_in, cb_out
from tensix.programs.stages.row import _aux_tiles, _pack, center, normalize, span, sum_squares

PART_NBYTES = tile_nbytes("fp32")  # a partial statistic: one fp32 tile (column 0 holds the row's value)


def rounds(s) -> int:
    """Exchanges of partial statistics a shared norm makes: layernorm's mean, then its variance; rmsnorm's one."""
    return 2 if s.fn == "layernorm" else 1


def slot(s, rnd: int, core) -> int:
    """Offset in `norm_parts` of `core`'s partial in round `rnd`."""
    return (rnd * len(s.parts) + s.parts.index(tuple(core))) * PART_NBYTES


def read_norm_parts(ctx, s, u) -> None:
    """Its own columns of x and of gamma / beta, all in flight at once (one barrier: a core's columns are few); then,
    per round, a control page once every partial has landed."""
    cols, noc, unit = span(s), s.noc, u.el
    (_, first, _), = s.rows
    into: dict[int, list] = {}  # CB -> the reads into it, a unit each (gamma and beta of one format share a CB)
    into[cb_in(EL_A, ctx.buffer(s.a).fmt)] = [(s.a, range(first + cols.start, first + cols.stop))]
    for name in s.aux:
        into.setdefault(cb_in(EL_B, ctx.buffer(name).fmt), []).append((name, cols))
    # A CB whose write pointer another step's single units left where gamma and beta would wrap (an attention's
    # mask shares MiniLM's fp32 aux CB) takes them a unit at a time instead.
    single = {cb: into.pop(cb) for cb in list(into) if ctx.cb(cb).wr_slot + unit * len(into[cb]) > ctx.cb(cb).num_pages}
    for cb, reads in into.items():
        ctx.cb_reserve_back(cb, unit * len(reads))
        at = ctx.get_write_ptr(cb)
        for i, (name, pages) in enumerate(reads):
            ctx.noc_async_read_pages(name, pages, at + i * unit * ctx.buffer(name).page_nbytes, noc)
    ctx.noc_async_read_barrier()
    for cb, reads in into.items():
        ctx.cb_push_back(cb, unit * len(reads))
    for cb, reads in single.items():
        for name, pages in reads:
            ctx.cb_reserve_back(cb, unit)
            ctx.noc_async_read_pages(name, pages, ctx.get_write_ptr(cb), noc)
            ctx.noc_async_read_barrier()
            ctx.cb_push_back(cb, unit)
    sem = ctx.get_semaphore(s.sem)
    for r in range(rounds(s)):
        ctx.noc_semaphore_wait_min(sem, (r + 1) * len(s.parts))
        ctx.cb_reserve_back(CB_CTRL, 1)
        ctx.cb_push_back(CB_CTRL, 1)


def compute_norm_parts(ctx, s, u, emit) -> None:
    """(x - mean) * rsqrt(mean of squares + eps) [* gamma + beta] of this core's columns, the statistics summed
    over every core's partials (rmsnorm skips the centring)."""
    unit, n = u.el, len(span(s))
    inv_n = 1.0 / (32 * s.nt)  # each partial is already a share of the whole row's mean
    cbx = cb_in(EL_A, ctx.buffer(s.a).fmt)
    aux, held = _aux_tiles(ctx, s, unit)
    ctx.cb_wait_front(cbx, unit)
    src, src_pages, rnd = cbx, unit, 0
    if s.fn == "layernorm":
        _partial(ctx, "sum", cbx, n, inv_n, unit)
        _combine(ctx, s, rnd, 0)
        _pack(ctx, 0, CB_STAT)
        ctx.tile_regs_release()
        ctx.cb_wait_front(CB_STAT, 1)
        center(ctx, cbx, n, unit)
        src, src_pages, rnd = CB_MID, n, 1
    sum_squares(ctx, src, n, inv_n)
    _ship(ctx, 1, unit)
    _combine(ctx, s, rnd, 1)
    normalize(ctx, s, src, range(n), aux, held, unit, emit)  # src holds only its columns
    ctx.cb_pop_front(src, src_pages)
    for cb, pages in held.items():
        ctx.cb_pop_front(cb, pages)


def _partial(ctx, fn: str, cb: int, n: int, scale: float, unit: int) -> None:
    """This core's share of a row statistic: its n tiles reduced into DST 0 (left acquired), packed for its writer."""
    ctx.tile_regs_acquire()
    for j in range(n):
        ctx.reduce_tile(fn, "row", cb, j, 0, scale)
    _ship(ctx, 0, unit)


def _ship(ctx, idst: int, unit: int) -> None:
    """Pack DST[idst] (a partial) to the fp32 output CB (a unit reserved: its reservations never wrap): the writer
    multicasts it to every core of the norm and pops it."""
    cb = cb_out("fp32")
    ctx.cb_reserve_back(cb, unit)
    ctx.pack_tile(idst, cb, 0)
    ctx.cb_push_back(cb, unit)


def _combine(ctx, s, rnd: int, idst: int) -> None:
    """DST[idst] = the sum of round `rnd`'s partials of every core, in `parts` order, once the reader says they
    landed; each charged as a tile unpacked and added."""
    ctx.cb_wait_front(CB_CTRL, 1)
    k, t = len(s.parts), ctx.timing
    if ctx.math:
        at = ctx.get_l1_buffer("norm_parts") + rnd * k * PART_NBYTES
        tiles = unpack_tiles(ctx.sram.data[at:at + k * PART_NBYTES].reshape(k, PART_NBYTES), "fp32")
        total = tiles[0].copy()
        for p in range(1, k):
            total += tiles[p]
        ctx._d(idst)[:] = total
    ctx.advance("add_tiles", max(t.eltwise_cycles, t.unpack("fp32")) * k, k)
    ctx.cb_pop_front(CB_CTRL, 1)
