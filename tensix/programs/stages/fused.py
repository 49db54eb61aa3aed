"""The CBs of an elementwise binary step, and where a fused one's extra inputs sit in them (reader and compute).

A plain binary streams a through its EL_A CB and b through its EL_B CB, two units each. A fused one
(Binary.more: `a * b + c` as one step) streams every further input through the EL_B CB of its format too: each
page's operands of one format are reserved, read and pushed together, one unit apiece, so that CB holds two
such groups (the reader runs one page ahead, as for a plain binary). Steps on one core may hold groups of
different sizes in one CB: a group that would wrap past the CB's end is preceded by the pages up to it, pushed
empty by the reader and popped by the compute kernel (both see the same ring, so they agree).
"""

from __future__ import annotations

import numpy as np

from tensix.compute_api import PACK, UNPACK
from tensix.formats import tile_nbytes
from tensix.kernels import ops
from tensix.programs.stages.dispatch import needs_cbs
from tensix.programs.stages.layout import EL_A, EL_B, cb_in, cb_out
from tensix.schedule.contract import Binary
from tensix.schedule.operand import OPERAND
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


def plan(ctx, s: Binary, slots: list[tuple[int, int]], unit: int) -> list[tuple]:
    """A fused step's chain as the compute kernel runs it: a unary item as (ChainOp,); an OPERAND item as
    (operand, CB, tile index, its op's code, cycles, pack and unpack of DST's rounding or None, scratch page, the
    CB's format code (-1: not a float format), the rounding's format code (-1: none), its span name), each looked up
    once per step (compute._join runs it per tile)."""
    out = []
    for item in s.chain:
        if item.fn != OPERAND:
            out.append((item,))
            continue
        m = s.more[item.args[0]]
        cb, k = slots[1 + item.args[0]]
        cycles = ctx.timing.eltwise(m.fn, ctx.fidelity, ctx.cb(cb).fmt, 1)  # one tile unpacked: DST is the other
        rounding = None if m.round == "fp32" else (PACK[m.round], UNPACK[m.round])  # (fp32: DST's own format)
        out.append((m, cb, k * unit, binary_code(m.fn, ctx.core), cycles, rounding,
                    np.empty(tile_nbytes(m.round), dtype=np.uint8), ops.FORMAT.get(ctx.cb(cb).fmt, -1),
                    -1 if rounding is None else ops.FORMAT[m.round], m.fn + "_dest_reuse"))
    return out


def pad_back(ctx, cb: int, room: int) -> None:
    """Reader: push the CB's last `room` pages empty, as a group would not fit before its end (the caller tests
    that, compiled: most groups fit)."""
    ctx.cb_reserve_back(cb, room)
    ctx.cb_push_back(cb, room)


def skip_front(ctx, cb: int, left: int) -> None:
    """Compute: pop the `left` empty pages pad_back pushed before a group that did not fit."""
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
