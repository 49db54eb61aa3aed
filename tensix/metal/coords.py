"""Core coordinates as tt-metal's host API names them: CoreCoord, CoreRange, CoreRangeSet.

Anything that names cores (a CoreCoord, an (x, y) tuple, a CoreRange, a CoreRangeSet or a list of these)
becomes a list of logical (x, y) tuples with `cores_of`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tensix.errors import ProgramError


@dataclass(frozen=True, slots=True)
class CoreCoord:
    """A core (logical or physical, as the call that made it says); x is the column."""

    x: int
    y: int

    def __iter__(self):
        return iter((self.x, self.y))

    def __str__(self) -> str:
        return f"(x={self.x},y={self.y})"


def _xy(c) -> tuple[int, int]:
    if isinstance(c, CoreCoord) or (hasattr(c, "x") and hasattr(c, "y")):  # also experimental::NodeCoord
        return int(c.x), int(c.y)
    if isinstance(c, (tuple, list)) and len(c) == 2:
        return int(c[0]), int(c[1])
    raise ProgramError(f"{c!r} is not a core; use CoreCoord(x, y) or an (x, y) tuple")


@dataclass(frozen=True, slots=True, init=False)
class CoreRange:
    """Cores start..end inclusive, iterated row by row (y, then x)."""

    start_coord: CoreCoord
    end_coord: CoreCoord

    def __init__(self, start, end=None):
        s = CoreCoord(*_xy(start))
        e = s if end is None else CoreCoord(*_xy(end))
        if e.x < s.x or e.y < s.y:
            raise ProgramError(f"CoreRange {s}-{e}: the end must not be left of or above the start")
        object.__setattr__(self, "start_coord", s)
        object.__setattr__(self, "end_coord", e)

    def __iter__(self):
        s, e = self.start_coord, self.end_coord
        return iter([CoreCoord(x, y) for y in range(s.y, e.y + 1) for x in range(s.x, e.x + 1)])

    def size(self) -> int:
        return (self.end_coord.x - self.start_coord.x + 1) * (self.end_coord.y - self.start_coord.y + 1)

    def grid_size(self) -> CoreCoord:
        return CoreCoord(self.end_coord.x - self.start_coord.x + 1, self.end_coord.y - self.start_coord.y + 1)

    def contains(self, c) -> bool:
        x, y = _xy(c)
        s, e = self.start_coord, self.end_coord
        return s.x <= x <= e.x and s.y <= y <= e.y


class CoreRangeSet:
    """A set of CoreRanges (tt-metal's CoreRangeSet); iterates its cores in range order."""

    def __init__(self, ranges=()):
        if isinstance(ranges, CoreRange):
            ranges = [ranges]
        self._ranges = tuple(r if isinstance(r, CoreRange) else CoreRange(r) for r in ranges)

    def ranges(self) -> tuple[CoreRange, ...]:
        return self._ranges

    def num_cores(self) -> int:
        return len(cores_of(self))

    def __iter__(self):
        return iter([CoreCoord(*c) for c in cores_of(self)])

    def contains(self, c) -> bool:
        return any(r.contains(c) for r in self._ranges)

    def bounding_box(self) -> CoreRange:
        cores = cores_of(self)
        return CoreRange((min(x for x, _ in cores), min(y for _, y in cores)),
                         (max(x for x, _ in cores), max(y for _, y in cores)))


def cores_of(spec) -> list[tuple[int, int]]:
    """Logical (x, y) tuples of a core, range, range set or list of these, each once, in order."""
    if isinstance(spec, CoreRangeSet):
        parts = list(spec.ranges())
    elif isinstance(spec, (CoreRange, CoreCoord)) or hasattr(spec, "x") or (isinstance(spec, tuple) and len(spec) == 2
                                                      and all(isinstance(v, int) for v in spec)):
        parts = [spec]
    else:
        parts = list(spec)
    out: list[tuple[int, int]] = []
    for p in parts:
        for c in (p if isinstance(p, CoreRange) else [p]):
            xy = _xy(c)
            if xy not in out:
                out.append(xy)
    return out
