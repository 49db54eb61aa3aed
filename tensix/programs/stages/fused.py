"""The CBs of an elementwise binary step, and where a fused one's extra inputs sit in them (reader and compute).

A plain binary streams a through its EL_A CB and b through its EL_B CB, two units each. A fused one
(Binary.more: `a * b + c` as one step) streams every further input through the EL_B CB of its format too: each
page's operands of one format are reserved, read and pushed together, one unit apiece, so that CB holds two
such groups (the reader runs one page ahead, as for a plain binary) and every reservation is a whole number of
units (none wraps).
"""

from __future__ import annotations

from tensix.programs.stages.dispatch import needs_cbs
from tensix.programs.stages.layout import EL_A, EL_B, cb_in, cb_out
from tensix.schedule.contract import Binary


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
