"""An extra input of a fused elementwise step (Binary.more) and the chain item saying where it joins."""

from __future__ import annotations

from dataclasses import dataclass, field

from tensix.errors import SourcePos

OPERAND = "operand"  # a chain item ChainOp(OPERAND, (i,)): DST = DST (fn) Binary.more[i] at that point of the chain


@dataclass(frozen=True, slots=True)
class Operand:
    """One more input of a fused elementwise step, combined with the tile in DST where the chain says (OPERAND):
    DST = DST (fn) tile, or tile (fn) DST when `swap`; `bcast` (none, row, col) broadcasts the tile. Its page for
    output page q is (q // div) % mod (mod 0: no modulo). `round`: the format the value in DST was stored in when
    it went through DRAM unfused; DST is rounded to it first, so the result is bit-identical to the unfused ops."""

    name: str
    fn: str
    bcast: str = "none"
    swap: int = 0
    div: int = 1
    mod: int = 0
    round: str = "fp32"
    at: SourcePos | None = field(default=None, compare=False, repr=False)  # where a .sched file wrote it

    def page(self, q: int) -> int:
        p = q // self.div
        return p % self.mod if self.mod else p
