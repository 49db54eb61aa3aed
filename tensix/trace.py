"""What a run leaves behind: the trace (op spans, NoC transfers) and the stats, as plain data and JSON files.

The file formats are the contract with tools/ (which reads them only): DIR/trace.json and DIR/stats.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tensix.config import MeshConfig
from tensix.noc.routing import link_end
from tensix.timing import FIDELITY_PHASES

PEAK_FLOPS_PER_CYCLE = 2 * 8 * 16 * 16  # one 8x16 @ 16x16 multiply-accumulate per cycle (LoFi)


@dataclass(frozen=True, slots=True)
class Span:
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
            self._transfers = [Transfer(*row) for row in self._transfer_rows]
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


def build_stats(device, total_cycles: int, flops: int) -> dict:
    """The run's stats in the stats.json layout (see tools/runfiles.py for the reader)."""
    cfg = device.cfg
    busy: dict[tuple[int, int], dict[str, int]] = {}
    fidelity: dict[tuple[int, int], list[str]] = {}  # the math fidelities each core's compute kernel ran at
    for k in device.kernels:
        busy.setdefault(k.core, {})[k.role] = k.busy_cycles
        if k.role == "compute":
            fidelity[k.core] = sorted(getattr(k, "fidelities", None) or {k.fidelity}, key=FIDELITY_PHASES.get)
    cores = []
    for c in sorted(device.cores, key=lambda c: (c[1], c[0])):
        core = device.cores[c]
        roles = busy.get(c, {})
        main = roles.get("compute", max(roles.values(), default=0))
        cores.append(
            {
                "core": list(c),
                "noc": list(core.noc_xy),
                "busy_cycles": roles,
                "busy_fraction": round(main / total_cycles, 6) if total_cycles else 0.0,
                "fidelity": fidelity.get(c, []),
                "sram_capacity": core.sram.capacity,
                "sram_high_water": core.sram.high_water,
                "buffers": [
                    {"name": a.name, "kind": a.kind, "address": a.address, "nbytes": a.nbytes}
                    for a in core.sram.allocations
                ],
            }
        )
    links = [
        {"noc": noc, "from": [x, y], "to": list(_link_end(cfg, x, y, d)), "dir": d, "bytes": b, "busy_cycles": bc}
        for noc, (x, y, d), b, bc in device.fabric.used_links()
    ]
    return {
        "device": device_dict(cfg),
        "total_cycles": total_cycles,
        "flops": flops,
        "noc_bytes": list(device.fabric.noc_bytes),
        "links": links,
        "cores": cores,
        "dram": [
            {"bank": b.index, "noc": list(b.noc_xy), "bytes_read": b.bytes_read, "bytes_written": b.bytes_written}
            for b in device.dram.banks
        ],
        "transfers": len(device.transfers),
    }


def device_dict(cfg: MeshConfig) -> dict:
    return {
        "name": cfg.name,
        "width": cfg.width,
        "height": cfg.height,
        "clock_hz": cfg.clock_hz,
        "link_bytes_per_cycle": cfg.link_bytes_per_cycle,
        "l1_bytes": cfg.l1_bytes,
        "peak_flops_per_cycle": PEAK_FLOPS_PER_CYCLE,
        "tiles": [
            {"x": x, "y": y, "kind": cfg.kind((x, y)).value} for y in range(cfg.height) for x in range(cfg.width)
        ],
        "compute_cores": [{"core": [cx, cy], "noc": list(cfg.noc_xy((cx, cy)))} for cx, cy in cfg.logical_cores()],
    }


def _link_end(cfg: MeshConfig, x: int, y: int, d: str) -> tuple[int, int]:
    return link_end((x, y, d), cfg.width, cfg.height)


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, separators=(",", ":")) + "\n")
