"""Mesh shapes, coordinates and coordinate ranges (tt::tt_metal::distributed's MeshShape, MeshCoordinate,
MeshCoordinateRange): which devices of a mesh a buffer shard or a program goes to."""

from __future__ import annotations

from dataclasses import dataclass

from tensix.errors import ProgramError


def _pair(v, what: str) -> tuple[int, int]:
    if isinstance(v, (MeshShape, MeshCoordinate)):
        return tuple(v)
    if isinstance(v, (tuple, list)) and len(v) == 2 and all(int(i) == i for i in v):
        return int(v[0]), int(v[1])
    raise ProgramError(f"{v!r} is not a {what}; use {what}(row, col)")


@dataclass(frozen=True, slots=True, init=False)
class MeshShape:
    """Rows x columns of devices (a 1-D shape MeshShape(n) is 1 x n)."""

    rows: int
    cols: int

    def __init__(self, rows, cols: int | None = None):
        if cols is None:
            rows, cols = (1, int(rows)) if not isinstance(rows, (tuple, list)) else _pair(rows, "MeshShape")
        if int(rows) < 1 or int(cols) < 1:
            raise ProgramError(f"MeshShape({rows}, {cols}): a mesh has at least one row and one column")
        object.__setattr__(self, "rows", int(rows))
        object.__setattr__(self, "cols", int(cols))

    def __iter__(self):
        return iter((self.rows, self.cols))

    def __getitem__(self, i: int) -> int:
        return (self.rows, self.cols)[i]

    def mesh_size(self) -> int:
        return self.rows * self.cols

    def dims(self) -> int:
        return 2

    def __str__(self) -> str:
        return f"MeshShape([{self.rows}, {self.cols}])"


@dataclass(frozen=True, slots=True, init=False)
class MeshCoordinate:
    """One device of a mesh: (row, col)."""

    row: int
    col: int

    def __init__(self, row=0, col: int | None = None):
        if col is None:
            row, col = _pair(row, "MeshCoordinate") if isinstance(row, (tuple, list)) else (row, 0)
        object.__setattr__(self, "row", int(row))
        object.__setattr__(self, "col", int(col))

    def __iter__(self):
        return iter((self.row, self.col))

    def __getitem__(self, i: int) -> int:
        return (self.row, self.col)[i]

    def coords(self) -> tuple[int, int]:
        return self.row, self.col

    def __str__(self) -> str:
        return f"MeshCoordinate([{self.row}, {self.col}])"


class MeshCoordinateRange:
    """Devices start..end inclusive, row by row: MeshCoordinateRange(shape) is the whole mesh, (coord) one device,
    (start, end) a rectangle."""

    def __init__(self, start, end=None):
        if isinstance(start, MeshShape):
            if end is not None:
                raise ProgramError("MeshCoordinateRange(shape) takes the shape alone")
            s, e = MeshCoordinate(0, 0), MeshCoordinate(start.rows - 1, start.cols - 1)
        else:
            s = MeshCoordinate(*_pair(start, "MeshCoordinate"))
            e = s if end is None else MeshCoordinate(*_pair(end, "MeshCoordinate"))
        if e.row < s.row or e.col < s.col:
            raise ProgramError(f"MeshCoordinateRange {s} - {e}: the end must not be before the start")
        self._start, self._end = s, e

    def start_coord(self) -> MeshCoordinate:
        return self._start

    def end_coord(self) -> MeshCoordinate:
        return self._end

    def shape(self) -> MeshShape:
        return MeshShape(self._end.row - self._start.row + 1, self._end.col - self._start.col + 1)

    def __iter__(self):
        s, e = self._start, self._end
        return iter([MeshCoordinate(r, c) for r in range(s.row, e.row + 1) for c in range(s.col, e.col + 1)])

    def __len__(self) -> int:
        return self.shape().mesh_size()

    def contains(self, coord) -> bool:
        r, c = _pair(coord, "MeshCoordinate")
        return self._start.row <= r <= self._end.row and self._start.col <= c <= self._end.col

    def intersects(self, other: MeshCoordinateRange) -> bool:
        return not (other._end.row < self._start.row or other._start.row > self._end.row
                    or other._end.col < self._start.col or other._start.col > self._end.col)

    def __str__(self) -> str:
        return f"MeshCoordinateRange(start={self._start}, end={self._end})"

    __repr__ = __str__
