"""Streaming row ops (`row` steps with `block`): softmax, layernorm and rmsnorm over tile rows too wide for a core's L1.

As tt-metal's large-tensor softmax (`*_sm_large_tensor` kernels) does: each core still takes whole tile rows, but
holds only `block` tiles of a row at a time and reads the row from DRAM once per pass. The statistics passes
reduce block after block into a DST tile left acquired, then pack it to CB_STAT (fp32); the last pass reads the
row again and normalizes it block by block, its output a block at a time. Nothing but the output goes to DRAM.

Two reads of each tile row: the statistics, then the output. Softmax keeps a running max and a running sum of
exp(x [+ mask] - max), the sum rescaled by exp(old max - new max) after each block (an online softmax); layernorm
sums x and x^2 together (variance = mean of squares - mean^2, in fp32); rmsnorm sums x^2. The output pass makes the
same calls per tile as the whole-row op (stages/row.py): rmsnorm is bit-identical to it, softmax and layernorm differ
only in how their statistics were summed (docs/language.md).
"""

from __future__ import annotations

from tensix.programs.stages.layout import CB_MID, CB_STAT, EL_A, EL_B, cb_in, cb_out


def passes(s) -> int:
    """Reads of a tile row a streaming row op makes: its statistics, then its output."""
    return 2


def blocks(s, cols) -> list[tuple[int, int]]:
    """(first column, tiles) of each block of the tile columns `cols` (a range), `s.block` tiles each."""
    return [(j, min(s.block, cols.stop - j)) for j in range(cols.start, cols.stop, s.block)]


def _fmt(ctx, name: str) -> str:
    return ctx.buffer(name).fmt


def read_stream(ctx, s, u, cols, issue_reads) -> None:
    """Per tile row and pass, its blocks of x (and the mask's matching tiles, softmax), a unit each; in the last
    pass over the columns written (`cols`), also gamma's and beta's matching tiles, a unit each after x's."""
    x, noc, unit, nt = s.a, s.noc, u.el, s.nt
    mask = s.aux[0] if s.fn == "softmax" and s.aux else None
    firsts = [(cb_in(EL_A, _fmt(ctx, x)), x)] + ([(cb_in(EL_B, _fmt(ctx, mask)), mask)] if mask else [])
    aux = [] if mask else [(cb_in(EL_B, _fmt(ctx, name)), name) for name in s.aux]
    for r, first, _ in s.rows:
        at = {x: first, **({mask: (r % s.mask_rows) * nt} if mask else {})}  # the mask: one matrix, x: a batch
        for p in range(passes(s)):
            last = p == passes(s) - 1
            for j0, n in blocks(s, cols if last else range(nt)):
                _read_block(ctx, firsts + (aux if last else []), at, j0, n, unit, noc, issue_reads)


def _read_block(ctx, reads: list[tuple[int, str]], at: dict, j0: int, n: int, unit: int, noc, issue_reads) -> None:
    """Tiles j0 .. j0 + n of each (CB, operand) in `reads` (from page at[operand], else 0), a unit each, in flight
    together under one barrier; gamma and beta sharing a CB take two units of it at once where that does not wrap
    its end, else one after the other."""
    into: dict[int, list[str]] = {}
    for cb, name in reads:
        into.setdefault(cb, []).append(name)
    wraps = {cb: names for cb, names in into.items() if ctx.cb(cb).wr_slot + unit * len(names) > ctx.cb(cb).num_pages}
    for cb, names in into.items():
        if cb not in wraps:
            ctx.cb_reserve_back(cb, unit * len(names))
            addr = ctx.get_write_ptr(cb)
            for k, name in enumerate(names):
                p0 = at.get(name, 0) + j0
                ctx.noc_async_read_pages(name, range(p0, p0 + n), addr + k * unit * ctx.buffer(name).page_nbytes, noc)
    ctx.noc_async_read_barrier()
    for cb, names in into.items():
        if cb not in wraps:
            ctx.cb_push_back(cb, unit * len(names))
    for cb, names in wraps.items():
        for name in names:
            ctx.cb_reserve_back(cb, unit)
            issue_reads(ctx, cb, name, range(at.get(name, 0) + j0, at.get(name, 0) + j0 + n), noc)
            ctx.noc_async_read_barrier()
            ctx.cb_push_back(cb, unit)


def compute_stream(ctx, s, u, cols, emit) -> None:
    """Softmax / layernorm / rmsnorm of each tile row, streamed (module docstring); `cols` the columns written."""
    unit = u.el
    cbx = cb_in(EL_A, _fmt(ctx, s.a))
    cbm = cb_in(EL_B, _fmt(ctx, s.aux[0])) if s.fn == "softmax" and s.aux else None
    aux = [] if s.fn == "softmax" else [cb_in(EL_B, _fmt(ctx, name)) for name in s.aux]
    for _ in s.rows:
        if s.fn == "softmax":
            _softmax(ctx, s, cbx, cbm, unit, cols, emit)
        else:
            _norm(ctx, s, cbx, aux, unit, cols, emit)


def _sweep(ctx, s, cbx: int, cbm: int | None, unit: int, cols, per_tile) -> None:
    """per_tile(i) for each tile of each block of `cols`, x's block (and the mask's) at the CBs' fronts."""
    for _, n in blocks(s, cols):
        ctx.cb_wait_front(cbx, unit)
        if cbm is not None:
            ctx.cb_wait_front(cbm, unit)
        for i in range(n):
            per_tile(i)
        ctx.cb_pop_front(cbx, unit)
        if cbm is not None:
            ctx.cb_pop_front(cbm, unit)


def _pack(ctx, idst: int, cb: int) -> None:
    ctx.cb_reserve_back(cb, 1)
    ctx.pack_tile(idst, cb)
    ctx.cb_push_back(cb, 1)


def _through_mid(ctx, idst: int) -> None:
    """DST[idst] packed to CB_MID (fp32) and waited for: the next call reads it back as tile 0 of CB_MID."""
    _pack(ctx, idst, CB_MID)
    ctx.cb_wait_front(CB_MID, 1)


def _stat_done(ctx, idst: int, pages: int) -> None:
    """Pack a row statistic (DST[idst], acquired) to CB_STAT, release DST, wait until CB_STAT holds `pages`."""
    _pack(ctx, idst, CB_STAT)
    ctx.tile_regs_release()
    ctx.cb_wait_front(CB_STAT, pages)


def _softmax(ctx, s, cbx: int, cbm: int | None, unit: int, cols, emit) -> None:
    """exp(x [+ mask] - max) / sum, the max and the sum in one read (an online sum, rescaled as the max grows): DST 1
    the running max, DST 2 the running sum; then the output from the max (CB_STAT 0) and 1 / sum (CB_STAT 1)."""

    def source(i: int) -> tuple[int, int]:  # x's tile i, or x + mask's through CB_MID (the whole-row op's masked row)
        if cbm is None:
            return cbx, i
        ctx.add_tiles(cbx, cbm, i, i, 0)
        _through_mid(ctx, 0)
        return CB_MID, 0

    def shifted_exp(i: int, at: int) -> None:  # DST 0 = exp(x [+ mask] - the max at CB_STAT `at`), packed to CB_MID
        src, k = source(i)
        ctx.bcast_tiles("sub", "col", src, CB_STAT, k, at, 0)
        if src == CB_MID:
            ctx.cb_pop_front(CB_MID, 1)
        ctx.exp_tile(0)
        _through_mid(ctx, 0)

    def to_max(i: int) -> None:
        src, k = source(i)
        ctx.reduce_tile("max", "row", src, k, 1, 1.0)
        if src == CB_MID:
            ctx.cb_pop_front(CB_MID, 1)

    ctx.tile_regs_acquire()
    for b, (j0, n) in enumerate(blocks(s, range(s.nt))):
        ctx.cb_wait_front(cbx, unit)
        if cbm is not None:
            ctx.cb_wait_front(cbm, unit)
        for i in range(n):  # the max so far, in DST 1, packed behind the previous one (CB_STAT 1, or 0 at first)
            to_max(i)
        _pack(ctx, 1, CB_STAT)
        ctx.cb_wait_front(CB_STAT, 1 + (b > 0))
        if b:  # the sum so far times exp(previous max - max), the previous max popped
            ctx.sub_tiles(CB_STAT, CB_STAT, 0, 1, 3)
            ctx.exp_tile(3)
            _through_mid(ctx, 3)
            ctx.bcast_dst_tiles("mul", "col", 2, CB_MID, 0)
            ctx.cb_pop_front(CB_MID, 1)
            ctx.cb_pop_front(CB_STAT, 1)
        for i in range(n):
            shifted_exp(i, 0)
            ctx.reduce_tile("sum", "row", CB_MID, 0, 2, 1.0)
            ctx.cb_pop_front(CB_MID, 1)
        ctx.cb_pop_front(cbx, unit)
        if cbm is not None:
            ctx.cb_pop_front(cbm, unit)
    ctx.recip_tile(2)
    _stat_done(ctx, 2, 2)
    out = cb_out(_fmt(ctx, s.out))

    def to_out(i: int) -> None:
        if i == 0:
            ctx.cb_reserve_back(out, unit)
        ctx.tile_regs_acquire()
        shifted_exp(i, 0)
        ctx.bcast_tiles("mul", "col", CB_MID, CB_STAT, 0, 1, 0)
        ctx.cb_pop_front(CB_MID, 1)
        emit(ctx, s, i)
        ctx.tile_regs_release()

    _out_sweep(ctx, s, cbx, cbm, unit, cols, to_out, out)
    ctx.cb_pop_front(CB_STAT, 2)


def _out_sweep(ctx, s, cbx: int, cbm: int | None, unit: int, cols, per_tile, out: int, aux=()) -> None:
    """The last pass: per block, per_tile(i) of its tiles (each reserving the output unit at i 0), then the block
    pushed to the writer; `aux`: CBs whose unit (gamma, beta) comes with each block."""
    for _, n in blocks(s, cols):
        ctx.cb_wait_front(cbx, unit)
        if cbm is not None:
            ctx.cb_wait_front(cbm, unit)
        waited = {}
        for cb in aux:  # gamma and beta of one format share a CB: one unit after the other
            waited[cb] = waited.get(cb, 0) + unit
            ctx.cb_wait_front(cb, waited[cb])
        for i in range(n):
            per_tile(i)
        ctx.cb_push_back(out, unit)
        ctx.cb_pop_front(cbx, unit)
        if cbm is not None:
            ctx.cb_pop_front(cbm, unit)
        for cb, pages in waited.items():
            ctx.cb_pop_front(cb, pages)


def _norm(ctx, s, cbx: int, aux: list[int], unit: int, cols, emit) -> None:
    """(x - mean) * rsqrt(variance + eps) [* gamma + beta], the statistics in one read: layernorm the mean (DST 0)
    and the mean of squares (DST 1), its variance their difference less mean squared (CB_STAT 0 the mean, 1 the
    rstd); rmsnorm the mean of squares, x not centred (CB_STAT 0 the rstd)."""
    inv_n, ln = 1.0 / (32 * s.nt), s.fn == "layernorm"

    def to_stats(i: int) -> None:
        if ln:
            ctx.reduce_tile("sum", "row", cbx, i, 0, inv_n)
        ctx.mul_tiles(cbx, cbx, i, i, 2)
        _through_mid(ctx, 2)
        ctx.reduce_tile("sum", "row", CB_MID, 0, 1, inv_n)
        ctx.cb_pop_front(CB_MID, 1)

    ctx.tile_regs_acquire()
    _sweep(ctx, s, cbx, None, unit, range(s.nt), to_stats)
    if ln:  # DST 1 = mean of squares - mean^2
        _pack(ctx, 0, CB_STAT)
        ctx.cb_wait_front(CB_STAT, 1)
        ctx.mul_tiles(CB_STAT, CB_STAT, 0, 0, 2)
        _through_mid(ctx, 2)
        ctx.bcast_dst_tiles("sub", "col", 1, CB_MID, 0)
        ctx.cb_pop_front(CB_MID, 1)
    ctx.add_scalar_tile(1, s.eps)
    ctx.rsqrt_tile(1)
    _stat_done(ctx, 1, 1 + ln)
    out = cb_out(_fmt(ctx, s.out))
    firsts = []
    for k, cb in enumerate(aux):  # the index of each operand's block in its CB
        firsts.append((cb, unit * aux[:k].count(cb)))

    def to_out(i: int) -> None:
        if i == 0:
            ctx.cb_reserve_back(out, unit)
        ctx.tile_regs_acquire()
        if ln:  # x - mean through CB_MID (fp32), as the whole-row op's centred row
            ctx.bcast_tiles("sub", "col", cbx, CB_STAT, i, 0, 0)
            _through_mid(ctx, 0)
            ctx.bcast_tiles("mul", "col", CB_MID, CB_STAT, 0, 1, 0)
            ctx.cb_pop_front(CB_MID, 1)
        else:
            ctx.bcast_tiles("mul", "col", cbx, CB_STAT, i, 0, 0)
        for (cb, first), op in zip(firsts, ("mul", "add")):  # gamma, then beta
            ctx.bcast_dst_tiles(op, "row", 0, cb, first + i)
        emit(ctx, s, i)
        ctx.tile_regs_release()

    _out_sweep(ctx, s, cbx, None, unit, cols, to_out, out, aux)
    ctx.cb_pop_front(CB_STAT, 1 + ln)
