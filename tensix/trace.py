"""What a run leaves behind besides its stats (tensix/stats.py): the trace of op spans and NoC transfers, as
plain data and DIR/trace.json (`Trace.to_dict`, `read_trace`), the one schema the emulator writes and tools/ reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tensix.files import write_text_atomically
from tensix.jsondoc import JsonDoc, read_json
from tensix.noc.routing import STEP


@dataclass(frozen=True, slots=True)
class Span:
    """Kernel `role` on `core` did `count` ops `name` (or waited: `wait:...`) from cycle start to end, for source op
    `op` at `src` (file:line; both empty outside any op)."""

    core: tuple[int, int]
    role: str
    name: str
    start: int
    end: int
    count: int
    op: str = ""
    src: str = ""


@dataclass(frozen=True, slots=True)
class Transfer:
    """NoC transfer number `id` of the run: read | write | mcast | sem, issued by kernel `role` on core `issuer`."""

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


class Trace:
    """Every kernel op span and every NoC transfer of a run, in a deterministic order.

    Kept as the engine's raw tuples; `spans` and `transfers` build the dataclasses on first use.
    """

    def __init__(self, clock_hz: float, span_rows: list[tuple] | None, transfer_rows: list[tuple],
                 kernels: list | None = None):
        self.clock_hz = clock_hz
        self._rows = span_rows
        self._kernels = kernels  # (core, role, spans) per kernel: span rows are built on first use
        self._transfer_rows = transfer_rows
        self._spans: list[Span] | None = None
        self._transfers: list[Transfer] | None = None

    @classmethod
    def from_device(cls, device) -> Trace:
        return cls(device.cfg.clock_hz, None, device.transfers, [(k.core, k.role, k.spans) for k in device.kernels])

    @property
    def _span_rows(self) -> list[tuple]:
        if self._rows is None:
            self._rows = [(core, role, *s) for core, role, spans in self._kernels for s in spans]
            self._kernels = None
        return self._rows

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
        for core, role, name, start, end, count, op, src in self._span_rows:
            d = {"core": list(core), "role": role, "name": name, "start": start, "end": end, "count": count}
            if op:
                d["op"] = op
            if src:
                d["src"] = src
            spans.append(d)
        transfers = [
            {"id": i, "noc": noc, "kind": kind, "issuer": list(issuer), "role": role, "src": list(src),
             "dst": list(dst) if dst else None, "rect": list(rect) if rect else None, "nbytes": nbytes,
             "start": start, "end": end, "links": [list(lk) for lk in links]}
            for i, (noc, kind, issuer, role, src, dst, rect, nbytes, start, end, links)
            in enumerate(self._transfer_rows)
        ]
        return {"clock_hz": self.clock_hz, "spans": spans, "transfers": transfers}


def write_json(path: Path, data: dict) -> None:
    write_text_atomically(path, json.dumps(data, separators=(",", ":")) + "\n")  # whole or not at all


def read_trace(path: Path) -> Trace:
    """The trace in a trace.json file; a missing file or field raises RunFileError naming both."""
    d = read_json(path)
    return Trace(d["clock_hz"].float(), [_span(s) for s in d["spans"].items()],
                 [_transfer(t) for t in d["transfers"].items()])


def _span(d: JsonDoc) -> tuple:
    return (d["core"].coord(), d["role"].str(), d["name"].str(), d["start"].int(), d["end"].int(),
            d["count"].int() if d.has("count") else 1, d.opt_str("op") or "", d.opt_str("src") or "")


def _transfer(d: JsonDoc) -> tuple:
    return (d["noc"].int(), d["kind"].choice(("read", "write", "mcast", "sem")), d["issuer"].coord(), d["role"].str(),
            d["src"].coord(), d["dst"].coord() if d.has("dst") else None, d["rect"].ints(4) if d.has("rect") else None,
            d["nbytes"].int(), d["start"].int(), d["end"].int(), tuple(_link_use(ln) for ln in d["links"].items()))


def _link_use(d: JsonDoc) -> tuple[int, int, str]:
    parts = d.items()
    if len(parts) != 3:
        raise d.fail(f"should be [x, y, dir], not {d.value!r:.40}")
    return parts[0].int(), parts[1].int(), parts[2].choice(tuple(STEP))
