"""The CBs of an elementwise binary step, and where a fused one's extra inputs sit in them (reader and compute).

A plain binary streams a through its EL_A CB and b through its EL_B CB, two units each. A fused one
(Binary.more: `a * b + c` as one step) streams every further input through the EL_B CB of its format too: each
page's operands of one format are reserved, read and pushed together, one unit apiece, so that CB holds two
such groups (the reader runs one page ahead, as for a plain binary). Steps on one core may hold groups of
different sizes in one CB: a group that would wrap past the CB's end is preceded by the pages up to it, pushed
empty by the reader and popped by the compute kernel (both see the same ring, so they agree).
"""

from __future__ import annotations

from tensix import kernels as K
from tensix.programs.stages.dispatch import needs_cbs
from tensix.programs.stages.layout import EL_A, EL_B, cb_in, cb_out
from tensix.schedule.contract import Binary
from tensix.tile_ops import binary_code


def operand_slots(s: Binary, fmt) -> list[tuple[int, int]]:
    """(CB id, position in its group, in units) of b, then of each of s.more; `fmt`: buffer name -> format."""
    seen: dict[int, int] = {}
    slots = []
    for name in (s.b, *(m.name for m in s.more)):
        cb = cb_in(EL_B, fmt(name))
        slots.append((cb, seen.get(cb, 0)))
        seen[cb] = seen.get(cb, 0) + 1
    return slots


def groups(slots: list[tuple[int, int]]) -> dict[int, int]:
    """CB id -> operands of one page it holds."""
    out: dict[int, int] = {}
    for cb, _ in slots:
        out[cb] = out.get(cb, 0) + 1
    return out


def binary_dest_reuse_tiles(ctx, op: str, cb: int, i: int, idst: int, to_srcb: bool = False) -> None:
    """tt-metal's binary_dest_reuse_tiles on compute kernel ctx: DST[idst] = DST[idst] op tile i of cb (DEST_TO_SRCA),
    or tile op DST (to_srcb: DEST_TO_SRCB). Priced as add/sub/mul_tiles with one tile unpacked (DST is the other
    operand). (Beside its one user, not in tensix/compute_api.py, which is at its size limit.)"""
    code = binary_code(op, ctx.core)
    if ctx.math:
        d, t = ctx._d(idst), ctx._tile(cb, i)
        if to_srcb:
            K.eltwise_binary(code, t, d, d)
        else:
            K.eltwise_binary(code, d, t, d)
    ctx.advance(f"{op}_dest_reuse", ctx.timing.eltwise(op, ctx.fidelity, ctx.cbs[cb].fmt, 1))


def fit_reserve(ctx, cb: int, n: int) -> None:
    """Reader: push the CB's last pages empty when a group of n would not fit before its end."""
    room = ctx.cb(cb).num_pages - ctx.cb(cb).wr_slot
    if room < n:
        ctx.cb_reserve_back(cb, room)
        ctx.cb_push_back(cb, room)


def fit_wait(ctx, cb: int, n: int) -> None:
    """Compute: pop the empty pages fit_reserve pushed before a group of n."""
    left = ctx.cb(cb).num_pages - ctx.cb(cb).rd_slot
    if left < n:
        ctx.cb_wait_front(cb, left)
        ctx.cb_pop_front(cb, left)


@needs_cbs(Binary)
def binary_cbs(s: Binary, formats: dict[str, str], unit: int) -> dict[int, tuple[str, int]]:
    """a's CB, b's (and the fused inputs') two groups of units each, and the output CB."""
    fa, out = formats[s.a], formats[s.out]
    need = {cb_in(EL_A, fa): (fa, 2 * unit)}
    for name in (s.b, *(m.name for m in s.more)):
        f = formats[name]
        cb = cb_in(EL_B, f)
        need[cb] = (f, need.get(cb, (f, 0))[1] + 2 * unit)
    need[cb_out(out)] = (out, 2 if unit == 1 else unit)
    return need
