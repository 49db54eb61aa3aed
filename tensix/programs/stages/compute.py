"""Compute part of every step: tile math from input CBs into DST, the fused unary chain, pack to the output CB."""

from __future__ import annotations

from tensix.programs.stages.layout import (
    CB_MID,
    CB_STAT,
    EL_A,
    EL_B,
    MATMULS,
    MM_A,
    MM_B,
    MM_BIAS,
    cb_in,
    cb_out,
    units,
)
from tensix.programs.stages.sparse import compute_matmul_rows


def compute(ctx, *, steps: list[dict]) -> None:
    for step in steps:
        ctx.label, ctx.src = step.get("label", ctx.label), step.get("src", ctx.src)
        _COMPUTE[step["op"]](ctx, step)


def _fmt(ctx, name: str) -> str:
    return ctx.buffer(name).fmt


def _chain(ctx, chain: list, idst: int) -> None:
    for item in chain:
        op, params = item[0], item[1:]
        if op == "scale":
            ctx.scale_tile(idst, params[0])
        elif op == "add_scalar":
            ctx.add_scalar_tile(idst, params[0])
        elif op == "topk":
            ctx.topk_tile(idst, params[0], params[1])
        else:
            ctx.unary_tile(op, idst)


def _emit(ctx, s: dict, ntiles: int = 1, reserve: int = 1) -> None:
    """Apply the chain to DST[0..ntiles) and pack them to the output CB (reserving `reserve` pages)."""
    cb = cb_out(_fmt(ctx, s["out"]), matmul=s["op"] in MATMULS)
    for d in range(ntiles):
        _chain(ctx, s.get("chain", ()), d)
    ctx.cb_reserve_back(cb, reserve)
    for d in range(ntiles):
        ctx.pack_tile(d, cb)
    ctx.cb_push_back(cb, reserve)


def _matmul(ctx, s: dict) -> None:
    cba, cbb = cb_in(MM_A, _fmt(ctx, s["a"])), cb_in(MM_B, _fmt(ctx, s["b"]))
    cb_bn = s["cb_block"][1]
    unit_a, unit_b = units(s["cb_block"])
    bias, kt, kb = s.get("bias"), s["kt"], s.get("kb", 1)  # kb k tiles per step (multicast matmuls)
    for _, bm, _, bn, _, _ in s["blocks"]:
        ctx.tile_regs_acquire()
        for k0 in range(0, kt, kb):
            ctx.cb_wait_front(cba, unit_a)
            ctx.cb_wait_front(cbb, unit_b)
            kc = min(kb, kt - k0)
            for kk in range(kc):  # A tiles row-major (i, kk) at i * kc + kk, B (kk, j) at kk * bn + j
                ctx.matmul_block(cba, cbb, kk, kk * bn, 0, False, bn, bm, kc)
            ctx.cb_pop_front(cba, unit_a)
            ctx.cb_pop_front(cbb, unit_b)
        if bias:
            cbc = cb_in(MM_BIAS, _fmt(ctx, bias))
            ctx.cb_wait_front(cbc, cb_bn)
            for i in range(bm):
                for j in range(bn):
                    ctx.bcast_dst_tiles("add", "row", i * bn + j, cbc, j)
            ctx.cb_pop_front(cbc, cb_bn)
        _emit(ctx, s, bm * bn, s["cb_block"][0] * cb_bn)
        ctx.tile_regs_release()


def _binary(ctx, s: dict) -> None:
    cba, cbb = cb_in(EL_A, _fmt(ctx, s["a"])), cb_in(EL_B, _fmt(ctx, s["b"]))
    bcast, unit = s.get("bcast", "none"), s.get("el_unit", 1)
    for _ in s["pages"]:
        ctx.cb_wait_front(cba, unit)
        ctx.cb_wait_front(cbb, unit)
        ctx.tile_regs_acquire()
        if bcast == "none":
            getattr(ctx, f"{s['fn']}_tiles")(cba, cbb, 0, 0, 0)
        else:
            ctx.bcast_tiles(s["fn"], bcast, cba, cbb, 0, 0, 0)
        ctx.cb_pop_front(cba, unit)
        ctx.cb_pop_front(cbb, unit)
        _emit(ctx, s)
        ctx.tile_regs_release()


def _pass_tile(ctx, s: dict, cb: int, transpose: bool = False) -> None:
    """One tile from cb through DST (transposed or not), the chain, and out."""
    unit = s.get("el_unit", 1)
    ctx.cb_wait_front(cb, unit)
    ctx.tile_regs_acquire()
    (ctx.transpose_tile if transpose else ctx.copy_tile)(cb, 0, 0)
    ctx.cb_pop_front(cb, unit)
    _emit(ctx, s)
    ctx.tile_regs_release()


def _unary(ctx, s: dict) -> None:
    for _ in s["pages"]:
        _pass_tile(ctx, s, cb_in(EL_A, _fmt(ctx, s["a"])))


def _reduce(ctx, s: dict) -> None:
    cb, unit = cb_in(EL_A, _fmt(ctx, s["a"])), s.get("el_unit", 1)
    for _, _, n in s["rows"]:
        ctx.tile_regs_acquire()
        for _ in range(n):
            ctx.cb_wait_front(cb, unit)
            ctx.reduce_tile(s["fn"], "row", cb, 0, 0, s.get("scale", 1.0))
            ctx.cb_pop_front(cb, unit)
        _emit(ctx, s)
        ctx.tile_regs_release()


def _row(ctx, s: dict) -> None:
    """Fused softmax / layernorm / rmsnorm, a tile row at a time (the row stays in L1 between passes).

    Passes as in tt-metal's kernels: a row statistic (reduce into DST, packed to CB_STAT), then a pass that
    broadcasts it down the row's columns; intermediates go through CB_MID in fp32."""
    unit, nt, norm = s.get("el_unit", 1), s["nt"], s["fn"] != "softmax"
    cbx = cb_in(EL_A, _fmt(ctx, s["a"]))
    aux = _aux_tiles(ctx, s, unit)
    if norm and aux:
        for cb, held in _held(aux, unit).items():
            ctx.cb_wait_front(cb, held)  # gamma and beta stay for every row
    for _ in s["rows"]:
        ctx.cb_wait_front(cbx, unit)
        if norm:
            _norm_row(ctx, s, cbx, aux, unit, nt)
        else:
            _softmax_row(ctx, s, cbx, aux[0] if aux else None, unit, nt)
    if norm and aux:
        for cb, held in _held(aux, unit).items():
            ctx.cb_pop_front(cb, held)


def _aux_tiles(ctx, s: dict, unit: int) -> list[tuple[int, int]]:
    """(CB, index of the first tile) of each aux operand (gamma, beta or the mask): operands of one format share
    a CB, one unit after another."""
    out, used = [], {}
    for name in s["aux"]:
        cb = cb_in(EL_B, _fmt(ctx, name))
        out.append((cb, used.get(cb, 0)))
        used[cb] = used.get(cb, 0) + unit
    return out


def _held(aux: list[tuple[int, int]], unit: int) -> dict[int, int]:
    """Pages each aux CB holds: a unit per operand in it."""
    held: dict[int, int] = {}
    for cb, _ in aux:
        held[cb] = held.get(cb, 0) + unit
    return held


def _stat(ctx, fn: str, cb: int, nt: int, scale: float, post: list) -> None:
    """Reduce a row's nt tiles of cb (sum or max over each row) into DST, apply `post` ops, pack to CB_STAT."""
    ctx.tile_regs_acquire()
    for j in range(nt):
        ctx.reduce_tile(fn, "row", cb, j, 0, scale)
    _chain(ctx, post, 0)
    _pack(ctx, 0, CB_STAT)
    ctx.tile_regs_release()
    ctx.cb_wait_front(CB_STAT, 1)


def _pack(ctx, idst: int, cb: int) -> None:
    ctx.cb_reserve_back(cb, 1)
    ctx.pack_tile(idst, cb)
    ctx.cb_push_back(cb, 1)


def _norm_row(ctx, s: dict, cbx: int, aux: list[tuple[int, int]], unit: int, nt: int) -> None:
    """(x - mean) * rsqrt(mean of squares + eps) [* gamma + beta] (layernorm); rmsnorm skips the centring."""
    inv_n = 1.0 / (32 * nt)
    src, src_pages = cbx, unit
    if s["fn"] == "layernorm":
        _stat(ctx, "sum", cbx, nt, inv_n, [])
        for j in range(nt):  # centred row -> CB_MID
            ctx.tile_regs_acquire()
            ctx.bcast_tiles("sub", "col", cbx, CB_STAT, j, 0, 0)
            _pack(ctx, 0, CB_MID)
            ctx.tile_regs_release()
        ctx.cb_pop_front(CB_STAT, 1)
        ctx.cb_pop_front(cbx, unit)
        ctx.cb_wait_front(CB_MID, nt)
        src, src_pages = CB_MID, nt
    ctx.tile_regs_acquire()
    for j in range(nt):  # squares through CB_STAT one at a time, summed in DST 1
        ctx.mul_tiles(src, src, j, j, 0)
        _pack(ctx, 0, CB_STAT)
        ctx.cb_wait_front(CB_STAT, 1)
        ctx.reduce_tile("sum", "row", CB_STAT, 0, 1, inv_n)
        ctx.cb_pop_front(CB_STAT, 1)
    ctx.add_scalar_tile(1, s["eps"])
    ctx.rsqrt_tile(1)
    _pack(ctx, 1, CB_STAT)
    ctx.tile_regs_release()
    ctx.cb_wait_front(CB_STAT, 1)
    for j in range(nt):
        ctx.tile_regs_acquire()
        ctx.bcast_tiles("mul", "col", src, CB_STAT, j, 0, 0)
        for (cb, first), op in zip(aux, ("mul", "add")):  # gamma, then beta
            ctx.bcast_dst_tiles(op, "row", 0, cb, first + j)
        _emit(ctx, s)
        ctx.tile_regs_release()
    ctx.cb_pop_front(CB_STAT, 1)
    ctx.cb_pop_front(src, src_pages)


def _softmax_row(ctx, s: dict, cbx: int, mask: tuple[int, int] | None, unit: int, nt: int) -> None:
    """exp(x [+ mask] - max) / sum over the row."""
    src, src_pages = cbx, unit
    if mask is not None:
        cbm = mask[0]
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
    _stat(ctx, "max", src, nt, 1.0, [])
    for j in range(nt):  # exps -> CB_MID (behind the masked row, when there is one)
        ctx.tile_regs_acquire()
        ctx.bcast_tiles("sub", "col", src, CB_STAT, j, 0, 0)
        ctx.exp_tile(0)
        _pack(ctx, 0, CB_MID)
        ctx.tile_regs_release()
    ctx.cb_pop_front(CB_STAT, 1)
    ctx.cb_pop_front(src, src_pages)
    ctx.cb_wait_front(CB_MID, nt)
    _stat(ctx, "sum", CB_MID, nt, 1.0, [["recip"]])
    for j in range(nt):
        ctx.tile_regs_acquire()
        ctx.bcast_tiles("mul", "col", CB_MID, CB_STAT, j, 0, 0)
        _emit(ctx, s)
        ctx.tile_regs_release()
    ctx.cb_pop_front(CB_STAT, 1)
    ctx.cb_pop_front(CB_MID, nt)


def _copy(ctx, s: dict) -> None:
    for _, index, _, transpose in s["pages"]:
        _pass_tile(ctx, s, cb_in(EL_A, _fmt(ctx, s["inputs"][index])), bool(transpose))


def _gather_rows(ctx, s: dict) -> None:
    for _ in s["pages"]:  # the reader assembled each tile from table rows in the output's format
        _pass_tile(ctx, s, cb_in(EL_A, _fmt(ctx, s["out"])))


_COMPUTE = {
    "matmul": _matmul, "matmul_rows": lambda ctx, s: compute_matmul_rows(ctx, s, _emit),
    "binary": _binary, "unary": _unary, "reduce": _reduce, "row": _row, "copy": _copy,
    "gather_rows": _gather_rows,
}
