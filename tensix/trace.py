"""What a run leaves behind besides its stats (tensix/stats.py): the trace of op spans and NoC transfers, each
stamped with the source op it served (an index into the trace's op table), as plain data and DIR/trace.json
(`Trace.to_dict`, `read_trace`), the one schema the emulator writes and tools/ reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tensix.files import write_text_atomically
from tensix.jsondoc import JsonDoc, read_json
from tensix.noc.routing import STEP

TRACE_VERSION = 2  # 1: spans named their op by label and source text, transfers named none; no op table, no title
NO_OP = -1  # a span or transfer outside any source op (hand-written kernels, or before a kernel's first step)


@dataclass(frozen=True, slots=True)
class Op:
    """Source op number `index` of the trace's op table: IR id `id` (`%id` in IR dumps), op `name` as written, and
    its position `src` (`path:line:col`, empty for hand-written kernels)."""

    index: int
    id: str
    name: str
    src: str

    @classmethod
    def from_label(cls, index: int, label: str, src: str) -> Op:
        """From a kernel's op label, `name %id` (the compiler's), or any other text (a hand-written kernel's)."""
        name, sep, op_id = label.rpartition(" %")
        return cls(index, op_id, name, src) if sep else cls(index, "", label, src)

    @property
    def label(self) -> str:
        return f"{self.name} %{self.id}" if self.id else self.name

    @property
    def where(self) -> str:
        """`file.tdf:12`: the source file's name and line, or "" without a position."""
        path, line = _path_line(self.src)
        return f"{Path(path).name}:{line}" if path else ""

    @property
    def line(self) -> int | None:
        return _path_line(self.src)[1]


def _path_line(src: str) -> tuple[str, int | None]:
    parts = src.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit():
        return parts[0], int(parts[1])
    return "", None


@dataclass(frozen=True, slots=True)
class Span:
    """Kernel `role` on `core` did `count` ops `name` (or waited: `wait:...`) from cycle start to end, for source op
    number `op` of the trace's op table (NO_OP outside any)."""

    core: tuple[int, int]
    role: str
    name: str
    start: int
    end: int
    count: int
    op: int = NO_OP


@dataclass(frozen=True, slots=True)
class Transfer:
    """NoC transfer number `id` of the run: read | write | mcast | sem, issued by kernel `role` on core `issuer` for
    source op number `op` of the trace's op table (NO_OP outside any)."""

    id: int
    noc: int
    kind: str
    issuer: tuple[int, int]
    role: str
    src: tuple[int, int]
    dst: tuple[int, int] | None
    rect: tuple[int, int, int, int] | None
    nbytes: int
    start: int
    end: int
    links: tuple[tuple[int, int, str], ...]
    op: int = NO_OP


class Trace:
    """Every kernel op span and every NoC transfer of a run, in a deterministic order, and the table of source ops
    they point into (`ops`, in the order kernels first worked on them). `title`: what the run ran (its file's
    name), "" when unknown.

    Kept as the engine's raw tuples; `spans` and `transfers` build the dataclasses on first use.
    """

    def __init__(self, clock_hz: float, span_rows: list[tuple] | None, transfer_rows: list[tuple],
                 kernels: list | None = None, ops: tuple[Op, ...] = (), title: str = "", recorded: bool = True):
        self.clock_hz = clock_hz
        self.recorded = recorded  # False: the run kept no trace (Mesh(trace=False)); no rows, whatever it did
        self.ops = ops
        self.title = title
        self._rows = span_rows
        self._kernels = kernels  # (core, role, spans) per kernel: span rows are built on first use
        self._transfer_rows = transfer_rows
        self._spans: list[Span] | None = None
        self._transfers: list[Transfer] | None = None

    @classmethod
    def from_device(cls, device) -> Trace:
        ops = tuple(Op.from_label(i, label, src) for i, (label, src) in enumerate(device.ops))
        if not device.transfers.keep:
            return cls(device.cfg.clock_hz, [], [], None, ops, recorded=False)
        kernels = [(k.core, k.role, k.spans) for k in device.kernels]
        packers = [(k.core, "packer", k.packer.spans) for k in device.kernels  # a compute kernel's packer thread
                   if getattr(k, "packer", None) is not None and len(k.packer.spans)]
        return cls(device.cfg.clock_hz, None, device.transfers, kernels + packers, ops)

    def op(self, index: int) -> Op | None:
        """Entry `index` of the op table; None for NO_OP."""
        return self.ops[index] if index >= 0 else None

    @property
    def _span_rows(self) -> list[tuple]:
        if self._rows is None:
            self._rows = [(core, role, *s) for core, role, spans in self._kernels for s in spans]
            self._kernels = None
        return self._rows

    def last_end(self, role: str, skip: tuple[str, ...] = ()) -> int:
        """The latest end of a span of the kernels of `role` whose name starts with none of `skip` (0: none). A
        kernel's spans are in its own time order, so each is read newest first up to its first such span (a
        16384^3 matmul's compute kernels record millions)."""
        if self._kernels is None:
            return max((r[4] for r in self._span_rows if r[1] == role and not r[2].startswith(skip)), default=0)
        last = 0
        for _, r, spans in self._kernels:
            if r == role:
                last = max(last, next((s[2] for s in spans.newest_first() if not s[0].startswith(skip)), 0))
        return last

    @property
    def spans(self) -> list[Span]:
        if self._spans is None:
            self._spans = [Span(*row) for row in self._span_rows]
        return self._spans

    @property
    def transfers(self) -> list[Transfer]:
        if self._transfers is None:
            self._transfers = [Transfer(i, *row) for i, row in enumerate(self._transfer_rows)]
        return self._transfers

    def to_dict(self) -> dict:
        spans = []
        for core, role, name, start, end, count, op in self._span_rows:
            d = {"core": list(core), "role": role, "name": name, "start": start, "end": end, "count": count}
            if op != NO_OP:
                d["op"] = op
            spans.append(d)
        transfers = []
        for i, (noc, kind, issuer, role, src, dst, rect, nbytes, start, end, links, op) in enumerate(
                self._transfer_rows):
            d = {"id": i, "noc": noc, "kind": kind, "issuer": list(issuer), "role": role, "src": list(src),
                 "dst": list(dst) if dst else None, "rect": list(rect) if rect else None, "nbytes": nbytes,
                 "start": start, "end": end, "links": [list(lk) for lk in links]}
            if op != NO_OP:
                d["op"] = op
            transfers.append(d)
        ops = [{"id": o.id, "name": o.name, "src": o.src} for o in self.ops]
        return {"version": TRACE_VERSION, "title": self.title, "clock_hz": self.clock_hz, "ops": ops, "spans": spans,
                "transfers": transfers}


def write_json(path: Path, data: dict) -> None:
    write_text_atomically(path, json.dumps(data, separators=(",", ":")) + "\n")  # whole or not at all


def read_trace(path: Path) -> Trace:
    """The trace in a trace.json file; a missing file or field raises RunFileError naming both."""
    d = read_json(path)
    if not d.has("version"):
        raise d.fail(f"has no 'version': written by an older tensix (this one reads trace version {TRACE_VERSION})")
    if d["version"].int() != TRACE_VERSION:
        raise d["version"].fail(f"is {d['version'].int()}; this tensix reads trace version {TRACE_VERSION}")
    ops = tuple(Op(i, o["id"].str(), o["name"].str(), o["src"].str()) for i, o in enumerate(d["ops"].items()))
    return Trace(d["clock_hz"].float(), [_span(s, len(ops)) for s in d["spans"].items()],
                 [_transfer(t, len(ops)) for t in d["transfers"].items()], ops=ops, title=d.opt_str("title") or "")


def _op(d: JsonDoc, count: int) -> int:
    """The span's or transfer's op index, checked against the op table's length."""
    if not d.has("op"):
        return NO_OP
    op = d["op"].int()
    if not 0 <= op < count:
        raise d["op"].fail(f"is {op}, outside the op table (0..{count - 1})")
    return op


def _span(d: JsonDoc, ops: int) -> tuple:
    return (d["core"].coord(), d["role"].str(), d["name"].str(), d["start"].int(), d["end"].int(),
            d["count"].int() if d.has("count") else 1, _op(d, ops))


def _transfer(d: JsonDoc, ops: int) -> tuple:
    return (d["noc"].int(), d["kind"].choice(("read", "write", "mcast", "sem")), d["issuer"].coord(), d["role"].str(),
            d["src"].coord(), d["dst"].coord() if d.has("dst") else None, d["rect"].ints(4) if d.has("rect") else None,
            d["nbytes"].int(), d["start"].int(), d["end"].int(), tuple(_link_use(ln) for ln in d["links"].items()),
            _op(d, ops))


def _link_use(d: JsonDoc) -> tuple[int, int, str]:
    parts = d.items()
    if len(parts) != 3:
        raise d.fail(f"should be [x, y, dir], not {d.value!r:.40}")
    return parts[0].int(), parts[1].int(), parts[2].choice(tuple(STEP))
