"""The fused row ops (`row` steps): softmax, layernorm and rmsnorm over whole tile rows held on one core (a norm's
row may be split over cores by its columns: each reads the whole row for the statistics, writes its columns).

The reader brings a tile row of x (and, per row, the causal mask's matching tiles; or once per step gamma
and beta), a unit of the core's elementwise CBs at a time. The compute kernel works as tt-metal's fused
kernels do: a row statistic reduced into DST and packed to CB_STAT, then a pass broadcasting it down the
row; intermediate rows go through CB_MID (fp32), which only the compute kernel pushes to.
"""

from __future__ import annotations

from tensix.programs.stages.layout import CB_MID, CB_STAT, EL_A, EL_B, cb_in, cb_out
from tensix.programs.stages.rowstream import blocks, compute_stream, read_stream


def span(s) -> range:
    """The tile columns a row step writes (a norm split over cores: its own; else all)."""
    return range(*s.cols) if s.cols[1] else range(s.nt)


def row_writes(s) -> list[range]:
    """The output pages the writer stores at once: a row (of the columns written), or a block of it (streaming)."""
    cols = span(s)
    if s.block:
        return [range(first + j, first + j + n) for _, first, _ in s.rows for j, n in blocks(s, cols)]
    return [range(first + cols.start, first + cols.stop) for _, first, _ in s.rows]


def _fmt(ctx, name: str) -> str:
    return ctx.buffer(name).fmt


def read_row(ctx, s, u, read_pages, issue_reads) -> None:
    """A fused row op: per tile row its x tiles and mask tiles (softmax); gamma and beta once (norms), after
    the first row. A row too wide for L1 streams (rowstream.py)."""
    if s.block:
        read_stream(ctx, s, u, span(s), issue_reads)
        return
    x, noc, unit, nt = s.a, s.noc, u.el, s.nt
    cbx = cb_in(EL_A, _fmt(ctx, x))
    mask = s.aux[0] if s.fn == "softmax" and s.aux else None
    cbm = cb_in(EL_B, _fmt(ctx, mask)) if mask else None
    for i, (r, first, _) in enumerate(s.rows):  # a row's x and mask tiles in flight at once, one barrier
        ctx.cb_reserve_back(cbx, unit)
        issue_reads(ctx, cbx, x, range(first, first + nt), noc)
        if mask:
            m0 = (r % s.mask_rows) * nt  # the mask is one matrix, x may be a batch of them
            ctx.cb_reserve_back(cbm, unit)
            issue_reads(ctx, cbm, mask, range(m0, m0 + nt), noc)
        ctx.noc_async_read_barrier()
        ctx.cb_push_back(cbx, unit)
        if mask:
            ctx.cb_push_back(cbm, unit)
        if i == 0 and not mask:  # gamma and beta (of the columns written) after the first row: its statistics
            for name in s.aux:  # need only x
                read_pages(ctx, cb_in(EL_B, _fmt(ctx, name)), name, span(s), noc, unit)


def compute_row(ctx, s, u, emit) -> None:
    """Fused softmax / layernorm / rmsnorm, a tile row at a time (the row stays in L1 between passes).

    Passes as in tt-metal's kernels: a row statistic (reduce into DST, packed to CB_STAT), then a pass that
    broadcasts it down the row's columns; intermediates go through CB_MID in fp32. A row too wide streams."""
    if s.block:
        compute_stream(ctx, s, u, span(s), emit)
        return
    unit, nt, norm = u.el, s.nt, s.fn != "softmax"
    cbx = cb_in(EL_A, _fmt(ctx, s.a))
    aux, held = _aux_tiles(ctx, s, unit)
    for _ in s.rows:
        ctx.cb_wait_front(cbx, unit)
        if norm:
            _norm_row(ctx, s, cbx, aux, held, unit, nt, emit)
        else:
            _softmax_row(ctx, s, cbx, aux[0][0] if aux else None, unit, nt, emit)
    if norm:
        for cb, pages in held.items():
            ctx.cb_pop_front(cb, pages)


def _aux_tiles(ctx, s, unit: int) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """(CB, index of the first tile) of each aux operand (gamma, beta or the mask), and the pages each of those
    CBs holds: operands of one format share a CB, one unit after another."""
    out, held = [], {}
    for name in s.aux:
        cb = cb_in(EL_B, _fmt(ctx, name))
        out.append((cb, held.get(cb, 0)))
        held[cb] = held.get(cb, 0) + unit
    return out, held


def _stat(ctx, fn: str, cb: int, nt: int, scale: float, recip: bool = False) -> None:
    """Reduce a row's nt tiles of cb (sum or max over each row) into DST [its reciprocal], pack to CB_STAT."""
    ctx.tile_regs_acquire()
    for j in range(nt):
        ctx.reduce_tile(fn, "row", cb, j, 0, scale)
    if recip:
        ctx.recip_tile(0)
    _pack(ctx, 0, CB_STAT)
    ctx.tile_regs_release()
    ctx.cb_wait_front(CB_STAT, 1)


def _reserve_out(ctx, s, unit: int) -> int:
    """Reserve a row's unit in the output CB (the writer stores the row at once); returns the CB id."""
    cb = cb_out(_fmt(ctx, s.out))
    ctx.cb_reserve_back(cb, unit)
    return cb


def _pack(ctx, idst: int, cb: int) -> None:
    ctx.cb_reserve_back(cb, 1)
    ctx.pack_tile(idst, cb)
    ctx.cb_push_back(cb, 1)


def _norm_row(ctx, s, cbx: int, aux: list[tuple[int, int]], held: dict[int, int], unit: int, nt: int,
              emit) -> None:
    """(x - mean) * rsqrt(mean of squares + eps) [* gamma + beta] (layernorm); rmsnorm skips the centring."""
    inv_n = 1.0 / (32 * nt)
    src, src_pages = cbx, unit
    if s.fn == "layernorm":
        _stat(ctx, "sum", cbx, nt, inv_n)
        center(ctx, cbx, nt, unit)
        src, src_pages = CB_MID, nt
    sum_squares(ctx, src, nt, inv_n)
    normalize(ctx, s, src, span(s), aux, held, unit, emit)  # the columns this core writes (all, unless split)
    ctx.cb_pop_front(src, src_pages)


def normalize(ctx, s, src: int, cols, aux: list[tuple[int, int]], held: dict[int, int], unit: int, emit) -> None:
    """rsqrt(DST 1 + eps) (DST acquired) times src's tiles `cols` [* gamma + beta], out a unit; CB_STAT popped."""
    ctx.add_scalar_tile(1, s.eps)
    ctx.rsqrt_tile(1)
    _pack(ctx, 1, CB_STAT)
    ctx.tile_regs_release()
    ctx.cb_wait_front(CB_STAT, 1)
    for cb, pages in held.items():
        ctx.cb_wait_front(cb, pages)  # gamma and beta (read after the first row's x) stay for every row
    out = _reserve_out(ctx, s, unit)
    for i, j in enumerate(cols):
        ctx.tile_regs_acquire()
        ctx.bcast_tiles("mul", "col", src, CB_STAT, j, 0, 0)
        for (cb, first), op in zip(aux, ("mul", "add")):  # gamma, then beta (of those columns)
            ctx.bcast_dst_tiles(op, "row", 0, cb, first + i)
        emit(ctx, s, i)
        ctx.tile_regs_release()
    ctx.cb_push_back(out, unit)
    ctx.cb_pop_front(CB_STAT, 1)


def center(ctx, cbx: int, n: int, unit: int) -> None:
    """x's n tiles less the mean in CB_STAT, into CB_MID (x's unit and the mean popped)."""
    for j in range(n):
        ctx.tile_regs_acquire()
        ctx.bcast_tiles("sub", "col", cbx, CB_STAT, j, 0, 0)
        _pack(ctx, 0, CB_MID)
        ctx.tile_regs_release()
    ctx.cb_pop_front(CB_STAT, 1)
    ctx.cb_pop_front(cbx, unit)
    ctx.cb_wait_front(CB_MID, n)


def sum_squares(ctx, src: int, n: int, inv_n: float) -> None:
    """DST 1 (left acquired) = inv_n x the sum of the squares of src's n tiles, by rows: layernorm's centred tiles
    (src CB_MID) squared through CB_STAT one at a time; rmsnorm's x squared into CB_MID (each pack overlaps the
    next square), then summed."""
    if src == CB_MID:
        ctx.tile_regs_acquire()
        for j in range(n):
            ctx.mul_tiles(src, src, j, j, 0)
            _pack(ctx, 0, CB_STAT)
            ctx.cb_wait_front(CB_STAT, 1)
            ctx.reduce_tile("sum", "row", CB_STAT, 0, 1, inv_n)
            ctx.cb_pop_front(CB_STAT, 1)
        return
    for j in range(n):
        ctx.tile_regs_acquire()
        ctx.mul_tiles(src, src, j, j, 0)
        _pack(ctx, 0, CB_MID)
        ctx.tile_regs_release()
    ctx.cb_wait_front(CB_MID, n)
    ctx.tile_regs_acquire()
    for j in range(n):
        ctx.reduce_tile("sum", "row", CB_MID, j, 1, inv_n)
    ctx.cb_pop_front(CB_MID, n)


def _softmax_row(ctx, s, cbx: int, cbm: int | None, unit: int, nt: int, emit) -> None:
    """exp(x [+ mask] - max) / sum over the row (the mask's row in cbm)."""
    src, src_pages = cbx, unit
    if cbm is not None:
        ctx.cb_wait_front(cbm, unit)
        for j in range(nt):  # masked row -> CB_MID
            ctx.tile_regs_acquire()
            ctx.add_tiles(cbx, cbm, j, j, 0)
            _pack(ctx, 0, CB_MID)
            ctx.tile_regs_release()
        ctx.cb_pop_front(cbm, unit)
        ctx.cb_pop_front(cbx, unit)
        ctx.cb_wait_front(CB_MID, nt)
        src, src_pages = CB_MID, nt
    _stat(ctx, "max", src, nt, 1.0)
    for j in range(nt):  # exps -> CB_MID (behind the masked row, when there is one)
        ctx.tile_regs_acquire()
        ctx.bcast_tiles("sub", "col", src, CB_STAT, j, 0, 0)
        ctx.exp_tile(0)
        _pack(ctx, 0, CB_MID)
        ctx.tile_regs_release()
    ctx.cb_pop_front(CB_STAT, 1)
    ctx.cb_pop_front(src, src_pages)
    ctx.cb_wait_front(CB_MID, nt)
    _stat(ctx, "sum", CB_MID, nt, 1.0, recip=True)
    out = _reserve_out(ctx, s, unit)
    for j in range(nt):
        ctx.tile_regs_acquire()
        ctx.bcast_tiles("mul", "col", CB_MID, CB_STAT, j, 0, 0)
        emit(ctx, s, j)
        ctx.tile_regs_release()
    ctx.cb_push_back(out, unit)
    ctx.cb_pop_front(CB_STAT, 1)
    ctx.cb_pop_front(CB_MID, nt)
