"""Reader part of every step: wait for the inputs' producers, then stream input tiles from DRAM into CBs."""

from __future__ import annotations

import numpy as np

from tensix.formats import untilize
from tensix.identity_memo import IdentityMemo
from tensix.programs.stages.dispatch import HANDLERS, handles, missing
from tensix.programs.stages.fused import groups, operand_slots, pad_back
from tensix.programs.stages.layout import CB_IDS, EL_A, EL_B, MM_A, MM_B, MM_BIAS, cb_in, k_blocked
from tensix.programs.stages.mcast import align, finish_operand, reads, spread_row, start_operand
from tensix.programs.stages.norm import read_norm_parts
from tensix.programs.stages.row import read_row
from tensix.programs.stages.sparse import read_matmul_rows
from tensix.schedule.contract import Binary, Copy, GatherRows, Matmul, MatmulRows, Op, Reduce, Row, Step, Unary, Units


def reader(ctx, *, steps: tuple[Step, ...], units: Units) -> None:
    parts = HANDLERS["reader"]  # step class -> its reader part (@handles, beside each part)
    for step in steps:
        ctx.set_op(step.label, step.src)
        for w in step.wait:
            if not w.only:  # (a spread activation's producers: the writer waits for them, stages/mcast.spread_row)
                ctx.noc_semaphore_wait_min(ctx.get_semaphore(w.sem), w.count)
        (parts.get(type(step)) or missing("reader", step))(ctx, step, units)


def _fmt(ctx, name: str) -> str:
    return ctx.buffer(name).fmt


def _read_pages(ctx, cb: int, name: str, pages, noc: int | None = None, reserve: int | None = None) -> None:
    """Reserve `reserve` (default len(pages)) pages of cb, read those DRAM pages of `name` (on `noc`), push."""
    n = reserve or len(pages)
    ctx.cb_reserve_back(cb, n)
    _issue_reads(ctx, cb, name, pages, noc)
    ctx.read_barrier_synced()  # the barrier, and the sync the push would do
    ctx.cb_push_back(cb, n)


def _issue_reads(ctx, cb: int, name: str, pages, noc: int | None) -> None:
    """Start reading DRAM pages of `name` into the reserved back of cb (the caller barriers and pushes)."""
    ctx.noc_async_read_pages(name, pages, ctx.get_write_ptr(cb), noc)


def _count_skipped(ctx, name: str, count: int) -> None:
    """Weight pages not read because all their activations are zero."""
    saved = count * ctx.buffer(name).page_nbytes
    ctx.skip.add(ctx.core, ctx.label, noc_bytes_skipped=saved, dram_bytes_skipped=saved)


@handles("reader", Matmul)
def _read_matmul(ctx, s, u: Units) -> None:
    a, b, kt, b_cols, noc = s.a, s.b, s.kt, s.b_cols, s.noc
    cba, cbb = cb_in(MM_A, _fmt(ctx, a)), cb_in(MM_B, _fmt(ctx, b))
    unit_a, unit_b = u.a, u.b
    for block in s.blocks:
        a_r0, bm, c0, bn, b_off, _ = block
        if s.bias:
            _read_pages(ctx, cb_in(MM_BIAS, _fmt(ctx, s.bias)), s.bias, range(c0, c0 + bn), noc, u.bias)
        if blocked(s, u):  # k steps of whole bands; the writer moves A's (move_a)
            _read_matmul_mcast(ctx, s, u, block, cba, cbb)
            continue
        for k in range(kt):
            a_pages = [(a_r0 + i) * kt + k for i in range(bm)]
            b_pages = [(b_off + k) * b_cols + c0 + j for j in range(bn)]
            # both operands in flight before one barrier; the compute kernel pops both each k step, and
            # the CBs hold two steps, so holding B's reservation while A lands cannot deadlock
            ctx.cb_reserve_back(cba, unit_a)
            ctx.cb_reserve_back(cbb, unit_b)
            _issue_reads(ctx, cba, a, a_pages, noc)
            if all(ctx.dram_page_is_zero(a, p) for p in a_pages):
                _count_skipped(ctx, b, len(b_pages))  # zero activations: these weights are not needed
            else:
                _issue_reads(ctx, cbb, b, b_pages, noc)
            ctx.read_barrier_synced()  # the barrier, and the sync the push would do
            ctx.cb_push_back(cba, unit_a)
            ctx.cb_push_back(cbb, unit_b)


def blocked(s, u: Units) -> bool:
    """Whether a matmul step moves whole operand bands in k steps (multicast or k-blocked): its activation band
    then moves on the writer's RISC-V (`move_a`) while the reader's streams the weights, as tt-metal's
    multicast matmuls give in0 and in1 a data-movement core each. On a core that mixes such steps with plain
    ones, every matmul's activation moves on the writer (`Units.a_mover`): two kernels filling the A CB in
    turn would race for its pages."""
    return s.op == Op.MATMUL and (u.a_mover == "writer" or k_blocked(s))


def move_a(ctx, s, u: Units, block) -> None:
    """The activation bands of one output block, k step by k step (A tiles row-major: (i, kk) at i * kc + kk,
    as matmul_block reads them; steps of a_kb tiles when set): read from DRAM, multicast along the row, or
    received."""
    a, kt, kb = s.a, s.kt, s.a_kb or s.kb
    cba, ma = cb_in(MM_A, _fmt(ctx, a)), s.mcast.a if s.mcast else None
    a_r0, bm = block[0], block[1]
    align(ctx, ma, cba, u.a)
    if ma is not None and ma.senders:  # the row's k tiles from every core at once (one unit: a_kb = kt, bm = 1)
        spread_row(ctx, ma, cba, a, a_r0, kt, u.a, s.noc, s.wait)
        return
    listed = reads(ctx, ma)
    for step in range(-(-kt // kb)):
        ks = range(step * kb, min(kt, (step + 1) * kb))
        a_pages = [(a_r0 + i) * kt + k for i in range(bm) for k in ks] if listed else ()
        start_operand(ctx, ma, cba, a, a_pages, u.a, s.noc, step)
        finish_operand(ctx, ma, cba, a, a_pages, u.a, s.noc, step)


def _read_matmul_mcast(ctx, s, u: Units, block, cba: int, cbb: int) -> None:
    """The weight bands of one output block, k step by k step (B (kk, j) at kk * bn + j): read from DRAM,
    multicast down the column, or received; with zero skipping, not read at a k step where the activations
    of every grid row are zero. Every step reserves the core's whole B unit."""
    a, b, kt, noc, kb = s.a, s.b, s.kt, s.noc, s.kb
    unit_b = u.b
    mb = s.mcast.b if s.mcast else None
    align(ctx, mb, cbb, unit_b)
    bands = _b_bands(s, block) if reads(ctx, mb) else None
    for step in range(-(-kt // kb)):
        ks = range(step * kb, min(kt, (step + 1) * kb))
        b_pages = bands[step] if bands is not None else ()
        if mb and _column_is_zero(ctx, a, mb, ks, kt):  # every core of the column sees it alike
            ctx.cb_reserve_back(cbb, unit_b)  # the compute kernel skips zero tiles: B is never read
            ctx.cb_push_back(cbb, unit_b)
            if mb.n == 0 or mb.sender == ctx.core:
                _count_skipped(ctx, b, len(b_pages))
            continue
        start_operand(ctx, mb, cbb, b, b_pages, unit_b, noc, step)
        finish_operand(ctx, mb, cbb, b, b_pages, unit_b, noc, step)


_BANDS = IdentityMemo()  # (step, block) -> _b_bands'


def _b_bands(s, block) -> tuple[tuple[int, ...], ...]:
    """Per k step of a matmul block, the weight pages it reads: the same on every run of the (immutable) step, so
    listed once (a decode token's matmuls list ~25k of them per run)."""
    hit = _BANDS.get(s, block)
    if hit is not None:
        return hit
    kt, kb, b_cols = s.kt, s.kb, s.b_cols
    _, _, c0, bn, b_off, _ = block
    bands = tuple(tuple((b_off + k) * b_cols + c0 + j for k in range(step * kb, min(kt, (step + 1) * kb))
                        for j in range(bn)) for step in range(-(-kt // kb)))  # (tuples: shared, never changed)
    return _BANDS.put(bands, s, block)


def _column_is_zero(ctx, a: str, mb, ks: range, kt: int) -> bool:
    """Compiled for skipping: whether the activation tiles at k tiles `ks` of every grid row are all zero, so
    no core of this grid column needs these weight tiles (their page headers say so; free to read)."""
    rows = mb.a_rows
    return bool(rows) and all(ctx.dram_page_is_zero(a, (r0 + i) * kt + k)
                              for r0, bm in rows for i in range(bm) for k in ks)


@handles("reader", Binary)
def _read_binary(ctx, s, u: Units) -> None:
    if s.more:
        _read_fused(ctx, s, cb_in(EL_A, _fmt(ctx, s.a)), u.el)
        return
    _read_pairs(ctx, s, cb_in(EL_A, _fmt(ctx, s.a)), cb_in(EL_B, _fmt(ctx, s.b)), u.el)


def _read_fused(ctx, s, cba: int, unit: int) -> None:
    """A fused elementwise step's input tiles, every input's tile of an output page at once (one barrier): a into
    its CB, the others into the EL_B CBs of their formats, a group per CB (stages/fused.py)."""
    slots = operand_slots(s, lambda name: _fmt(ctx, name))
    sizes = [(cb, n * unit) for cb, n in groups(slots).items()]
    outs = [q for q, _, _ in s.pages]
    pages = [[pb for _, _, pb in s.pages], *([m.page(q) for q in outs] for m in s.more)]
    reads = [(name, cb, k * unit * ctx.cb(cb).page_nbytes, ps)
             for name, (cb, k), ps in zip((s.b, *(m.name for m in s.more)), slots, pages, strict=True)]
    _read_groups(ctx, [pa for _, pa, _ in s.pages], s.a, cba, unit, s.noc, sizes, reads)


def _read_groups(ctx, a_pages: list, a: str, cba: int, unit: int, noc, sizes: list, reads: list) -> None:
    """_read_fused's pages (compiled: every call in C, reader.pxd): `sizes` (CB, pages a group), `reads` (buffer,
    CB, byte offset in its group, its page for each output page)."""
    buffers = [a] + [r[0] for r in reads]
    for i in range(len(a_pages)):
        ctx.cb_reserve_back(cba, unit)
        for cb, n in sizes:
            c = ctx.cb(cb)
            room = c.num_pages - c.wr_slot
            if room < n:
                pad_back(ctx, cb, room)
            ctx.cb_reserve_back(cb, n)
        pages, dsts = [a_pages[i]], [ctx.get_write_ptr(cba)]
        for _, cb, offset, ps in reads:
            pages.append(ps[i])
            dsts.append(ctx.get_write_ptr(cb) + offset)
        ctx.noc_async_read_pages_into(buffers, pages, dsts, noc)  # the reads of a loop, after the first by events
        ctx.read_barrier_synced()  # the barrier, and the sync the push would do
        ctx.cb_push_back(cba, unit)
        for cb, n in sizes:
            ctx.cb_push_back(cb, n)


def _read_pairs(ctx, s, cba: int, cbb: int, unit: int) -> None:
    """A binary step's operand tiles, a pair at a time (compiled: every call in C, reader.pxd)."""
    buffers, noc = [s.a, s.b], s.noc
    for _, pa, pb in s.pages:  # both operand tiles in flight at once: one round trip, one barrier
        ctx.cb_reserve_back(cba, unit)
        ctx.cb_reserve_back(cbb, unit)
        ctx.noc_async_read_pages_into(buffers, [pa, pb], [ctx.get_write_ptr(cba), ctx.get_write_ptr(cbb)], noc)
        ctx.read_barrier_synced()  # the barrier, and the sync the push would do
        ctx.cb_push_back(cba, unit)
        ctx.cb_push_back(cbb, unit)


@handles("reader", Unary)
def _read_unary(ctx, s, u: Units) -> None:
    cb, name, noc, unit = cb_in(EL_A, _fmt(ctx, s.a)), s.a, s.noc, u.el
    for _, pa in s.pages:
        _read_page(ctx, cb, name, pa, noc, unit)


@handles("reader", Reduce)
def _read_reduce(ctx, s, u: Units) -> None:
    cb, name, noc, unit = cb_in(EL_A, _fmt(ctx, s.a)), s.a, s.noc, u.el
    for _, first, n in s.rows:
        for p in range(first, first + n):
            _read_page(ctx, cb, name, p, noc, unit)


@handles("reader", Copy)
def _read_copy(ctx, s, u: Units) -> None:
    names = s.inputs
    cbs = [cb_in(EL_A, _fmt(ctx, name)) for name in names]
    for _, index, page, _ in s.pages:
        _read_page(ctx, cbs[index], names[index], page, s.noc, u.el)


def _read_page(ctx, cb: int, name: str, page: int, noc: int | None, unit: int) -> None:
    """_read_pages of one page: no gather to set up (noc_async_read_pages of one page is this read alone)."""
    ctx.cb_reserve_back(cb, unit)
    ctx.noc_async_read_page(name, page, ctx.get_write_ptr(cb), noc)
    ctx.noc_async_read_barrier()
    ctx.cb_push_back(cb, unit)


@handles("reader", GatherRows)
def _read_gather_rows(ctx, s, u: Units) -> None:
    """Embedding lookup: for each output tile, fetch the 32 table rows named by the ids, 16 values at a time."""
    ids_buf, table = ctx.buffer(s.ids), s.table
    fmt = ctx.buffer(table).fmt
    elem = 4 if fmt == "fp32" else 2
    ids = _token_ids(ctx, ids_buf)
    cb = cb_in(EL_A, fmt)
    size = ctx.buffer(table).page_nbytes
    unit = u.el
    for _, row_tile, col_tile in s.pages:
        ctx.cb_reserve_back(cb, unit)
        base = ctx.get_write_ptr(cb)
        ctx.l1(base, size)[:] = 0
        srcs, dsts = [], []
        for r in range(min(32, len(ids) - row_tile * 32)):
            token = int(ids[row_tile * 32 + r])
            x, y, addr = ctx.dram_page_addr(table, (token // 32) * s.table_cols + col_tile)
            for half in (0, 1):  # a tile row is two 16-value face rows
                srcs.append((x, y, addr + _face_row_offset(token % 32, half, elem)))
                dsts.append(base + _face_row_offset(r, half, elem))
        ctx.noc_async_read_scatter(srcs, dsts, 16 * elem)  # the reads of a loop, after the first issued by events
        ctx.noc_async_read_barrier()
        ctx.cb_push_back(cb, unit)


def _token_ids(ctx, ids_buf) -> np.ndarray:
    """Read the ids tensor (fp32 pages) into a scratch CB and decode it on the core."""
    pages = []
    for p in range(ids_buf.npages):
        ctx.cb_reserve_back(CB_IDS, 1)
        addr = ctx.get_write_ptr(CB_IDS)
        ctx.noc_async_read_page(ids_buf.name, p, addr)
        ctx.noc_async_read_barrier()
        pages.append(ctx.l1(addr, ids_buf.page_nbytes).copy())
        ctx.cb_push_back(CB_IDS, 1)
        ctx.cb_wait_front(CB_IDS, 1)
        ctx.cb_pop_front(CB_IDS, 1)
    # ids are a 1-D or 2-D fp32 tensor (exact for ids < 2**24), gathered in row-major order
    rows, n = (1, ids_buf.shape[0]) if len(ids_buf.shape) == 1 else ids_buf.shape
    return untilize(np.stack(pages), (rows, n), "fp32").reshape(-1)


def _face_row_offset(row: int, half: int, elem: int) -> int:
    face = (row // 16) * 2 + half
    return (face * 256 + (row % 16) * 16) * elem


@handles("reader", MatmulRows)
def _read_matmul_rows(ctx, s, u: Units) -> None:
    read_matmul_rows(ctx, s, u, _read_pages)


@handles("reader", Row)
def _read_row(ctx, s, u: Units) -> None:
    if s.parts:  # a one-row norm sharing its statistics: its own columns
        read_norm_parts(ctx, s, u)
    else:
        read_row(ctx, s, u, _read_pages, _issue_reads)
