"""The k-split sparse decode matmul's step (tensix/programs/stages/split.py runs it; lang/passes/splitk.py makes it).

Its own module beside contract.py (which holds every other kind), registered as a step kind when tensix.schedule
is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from tensix.ops import Op
from tensix.schedule.contract import Coord, Step


@dataclass(frozen=True, slots=True, kw_only=True)
class MatmulSplit(Step):
    """A decode matmul split over k (stages/split.py): this core multiplies k tiles [k0, k1) of `a` (its `rows`
    rows live, at most 32) with the matching whole rows of the row-major weights `b_rows` (only rows of live
    activation columns when skipping) into a partial 1 x `out_cols` tile row in fp32, and sends each reducing core
    (`owners`: x, y, first column, columns) its columns; `cols` (first, count): the output columns this core
    reduces, adding the partials of `parts` (the op's cores in k order) in that order, and writes. `sem`: the
    semaphore counting partials landed; `parts_at`: where they land in the `split_parts` L1 buffer. The reader
    reads on `noc`; the writer writes the partials and the output on `write_noc` (None: `noc` too), so the partials
    do not queue behind other cores' weight rows on the same links."""

    op: ClassVar[Op] = Op.MATMUL_SPLIT
    a: str
    b_rows: str
    kt: int
    out_cols: int
    k0: int
    k1: int
    parts: tuple[Coord, ...]
    owners: tuple[tuple[int, int, int, int], ...]
    cols: tuple[int, int] = (0, 0)
    rows: int = 32
    sem: int = -1
    parts_at: int = 0
    write_noc: int | None = None

    def writes(self) -> list[int]:
        return list(range(self.cols[0], self.cols[0] + self.cols[1]))

    def reads(self, core: Coord) -> dict[str, set[int] | None]:
        """Its k tiles of the activation (one tile row), weight rows as the data decides."""
        return {self.a: set(range(self.k0, self.k1)), self.b_rows: None}
