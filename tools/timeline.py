"""Timeline: the run's trace as Chrome/Perfetto trace-event JSON (open it at https://ui.perfetto.dev).

Input: `Run` (trace spans and transfers, stats for the device); output: `timeline.json` with one process per
core ("core (x,y)"), one thread per kernel role, op spans as "X" slices, NoC transfers as flow arrows from the
issuing kernel to an incoming slice on each destination, a lane per NoC, and link-utilization counters.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tensix.jsondoc import Coord
from tensix.trace import Op, Span, Transfer

from .runfiles import Run
from .units import fmt_bytes, fmt_coord

ROLE_TIDS = {"reader": 1, "compute": 2, "writer": 3}
NOC_IN_TID = 10  # first "NoC in" lane of a process
NOC_PID, TILE_PID = 10_000, 20_000
TILE_NAMES = {"dram": "DRAM", "eth": "Ethernet", "pcie": "PCIe", "arc": "ARC", "tensix": "Tensix"}
PHASE_ORDER = {"M": 0, "C": 1, "X": 2, "s": 3, "f": 4}


@dataclass
class _Builder:
    """Collects events and assigns process/thread ids; converts cycles to microseconds."""

    clock_hz: float
    events: list[dict] = field(default_factory=list)
    threads: set[tuple[int, int]] = field(default_factory=set)
    lanes: dict[int, list[int]] = field(default_factory=dict)  # pid -> end cycle of each lane
    processes: set[int] = field(default_factory=set)

    def us(self, cycles: float) -> float:
        return round(cycles / self.clock_hz * 1e6, 6)  # rounding keeps order and drops float noise

    def meta(self, kind: str, pid: int, tid: int, **args: object) -> None:
        self.events.append({"ph": "M", "name": kind, "pid": pid, "tid": tid, "ts": 0, "args": args})

    def process(self, pid: int, name: str) -> None:
        if pid not in self.processes:
            self.processes.add(pid)
            self.meta("process_name", pid, 0, name=name)
            self.meta("process_sort_index", pid, 0, sort_index=pid)

    def thread(self, pid: int, tid: int, name: str) -> None:
        if (pid, tid) not in self.threads:
            self.threads.add((pid, tid))
            self.meta("thread_name", pid, tid, name=name)
            self.meta("thread_sort_index", pid, tid, sort_index=tid)

    def slice(self, pid: int, tid: int, name: str, start: int, end: int, cat: str, args: dict) -> None:
        self.events.append({"ph": "X", "name": name, "cat": cat, "pid": pid, "tid": tid, "ts": self.us(start),
                            "dur": round(self.us(max(end, start)) - self.us(start), 6), "args": args})

    def lane(self, pid: int, start: int, end: int, prefix: str) -> int:
        """A thread of `pid` free at `start` (a new lane if all are busy), so slices never overlap."""
        ends = self.lanes.setdefault(pid, [])
        index = next((i for i, e in enumerate(ends) if e <= start), len(ends))
        if index == len(ends):
            ends.append(end)
        ends[index] = end
        tid = NOC_IN_TID + index
        self.thread(pid, tid, prefix if index == 0 else f"{prefix} {index + 1}")
        return tid


def _core_pids(run: Run) -> dict[Coord, int]:
    cores = {c.core for c in run.stats.cores} | {s.core for s in run.trace.spans}
    cores |= {t.issuer for t in run.trace.transfers}
    return {core: i + 1 for i, core in enumerate(sorted(cores, key=lambda c: (c[1], c[0])))}


def _processes(b: _Builder, run: Run, pids: dict[Coord, int]) -> None:
    noc_of = {core: noc for core, noc in run.stats.device.compute_cores}
    for core, pid in pids.items():
        b.process(pid, f"core {fmt_coord(core)}")
        if core in noc_of:
            b.meta("process_labels", pid, 0, labels=f"NoC {fmt_coord(noc_of[core])}")
    for noc in run.stats.nocs:
        b.process(NOC_PID + noc, f"NoC {noc}")


def _span_args(span: Span, op: Op | None) -> dict:
    args: dict[str, object] = {"cycles": span.end - span.start, "start_cycle": span.start, "count": span.count}
    return args | _op_args(op)


def _op_args(op: Op | None) -> dict:
    """The source op a span or transfer served: its label (`name %id`) and position."""
    if op is None:
        return {}
    return {"op": op.label, "op_src": op.src} if op.src else {"op": op.label}


def _spans(b: _Builder, run: Run, pids: dict[Coord, int]) -> None:
    for span in run.trace.spans:
        pid, tid = pids[span.core], _role_tid(span.role)
        b.thread(pid, tid, span.role)
        name = span.name if span.count <= 1 else f"{span.name} x{span.count}"
        b.slice(pid, tid, name, span.start, span.end, "stall" if span.name.startswith("wait:") else "op",
                _span_args(span, run.trace.op(span.op)))


def _role_tid(role: str) -> int:
    return ROLE_TIDS.get(role, 4 + sum(map(ord, role)) % 5)  # unknown roles get a stable tid below the lanes


def _destinations(run: Run, t: Transfer) -> list[Coord]:
    """NoC coordinates a transfer delivers to: its dst, or every compute core inside its multicast rectangle."""
    if t.dst is not None:
        return [t.dst]
    if t.rect is None:
        return []
    x0, y0, x1, y1 = t.rect
    return sorted((noc for _, noc in run.stats.device.compute_cores
                   if min(x0, x1) <= noc[0] <= max(x0, x1) and min(y0, y1) <= noc[1] <= max(y0, y1)),
                  key=lambda xy: (xy[1], xy[0]))


def _endpoint_pid(b: _Builder, run: Run, pids: dict[Coord, int], noc_xy: Coord) -> int:
    """The process of a NoC endpoint: its core's, or a process for a DRAM / Ethernet / other tile."""
    core = run.stats.device.core_at().get(noc_xy)
    if core is not None and core in pids:
        return pids[core]
    pid = TILE_PID + noc_xy[1] * run.stats.device.width + noc_xy[0]
    kind = run.stats.device.kinds().get(noc_xy, "other")
    b.process(pid, f"{TILE_NAMES.get(kind, kind)} tile {fmt_coord(noc_xy)}")
    return pid


def _issue_tid(b: _Builder, covered: dict, pid: int, tid: int, t: Transfer) -> None:
    """Make sure a slice encloses the transfer's start on the issuing thread, so the flow arrow has an anchor."""
    spans = covered.get((pid, tid), [])
    if any(s <= t.start < e for s, e in spans):
        return
    later = [s for s, _ in spans if s > t.start]
    end = min([t.start + 1, *later])
    b.thread(pid, tid, t.role)
    b.slice(pid, tid, f"issue {t.kind}", t.start, end, "noc", {"transfer": t.id})


def _transfer_args(t: Transfer) -> dict:
    where = fmt_coord(t.dst) if t.dst else f"rect {list(t.rect or ())}"
    return {"transfer": t.id, "kind": t.kind, "noc": t.noc, "nbytes": t.nbytes, "src": fmt_coord(t.src),
            "dst": where, "issuer": fmt_coord(t.issuer), "role": t.role, "cycles": t.end - t.start,
            "links": len(t.links)}


def _transfers(b: _Builder, run: Run, pids: dict[Coord, int]) -> None:
    covered: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for s in run.trace.spans:
        covered.setdefault((pids[s.core], _role_tid(s.role)), []).append((s.start, s.end))
    flow_id = 0
    for t in sorted(run.trace.transfers, key=lambda t: (t.start, t.id)):
        args = _transfer_args(t) | _op_args(run.trace.op(t.op))
        label = f"{t.kind} {fmt_bytes(t.nbytes)}"
        lane = b.lane(NOC_PID + t.noc, t.start, t.end, "transfers")
        b.slice(NOC_PID + t.noc, lane, label, t.start, t.end, "noc", args)
        src_pid, src_tid = pids[t.issuer], _role_tid(t.role)
        _issue_tid(b, covered, src_pid, src_tid, t)
        for dst in _destinations(run, t):
            pid = _endpoint_pid(b, run, pids, dst)
            tid = b.lane(pid, t.start, t.end, "NoC in")
            b.slice(pid, tid, f"{label} from {fmt_coord(t.src)}", t.start, t.end, "noc", args)
            _flow(b, flow_id, (src_pid, src_tid, t.start), (pid, tid, (t.start + t.end) / 2), label)
            flow_id += 1


def _flow(b: _Builder, flow_id: int, src: tuple, dst: tuple, name: str) -> None:
    """An "s"/"f" pair: from the issuing kernel's slice to the destination's incoming slice."""
    b.events.append({"ph": "s", "id": flow_id, "name": name, "cat": "noc", "pid": src[0], "tid": src[1],
                     "ts": b.us(src[2])})
    b.events.append({"ph": "f", "bp": "e", "id": flow_id, "name": name, "cat": "noc", "pid": dst[0], "tid": dst[1],
                     "ts": b.us(dst[2])})


def link_busy_windows(run: Run, windows: int) -> dict[int, np.ndarray]:
    """Per NoC, a (links used x windows) array of busy cycles: each transfer's flit cycles spread over its span."""
    total = max(1, run.stats.total_cycles)
    edges = np.linspace(0, total, windows + 1)
    per_noc: dict[int, dict[tuple, np.ndarray]] = {}
    for t in run.trace.transfers:
        busy = math.ceil(t.nbytes / run.stats.device.link_bytes_per_cycle) + 1  # data flits + header flit
        lo, hi = t.start, max(t.end, t.start + 1)
        share = np.clip(np.minimum(hi, edges[1:]) - np.maximum(lo, edges[:-1]), 0, None) / (hi - lo) * busy
        links = per_noc.setdefault(t.noc, {})
        for link in t.links:
            links[link] = links.get(link, 0) + share
    return {noc: np.array(list(links.values())) for noc, links in per_noc.items()}


def _counters(b: _Builder, run: Run, windows: int) -> None:
    total = max(1, run.stats.total_cycles)
    windows = max(1, min(windows, total))
    width = total / windows
    n_links = run.stats.device.width * run.stats.device.height * 2  # each tile: one outgoing link per direction
    for noc, busy in sorted(link_busy_windows(run, windows).items()):
        pid = NOC_PID + noc
        for w in range(windows + 1):
            column = busy[:, w] if w < windows else np.zeros(len(busy))
            ts = b.us(w * width)
            for name, value in ((f"NoC {noc} hottest link busy %", column.max(initial=0) / width * 100),
                                (f"NoC {noc} mean link busy %", column.sum() / (width * n_links) * 100)):
                b.events.append({"ph": "C", "name": name, "pid": pid, "tid": 0, "ts": ts,
                                 "args": {"value": round(float(value), 3)}})


def trace_events(run: Run, *, windows: int = 100) -> dict:
    """The trace-event JSON document (a dict) for a run; times are microseconds at the device clock."""
    b = _Builder(run.trace.clock_hz or run.stats.device.clock_hz)
    pids = _core_pids(run)
    _processes(b, run, pids)
    _spans(b, run, pids)
    _transfers(b, run, pids)
    _counters(b, run, windows)
    b.events.sort(key=lambda e: (e["ts"], PHASE_ORDER[e["ph"]], -e.get("dur", 0)))
    return {"traceEvents": b.events, "displayTimeUnit": "ns",
            "otherData": {"title": run.title, "device": run.stats.device.name, "clock_hz": b.clock_hz,
                          "total_cycles": run.stats.total_cycles, "run": str(run.path)}}


def write_timeline(run: Run, path: Path, *, windows: int = 100) -> Path:
    """Write `timeline.json` (open it at https://ui.perfetto.dev or chrome://tracing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(trace_events(run, windows=windows), separators=(",", ":")))
    return path
