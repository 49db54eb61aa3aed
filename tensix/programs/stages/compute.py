"""Compute part of every step: tile math from input CBs into DST, the fused unary chain, pack to the output CB."""

from __future__ import annotations

from tensix import kernels as K
from tensix.compute_matmul import matmul_steps
from tensix.kernels import ops
from tensix.ops import MATMULS, ChainFn
from tensix.programs.stages.dispatch import HANDLERS, handles, missing
from tensix.programs.stages.fused import groups, operand_slots, plan, skip_front
from tensix.programs.stages.layout import CB_MID, CB_STAT, EL_A, EL_B, MM_A, MM_B, MM_BIAS, cb_in, cb_out, subblocks
from tensix.programs.stages.mcast import align
from tensix.programs.stages.norm import compute_norm_parts
from tensix.programs.stages.row import compute_row
from tensix.programs.stages.sparse import compute_matmul_rows
from tensix.schedule.contract import (
    Binary,
    Copy,
    GatherRows,
    Matmul,
    MatmulRows,
    Reduce,
    Row,
    Step,
    Unary,
    Units,
)
from tensix.tile_ops import binary_code


def compute(ctx, *, steps: tuple[Step, ...], units: Units) -> None:
    default = ctx.fidelity  # the kernel's (the device default unless the Program says otherwise)
    for cb in (CB_MID, CB_STAT):  # intermediates only this kernel pushes and pops: no engine sync per call
        if cb in ctx.cbs:
            ctx.claim_cb(cb)
    parts = HANDLERS["compute"]  # step class -> its compute part (@handles, beside each part)
    for step in steps:
        ctx.set_op(step.label, step.src)
        ctx.set_fidelity(step.fidelity or default)
        (parts.get(type(step)) or missing("compute", step))(ctx, step, units)


def _fmt(ctx, name: str) -> str:
    return ctx.buffer(name).fmt


def _chain(ctx, chain: tuple, idst: int) -> None:
    for item in chain:
        op, params = item.fn, item.args
        if op == ChainFn.SCALE:
            ctx.scale_tile(idst, params[0])
        elif op == ChainFn.ADD_SCALAR:
            ctx.add_scalar_tile(idst, params[0])
        elif op == ChainFn.TOPK:
            ctx.topk_tile(idst, params[0], params[1])
        else:
            ctx.unary_tile(op, idst)


def _emit(ctx, s, reserve: int, ntiles: int = 1) -> None:
    """Apply the chain to DST[0..ntiles) and pack them to the output CB, reserving `reserve` pages (the core's
    elementwise unit, or its matmul output unit)."""
    cb = cb_out(_fmt(ctx, s.out), matmul=s.op in MATMULS)
    for d in range(ntiles):
        _chain(ctx, s.chain, d)
    n = reserve
    ctx.cb_reserve_back(cb, n)
    # one kernel call for the block: the same bytes, cycles and trace as a pack_tile per tile, as no output CB
    # is claimed by this kernel (its packs are charged on this clock, their spans merge)
    ctx.pack_block(0, cb, ntiles)
    ctx.cb_push_back(cb, n)


def _emit_row(ctx, s, j: int) -> None:
    """A row op's output tile j: the chain on DST 0, packed at page j of the row reserved in the output CB."""
    _chain(ctx, s.chain, 0)
    ctx.pack_tile(0, cb_out(_fmt(ctx, s.out)), j)


@handles("compute", Matmul)
def _matmul(ctx, s, u: Units) -> None:
    cba, cbb = cb_in(MM_A, _fmt(ctx, s.a)), cb_in(MM_B, _fmt(ctx, s.b))
    unit_a, unit_b = u.a, u.b
    kt, kb = s.kt, s.kb  # kb k tiles per step (multicast and k-blocked matmuls)
    share_a, share_b = (s.mcast.a, s.mcast.b) if s.mcast else (None, None)
    for block in s.blocks:
        _, bm, _, bn, _, _ = block
        align(ctx, share_a, cba, unit_a, compute=True)  # the reader's empty units, if it pushed any
        align(ctx, share_b, cbb, unit_b, compute=True)
        subs = subblocks(s, block)
        if len(subs) > 1:
            _matmul_spilled(ctx, s, u, bn, subs, cba, cbb)
            continue
        ctx.tile_regs_acquire()
        for k0 in range(0, kt, kb):
            _wait_a(ctx, s, cba, unit_a, k0)
            ctx.cb_wait_front(cbb, unit_b)
            kc = min(kb, kt - k0)
            _matmul_steps(ctx, s, cba, cbb, 0, bm, k0, kc, 0, bn, bn)
            _pop_a(ctx, s, cba, unit_a, k0)
            ctx.cb_pop_front(cbb, unit_b)
        _bias(ctx, s, u, 0, bm, bn, wait=True, pop=True)
        _emit(ctx, s, u.out, bm * bn)
        ctx.tile_regs_release()


def _matmul_spilled(ctx, s, u: Units, bn: int, subs: list, cba: int, cbb: int) -> None:
    """A block larger than DST: every k step runs each sub-block and keeps its fp32 partial sums in CB_MID. As
    tt-metal's matmul with packer_l1_acc: the first k step packs them, the middle ones pack with L1 accumulation
    (the packer adds DST to what the pages hold, `l1_acc`), the last reloads them into DST and packs the output.
    Without it (two k steps, or a CB_MID sized for other steps: its popped pages are then not the ones reserved
    next) every k step after the first reloads the partial sums (tt-metal's intermediate CB with reload)."""
    kt, kb = s.kt, s.kb
    last = (kt - 1) // kb * kb
    acc = l1_acc(ctx, s, subs)
    for k0 in range(0, kt, kb):
        _wait_a(ctx, s, cba, u.a, k0)
        ctx.cb_wait_front(cbb, u.b)
        kc = min(kb, kt - k0)
        for n, (i0, h, j0, w) in enumerate(subs):
            ctx.tile_regs_acquire()
            if k0:
                ctx.cb_wait_front(CB_MID, h * w)
                if not acc or k0 == last:
                    ctx.copy_block(CB_MID, 0, 0, h * w)
                ctx.cb_pop_front(CB_MID, h * w)
            _matmul_steps(ctx, s, cba, cbb, i0, h, k0, kc, j0, bn, w)
            if k0 == last:
                _bias(ctx, s, u, j0, h, w, wait=n == 0, pop=n == len(subs) - 1)
                _emit(ctx, s, u.out, h * w)
            else:
                ctx.pack_reconfig_l1_acc(acc and k0 > 0)
                _pack_mid(ctx, h * w)
                ctx.pack_reconfig_l1_acc(False)
            ctx.tile_regs_release()
        _pop_a(ctx, s, cba, u.a, k0)
        ctx.cb_pop_front(cbb, u.b)


def l1_acc(ctx, s, subs: list) -> bool:
    """Whether a spilled block accumulates its partial sums in the packer: more than two k steps (tt-metal enables
    packer_l1_acc only then: with two the last reloads anyway), and CB_MID holds exactly the block, so the pages a
    sub-block pops are the ones it reserves next (they still hold its partial sums)."""
    return -(-s.kt // s.kb) > 2 and ctx.cb(CB_MID).num_pages == sum(h * w for _, h, _, w in subs)


def _pack_mid(ctx, n: int) -> None:
    """Pack DST[0..n) to CB_MID in runs that end at its last page at the latest: CB_MID is shared with row ops,
    whose units differ, so reservations must not wrap. The same pages, cycles and trace as a page at a time: this
    kernel alone pushes and pops CB_MID (it claimed it), so no one sees the pages go in between."""
    mid = ctx.cb(CB_MID)
    d = 0
    while d < n:
        run = min(n - d, mid.num_pages - mid.wr_slot)
        ctx.cb_reserve_back(CB_MID, run)
        ctx.pack_block(d, CB_MID, run)
        ctx.cb_push_back(CB_MID, run)
        d += run


def _matmul_steps(ctx, s, cba: int, cbb: int, i0: int, rows: int, k0: int, kc: int, j0: int, bn: int,
                  cols: int) -> None:
    """The kc k tiles of the step at k0 for output rows i0.. and columns j0.. (rows x cols, into DST from 0), B (kk, j)
    at kk * bn + j, in one kernel call. A's k step holds kc tiles per row (i, kk at i * kc + kk); with `a_kb` its
    step is longer than B's (ka tiles per row), so its rows are blocks of their own (matmul_steps' by_rows).
    Where it cannot (zero skipping decides tile by tile; tiles not waited for), the matmul_block calls, here."""
    if ctx.skip is None:
        if not s.a_kb:
            if matmul_steps(ctx, cba, cbb, i0 * kc, j0, cols, rows, kc, kc, bn):
                return
        else:
            a0 = k0 // s.a_kb * s.a_kb
            ka = min(s.a_kb, s.kt - a0)  # this A step's k tiles per row
            if matmul_steps(ctx, cba, cbb, i0 * ka + k0 - a0, j0, cols, rows, ka, kc, bn, True):
                return
    _matmul_calls(ctx, s, cba, cbb, i0, rows, k0, kc, j0, bn, cols)


def _matmul_calls(ctx, s, cba: int, cbb: int, i0: int, rows: int, k0: int, kc: int, j0: int, bn: int,
                  cols: int) -> None:
    """_matmul_steps as one matmul_block call per k tile (and per row with `a_kb`), in k order."""
    if not s.a_kb:
        for kk in range(kc):
            ctx.matmul_block(cba, cbb, i0 * kc + kk, kk * bn + j0, 0, False, cols, rows, kc)
        return
    a0 = k0 // s.a_kb * s.a_kb
    ka = min(s.a_kb, s.kt - a0)
    for kk in range(kc):
        for i in range(rows):
            ctx.matmul_block(cba, cbb, (i0 + i) * ka + k0 - a0 + kk, kk * bn + j0, i * cols, False, cols, 1, s.kb)


def _wait_a(ctx, s, cba: int, unit: int, k0: int) -> None:
    """Wait for the activation step holding k tile k0 (at the first B step of it)."""
    if not s.a_kb or k0 % s.a_kb == 0:
        ctx.cb_wait_front(cba, unit)


def _pop_a(ctx, s, cba: int, unit: int, k0: int) -> None:
    """Pop the activation step after the last B step of it."""
    if not s.a_kb or (k0 + s.kb) % s.a_kb == 0 or k0 + s.kb >= s.kt:
        ctx.cb_pop_front(cba, unit)


def _bias(ctx, s, u: Units, j0: int, rows: int, cols: int, wait: bool, pop: bool) -> None:
    """Add bias tiles j0.. of the block's bias unit to the rows x cols tiles in DST (the fused epilogue)."""
    if not s.bias:
        return
    cbc = cb_in(MM_BIAS, _fmt(ctx, s.bias))
    if wait:
        ctx.cb_wait_front(cbc, u.bias)
    for i in range(rows):
        for j in range(cols):
            ctx.bcast_dst_tiles("add", "row", i * cols + j, cbc, j0 + j)
    if pop:
        ctx.cb_pop_front(cbc, u.bias)


@handles("compute", Binary)
def _binary(ctx, s, u: Units) -> None:
    if s.more:
        _binary_fused(ctx, s, cb_in(EL_A, _fmt(ctx, s.a)), u.el, _el_out(ctx, s))
        return
    _binary_pages(ctx, s, cb_in(EL_A, _fmt(ctx, s.a)), cb_in(EL_B, _fmt(ctx, s.b)), u.el, _el_out(ctx, s))


def _binary_fused(ctx, s, cba: int, unit: int, out: int) -> None:
    """A fused elementwise step (`a * b + c`): per output page every input's tile is waited for, the first binary
    goes into DST 0, then the chain, where each OPERAND item combines DST with the next input's tile
    (binary_dest_reuse_tiles, or bcast_dst_tiles when it is broadcast) after rounding DST to the format the
    value had in DRAM unfused; one pack. What each item needs is looked up once per step (stages/fused.plan)."""
    slots = operand_slots(s, lambda name: _fmt(ctx, name))
    sizes = [(cb, n * unit) for cb, n in groups(slots).items()]
    op = _binary_op(ctx, s)
    _fused_pages(ctx, s, cba, slots[0][0], slots[0][1] * unit, unit, out, sizes, plan(ctx, s, slots, unit), op)


def _binary_op(ctx, s) -> tuple:
    """What a binary step's first op needs per tile, looked up once per step: (its code, or -1 when broadcast; the
    format codes of a's and b's CBs (their buffers'), -1 when either is not a float format; add/sub/mul_tiles' price
    key)."""
    if s.bcast != "none":
        return -1, -1, -1, ()
    fa, fb = _fmt(ctx, s.a), _fmt(ctx, s.b)
    codes = (ops.FORMAT.get(fa, -1), ops.FORMAT.get(fb, -1))
    return binary_code(s.fn, ctx.core), *(codes if min(codes) >= 0 else (-1, -1)), ("binary", s.fn, ctx.fidelity, fa)


def _binary_tile(ctx, s, op: tuple, cba: int, cbb: int, ib: int) -> None:
    """DST 0 = tile 0 of cba (s.fn) tile ib of cbb (broadcast as s.bcast): add/sub/mul_tiles with both pages
    unpacked in the kernel call that computes them (the same bits and cycles), or bcast_tiles."""
    code, fa, fb, key = op
    if code < 0:
        ctx.bcast_tiles(s.fn, s.bcast, cba, cbb, 0, ib, 0)
    elif fa < 0 or not ctx.math:  # (not a float format: _binary raises its error)
        ctx._binary(s.fn, code, cba, cbb, 0, ib, 0)
    else:
        K.binary_pages(code, ctx.cb(cba).front_page(0), fa, ctx.cb(cbb).front_page(ib), fb, ctx._d(0))
        ctx._spend(key)


def _fused_pages(ctx, s, cba, cbb, ib: int, unit: int, out, sizes: list, items: list, op: tuple) -> None:
    """_binary_fused's pages (compiled: every call in C, compute.pxd)."""
    for _ in s.pages:
        ctx.cb_wait_front(cba, unit)
        for cb, n in sizes:
            c = ctx.cb(cb)
            left = c.num_pages - c.rd_slot
            if left < n:
                skip_front(ctx, cb, left)
            ctx.cb_wait_front(cb, n)
        ctx.tile_regs_acquire()
        _binary_tile(ctx, s, op, cba, cbb, ib)
        for item in items:
            if len(item) == 1:
                _chain(ctx, item, 0)
            else:
                _join(ctx, item)
        ctx.cb_pop_front(cba, unit)
        for cb, n in sizes:
            ctx.cb_pop_front(cb, n)
        _emit_el(ctx, (), out, unit)
        ctx.tile_regs_release()


def _join(ctx, item: tuple) -> None:
    """DST 0 = DST 0 (fn) the operand's tile, or its tile (fn) DST 0 when swapped, DST first rounded to the format
    the value had unfused (item: stages/fused.plan). No broadcast: tt-metal's binary_dest_reuse_tiles (DEST_TO_SRCA,
    or DEST_TO_SRCB when swapped), priced as add/sub/mul_tiles with one tile unpacked; a row or column:
    bcast_dst_tiles."""
    m, cb, i, code, cycles, rounding, page, fmt, rnd, span = item
    if m.bcast != "none":
        if rounding is not None and ctx.math:
            tile = ctx._d(0)
            rounding[0](tile, page)
            rounding[1](page, tile)
        ctx.bcast_dst_tiles(m.fn, m.bcast, 0, cb, i)
        return
    if ctx.math:
        if fmt < 0:
            ctx._tile(cb, i)  # raises: tile math reads float formats only
        K.binary_dst_page(code, ctx._d(0), ctx.cb(cb).front_page(i), fmt, rnd, m.swap != 0, page)  # and rounding
    ctx.advance(span, cycles)


def _binary_pages(ctx, s, cba: int, cbb: int, unit: int, out: int) -> None:
    """A binary step's tiles, one unit at a time (compiled: every call in C, compute.pxd)."""
    chain, op = s.chain, _binary_op(ctx, s)
    for _ in s.pages:
        ctx.cb_wait_front(cba, unit)
        ctx.cb_wait_front(cbb, unit)
        ctx.tile_regs_acquire()
        _binary_tile(ctx, s, op, cba, cbb, 0)
        ctx.cb_pop_front(cba, unit)
        ctx.cb_pop_front(cbb, unit)
        _emit_el(ctx, chain, out, unit)
        ctx.tile_regs_release()


def _el_out(ctx, s) -> int:
    """The output CB of an elementwise step (found once per step, not per tile)."""
    return cb_out(_fmt(ctx, s.out))


def _emit_el(ctx, chain: tuple, cb: int, unit: int) -> None:
    """_emit of an elementwise step's tile in DST 0 into its output CB `cb`: the chain, then the pack (one unit)."""
    if chain:
        _chain(ctx, chain, 0)
    ctx.cb_reserve_back(cb, unit)
    ctx.pack_tile(0, cb)
    ctx.cb_push_back(cb, unit)


def _pass_tile(ctx, chain: tuple, out: int, unit: int, cb: int, transpose: bool = False) -> None:
    """One tile from cb through DST (transposed or not), the chain, and out to CB `out`."""
    ctx.cb_wait_front(cb, unit)
    ctx.tile_regs_acquire()
    if transpose:
        ctx.transpose_tile(cb, 0, 0)
    else:
        ctx.copy_tile(cb, 0, 0)
    ctx.cb_pop_front(cb, unit)
    _emit_el(ctx, chain, out, unit)
    ctx.tile_regs_release()


@handles("compute", Unary)
def _unary(ctx, s, u: Units) -> None:
    cb, chain, out = cb_in(EL_A, _fmt(ctx, s.a)), s.chain, _el_out(ctx, s)
    for _ in s.pages:
        _pass_tile(ctx, chain, out, u.el, cb)


@handles("compute", Reduce)
def _reduce(ctx, s, u: Units) -> None:
    _reduce_rows(ctx, s, cb_in(EL_A, _fmt(ctx, s.a)), u.el, _el_out(ctx, s))


def _reduce_rows(ctx, s, cb: int, unit: int, out: int) -> None:
    """A reduce step's rows, a tile at a time into DST, one output tile per row (compiled: in C, compute.pxd)."""
    chain, fn, scale = s.chain, s.fn, s.scale
    for _, _, n in s.rows:
        ctx.tile_regs_acquire()
        for _ in range(n):
            ctx.cb_wait_front(cb, unit)
            ctx.reduce_tile(fn, "row", cb, 0, 0, scale)
            ctx.cb_pop_front(cb, unit)
        _emit_el(ctx, chain, out, unit)
        ctx.tile_regs_release()


@handles("compute", Copy)
def _copy(ctx, s, u: Units) -> None:
    chain, out = s.chain, _el_out(ctx, s)
    cbs = [cb_in(EL_A, _fmt(ctx, name)) for name in s.inputs]  # each input's CB, found once (as the reader's)
    for _, index, _, transpose in s.pages:
        _pass_tile(ctx, chain, out, u.el, cbs[index], bool(transpose))


@handles("compute", GatherRows)
def _gather_rows(ctx, s, u: Units) -> None:
    chain, out, cb = s.chain, _el_out(ctx, s), cb_in(EL_A, _fmt(ctx, s.out))
    for _ in s.pages:  # the reader assembled each tile from table rows in the output's format
        _pass_tile(ctx, chain, out, u.el, cb)


@handles("compute", MatmulRows)
def _matmul_rows(ctx, s, u: Units) -> None:
    compute_matmul_rows(ctx, s, u, _emit)


@handles("compute", Row)
def _row(ctx, s, u: Units) -> None:
    if s.parts:  # a one-row norm sharing its statistics
        compute_norm_parts(ctx, s, u, _emit_row)
    else:
        compute_row(ctx, s, u, _emit_row)
