"""The fused attention step (`attention`): softmax(q @ k^T * scale + mask) @ v with the scores kept on the core.

As ttnn's prefill scaled_dot_product_attention (tt-metal ttnn/cpp/ttnn/operations/transformer/sdpa/): a core takes
work items (head, chunk of q tile rows). Its reader brings the item's q band once, then for each key chunk the item
reaches (causal: none above the diagonal) the chunk of k^T and of v (one reservation of the key CB), and the mask
tiles the chunk adds (causal: the diagonal chunk only). Its compute kernel runs the online softmax a q tile row at a
time: the row's scores S = q k^T * scale (+ mask) into CB_MID, the running max m' = m + relu(max(S) - m), P = exp(S
- m') behind them, the correction a = exp(m - m'), the running sum l' = l * a + sum(P) and the accumulator O' = O *
a + P v; after the last chunk out = O / l. Each row's running state (m, a, l, O) is a record in CB_STAT, the rows'
records in turn: a row's new record goes behind the others and its old one leaves the front. The writer stores each
output row. Every tile of work is an existing device call (tile matmul, reduce, SFPU exp/relu/recip, broadcasts), so
the timing model charges it as any other step; in timing-only runs the same calls run without data.
"""

from __future__ import annotations

from tensix.programs.stages.compute import _chain
from tensix.programs.stages.dispatch import handles
from tensix.programs.stages.layout import CB_MID, CB_STAT, EL_B, MM_A, MM_B, cb_in, cb_out
from tensix.programs.stages.row import _fmt
from tensix.programs.stages.row import _pack as _pack_dst
from tensix.schedule.attention import Attention
from tensix.schedule.contract import Units

_M, _A, _L, _O = range(4)  # a row record's tiles: running max, correction, running sum, then dt output tiles


def _cbs(ctx, s: Attention) -> tuple[int, int, int | None]:
    """The q, key (a k^T chunk, then the v chunk, in one reservation) and mask CBs of a step (mask: None without)."""
    mask = cb_in(EL_B, _fmt(ctx, s.mask)) if s.mask else None
    return cb_in(MM_A, _fmt(ctx, s.q)), cb_in(MM_B, _fmt(ctx, s.kt)), mask


@handles("reader", Attention)
def read_attention(ctx, s: Attention, u: Units) -> None:
    cbq, cbk, cbm = _cbs(ctx, s)
    dt, nq, nk, ch, noc = s.dt, s.nq, s.nk, s.chunk, s.noc
    for (h, g, q0, qn, chunks), (_, c) in zip(s.items(), s.work, strict=True):
        ctx.cb_reserve_back(cbq, u.a)  # the q band, once per item
        ctx.noc_async_read_pages(s.q, range((h * nq + q0) * dt, (h * nq + q0 + qn) * dt), ctx.get_write_ptr(cbq),
                                 noc)
        ctx.noc_async_read_barrier()
        ctx.cb_push_back(cbq, u.a)
        for kc in range(chunks):
            k0 = kc * ch
            kn = min(ch, nk - k0)
            ctx.cb_reserve_back(cbk, u.b)
            kt_pages = [(g * dt + t) * nk + k0 + j for t in range(dt) for j in range(kn)]  # (t, j) at t * kn + j
            at = ctx.get_write_ptr(cbk)
            ctx.noc_async_read_pages(s.kt, kt_pages, at, noc)
            v_at = at + dt * kn * ctx.buffer(s.kt).page_nbytes  # (j, t) at dt * kn + j * dt + t
            ctx.noc_async_read_pages(s.v, range((g * nk + k0) * dt, (g * nk + k0 + kn) * dt), v_at, noc)
            ctx.noc_async_read_barrier()
            ctx.cb_push_back(cbk, u.b)
            if s.chunk_mask(c, kc):
                for i in range(qn):  # a q row's mask tiles at a time, as the compute kernel adds them
                    ctx.cb_reserve_back(cbm, u.el)
                    ctx.noc_async_read_pages(s.mask, s.mask_pages(h, q0, i, k0, kn), ctx.get_write_ptr(cbm), noc)
                    ctx.noc_async_read_barrier()
                    ctx.cb_push_back(cbm, u.el)


@handles("compute", Attention)
def compute_attention(ctx, s: Attention, u: Units) -> None:
    cbq, cbk, cbm = _cbs(ctx, s)
    ch, nk = s.chunk, s.nk
    for (_, _, _, qn, chunks), (_, c) in zip(s.items(), s.work, strict=True):
        ctx.cb_wait_front(cbq, u.a)
        for kc in range(chunks):
            kn = min(ch, nk - kc * ch)
            ctx.cb_wait_front(cbk, u.b)
            masked = s.chunk_mask(c, kc)
            for i in range(qn):
                _row_chunk(ctx, s, (cbq, cbk), cbm if masked else None, u, i, kn, qn if kc else i, kc > 0)
            ctx.cb_pop_front(cbk, u.b)
        _finish(ctx, s, u, qn)
        ctx.cb_pop_front(cbq, u.a)


def _pack(ctx, cb: int) -> None:
    """DST 0 to the back of one of this kernel's own CBs, a page at a time (released: the packer takes it)."""
    _pack_dst(ctx, 0, cb)
    ctx.tile_regs_release()


def _row_chunk(ctx, s: Attention, cbs: tuple[int, int], cbm: int | None, u: Units, i: int, kn: int,
               held: int, update: bool) -> None:
    """One q tile row (i of its chunk) against one key chunk of kn tiles (k^T's, then v's in the key CB): its
    record moves from the front of CB_STAT (when `update`; the first chunk starts it) to the back, behind the
    `held` records there now."""
    cbq, cbk = cbs
    dt, rec = s.dt, 3 + s.dt
    at = held * rec  # where this row's new record starts in CB_STAT's front
    if cbm is not None:
        ctx.cb_wait_front(cbm, u.el)
    for j in range(kn):  # S = q k^T * scale (+ mask) -> CB_MID
        ctx.tile_regs_acquire()
        for t in range(dt):
            ctx.matmul_tiles(cbq, cbk, i * dt + t, t * kn + j, 0)
        ctx.scale_tile(0, s.scale)
        if cbm is not None and s.mask_row:  # a key-padding row: its row 0 down every row
            ctx.bcast_dst_tiles("add", "row", 0, cbm, j)
        elif cbm is not None:
            ctx.copy_tile(cbm, j, 1)
            ctx.binary_dst_tiles("add", 0, 1, 0)
        _pack(ctx, CB_MID)
    if cbm is not None:
        ctx.cb_pop_front(cbm, u.el)
    ctx.cb_wait_front(CB_MID, kn)
    ctx.tile_regs_acquire()  # m' = m + relu(max(S) - m): the max of both (any shift is exact; this one is m when
    for j in range(kn):  # a masked chunk's max is far below it)
        ctx.reduce_tile("max", "row", CB_MID, j, 0)
    if update:
        ctx.copy_tile(CB_STAT, _M, 1)
        ctx.binary_dst_tiles("sub", 0, 1, 0)
        ctx.relu_tile(0)
        ctx.binary_dst_tiles("add", 0, 1, 0)
    _pack(ctx, CB_STAT)
    ctx.cb_wait_front(CB_STAT, at + 1)
    ctx.tile_regs_acquire()  # a = exp(m - m'); the first chunk's record holds m' again in its place
    if update:
        ctx.bcast_tiles("sub", "col", CB_STAT, CB_STAT, _M, at + _M, 0)
        ctx.exp_tile(0)
    else:
        ctx.copy_tile(CB_STAT, at + _M, 0)
    _pack(ctx, CB_STAT)
    for j in range(kn):  # P = exp(S - m') behind S in CB_MID
        ctx.tile_regs_acquire()
        ctx.bcast_tiles("sub", "col", CB_MID, CB_STAT, j, at + _M, 0)
        ctx.exp_tile(0)
        _pack(ctx, CB_MID)
    ctx.cb_pop_front(CB_MID, kn)
    ctx.cb_wait_front(CB_MID, kn)
    ctx.cb_wait_front(CB_STAT, at + _L)
    ctx.tile_regs_acquire()  # l' = l * a + sum(P)
    for j in range(kn):
        ctx.reduce_tile("sum", "row", CB_MID, j, 0)
    if update:
        ctx.bcast_tiles("mul", "col", CB_STAT, CB_STAT, _L, at + _A, 1)
        ctx.binary_dst_tiles("add", 0, 1, 0)
    _pack(ctx, CB_STAT)
    for t in range(dt):  # O' = O * a + P v
        ctx.tile_regs_acquire()
        if update:
            ctx.bcast_tiles("mul", "col", CB_STAT, CB_STAT, _O + t, at + _A, 0)
        for j in range(kn):
            ctx.matmul_tiles(CB_MID, cbk, j, dt * kn + j * dt + t, 0)
        _pack(ctx, CB_STAT)
    ctx.cb_pop_front(CB_MID, kn)
    if update:
        ctx.cb_pop_front(CB_STAT, rec)


def _finish(ctx, s: Attention, u: Units, qn: int) -> None:
    """out = O / l for each row of the item, its record popped."""
    rec, out = 3 + s.dt, cb_out(_fmt(ctx, s.out))
    for _ in range(qn):
        ctx.cb_wait_front(CB_STAT, rec)
        ctx.tile_regs_acquire()
        ctx.copy_tile(CB_STAT, _L, 0)
        ctx.recip_tile(0)
        _pack(ctx, CB_MID)
        ctx.cb_wait_front(CB_MID, 1)
        ctx.cb_reserve_back(out, u.el)
        for t in range(s.dt):
            ctx.tile_regs_acquire()
            ctx.bcast_tiles("mul", "col", CB_STAT, CB_MID, _O + t, 0, 0)
            _chain(ctx, s.chain, 0)
            ctx.pack_tile(0, out, t)
            ctx.tile_regs_release()
        ctx.cb_push_back(out, u.el)
        ctx.cb_pop_front(CB_MID, 1)
        ctx.cb_pop_front(CB_STAT, rec)


@handles("writer", Attention)
def write_attention(ctx, s: Attention, u: Units) -> None:
    cb, dt, nq = cb_out(_fmt(ctx, s.out)), s.dt, s.nq
    for h, _, q0, qn, _ in s.items():
        for i in range(qn):  # a row's dt tiles in flight together, one barrier
            ctx.cb_wait_front(cb, u.el)
            base = ctx.get_read_ptr(cb)
            size = ctx.buffer(s.out).page_nbytes
            for t in range(dt):
                ctx.noc_async_write_page(s.out, (h * nq + q0 + i) * dt + t, base + t * size, s.noc)
            ctx.noc_async_write_barrier()
            ctx.cb_pop_front(cb, u.el)
