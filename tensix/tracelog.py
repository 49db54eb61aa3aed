"""The trace as a run records it: every NoC transfer and every kernel span in int64 columns, read back as the rows
tensix/trace.py takes. A 16384^3 matmul records about 9 million transfers and 13 million spans: as Python tuples
and lists those would take gigabytes, here a few hundred megabytes.

Transfers alike but for their bytes and cycles (one kernel's transfers on one route for one op) share one row of
`shapes`. Spans merge as they are recorded: one that starts where the last ended, with its name and source op,
extends it. Columns grow by chunks (each twice the last, up to CHUNK values), never by copying.
"""

from __future__ import annotations

from array import array
from collections import Counter

CHUNK = 1 << 16  # values of the largest chunk (512 KiB)
TRANSFER_WIDTH = 4  # int64 values per transfer: shape, nbytes, start, end (the shape row is shared)
TRANSFER_BYTES = 8 * TRANSFER_WIDTH  # memory one transfer takes in the trace


class _Columns:
    """Rows of `width` int64 values, appended one at a time: the last chunk is written in place (`data`, a typed
    view when compiled) and a full one is followed by a new one."""

    def __init__(self, width: int, first: int):
        self.width = width
        self.chunks: list = []
        self.data = self._chunk(first * width)
        self.at = 0  # values written in the last chunk
        self.n = 0  # rows

    def _chunk(self, size: int):
        chunk = array("q", [0]) * size
        self.chunks.append(chunk)
        return chunk

    def room(self) -> int:
        """The index in `data` of the next row, after a new chunk if the last one is full."""
        if self.at + self.width > len(self.data):
            self.data = self._chunk(min(CHUNK // self.width, 2 * len(self.data) // self.width) * self.width)
            self.at = 0
        at = self.at
        self.at = at + self.width
        self.n += 1
        return at

    def rows(self):
        """Every row as a tuple of `width` ints, in order."""
        w = self.width
        for chunk, end in self._filled():
            for j in range(0, end, w):
                yield tuple(chunk[j:j + w])

    def rows_newest_first(self):
        """Every row as a tuple of `width` ints, last first."""
        w = self.width
        for chunk, end in reversed(self._filled()):
            for j in range(end - w, -1, -w):
                yield tuple(chunk[j:j + w])

    def _filled(self) -> list:
        """(chunk, values written in it) of every chunk, in order."""
        w, last = self.width, len(self.chunks) - 1
        return [(chunk, self.at if c == last else len(chunk) // w * w) for c, chunk in enumerate(self.chunks)]


class TransferLog:
    """The run's NoC transfers in issue order; each reads back as (noc, kind, issuer, role, src, dst, rect, nbytes,
    start, end, links, op). `keep=False`: count them, record none (a run with no trace)."""

    def __init__(self, keep: bool = True):
        self.keep = keep
        self.shapes: list[tuple] = []  # (noc, kind, issuer, role, src, dst, rect, links, op)
        self._ids: dict = {}
        self._cols = _Columns(TRANSFER_WIDTH, 64)  # per transfer: shape, nbytes, start, end

    @property
    def n(self) -> int:
        return self._cols.n

    def add(self, key, noc: int, kind: str, k, src, dst, rect, nbytes: int, start: int, end: int, links) -> None:
        """Record a transfer by kernel k. `key` stands for its shape (cheap to hash: the row is built once per key)."""
        self.row(self.shape(key, noc, kind, k, src, dst, rect, links), nbytes, start, end)

    def shape(self, key, noc: int, kind: str, k, src, dst, rect, links) -> int:
        """The index in `shapes` of the shape `key` stands for, added on first use."""
        if not self.keep:
            return 0
        i = self._ids.get(key)
        if i is None:
            i = self._ids[key] = len(self.shapes)
            self.shapes.append((noc, kind, k.core, k.role, src, dst, rect, links, k.op))
        return i

    def row(self, i: int, nbytes: int, start: int, end: int) -> None:
        """Record a transfer of shape i (an index `shape` gave)."""
        cols = self._cols
        if not self.keep:
            cols.n += 1
            return
        j = cols.room()
        cols.data[j] = i  # (through cols: compiled, a local view of the chunk would be acquired and released per row)
        cols.data[j + 1] = nbytes
        cols.data[j + 2] = start
        cols.data[j + 3] = end

    def __len__(self) -> int:
        return self._cols.n

    def __iter__(self):
        shapes = self.shapes
        for i, nbytes, start, end in self._cols.rows():
            noc, kind, issuer, role, src, dst, rect, links, op = shapes[i]
            yield noc, kind, issuer, role, src, dst, rect, nbytes, start, end, links, op

    def issuers(self) -> Counter:
        """Transfers per issuing (core, role), counted from the columns (no row is built: a full trace holds tens
        of millions)."""
        per_shape: Counter = Counter()
        w, cols = TRANSFER_WIDTH, self._cols
        for c, chunk in enumerate(cols.chunks):
            end = cols.at if c == len(cols.chunks) - 1 else len(chunk) // w * w
            per_shape.update(chunk[0:end:w])
        out: Counter = Counter()
        for i, n in per_shape.items():
            out[self.shapes[i][2], self.shapes[i][3]] += n
        return out

    def seal(self) -> None:
        """Recording is over: drop the keys (they refer to the run's kernels, which the trace must not keep)."""
        self._ids = {}

    def clear(self) -> None:
        self.shapes.clear()
        self._ids.clear()
        self._cols = _Columns(TRANSFER_WIDTH, 64)


class SpanLog:
    """One kernel's spans in time order; each reads back as (name, start, end, count, op). The last one stays open
    (in its fields) while a span may still extend it. `keep=False`: record none (a run with no trace)."""

    def __init__(self, keep: bool = True):
        self.keep = keep
        self.names: list[str] = []
        self._name_ids: dict[str, int] = {}
        self._cols = _Columns(5, 16)  # per closed span: name, start, end, count, op
        self._last_name, self._last_id = None, 0  # the name _close looked up last, and its index
        self.name: str | None = None  # the open span, if any
        self.start = self.end = self.count = self.op = 0

    def add(self, name: str, start: int, end: int, count: int, op: int) -> None:
        """`count` ops `name` from cycle start to end, for source op `op`: the open span extended, or a new one."""
        if not self.keep:
            return
        if self.name is not None:
            if self.end == start and self.op == op and self.name == name:
                self.end = end
                self.count += count
                return
            self._close()
        self.name, self.start, self.end, self.count, self.op = name, start, end, count, op

    def _close(self) -> None:
        name = self.name
        if name is not self._last_name:  # a kernel mostly closes spans of a few names in turn: no look-up for a repeat
            found = self._name_ids.get(name)
            if found is None:
                found = self._name_ids[name] = len(self.names)
                self.names.append(name)
            self._last_name, self._last_id = name, found
        i = self._last_id
        cols = self._cols
        j = cols.room()
        cols.data[j] = i  # (through cols, as in TransferLog.add)
        cols.data[j + 1] = self.start
        cols.data[j + 2] = self.end
        cols.data[j + 3] = self.count
        cols.data[j + 4] = self.op

    def __len__(self) -> int:
        return self._cols.n + (self.name is not None)

    def __iter__(self):
        names = self.names
        for i, start, end, count, op in self._cols.rows():
            yield names[i], start, end, count, op
        if self.name is not None:
            yield self.name, self.start, self.end, self.count, self.op

    def newest_first(self):
        """The spans last first: a kernel's latest span of some kind is found without reading all of them."""
        if self.name is not None:
            yield self.name, self.start, self.end, self.count, self.op
        names = self.names
        for i, start, end, count, op in self._cols.rows_newest_first():
            yield names[i], start, end, count, op
