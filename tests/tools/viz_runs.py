"""Hand-made run directories for the visualizer tests: a 4x4 mesh with known bytes and a wormhole-like 10x12 one.

Stats are derived from the transfers and spans exactly as the emulator defines them (link bytes = sum of the
bytes of every transfer that used the link), so tests can assert exact labels.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from tensix.stats import STATS_VERSION

LINK_BYTES_PER_CYCLE = 32
STEPS = {"E": (1, 0), "S": (0, 1), "W": (-1, 0), "N": (0, -1)}

# 4x4 mesh: column x=0 holds DRAM, Ethernet, a harvested tile and PCIe; columns 1..3 are 12 compute cores.
SMALL_KINDS = {(0, 0): "dram", (0, 1): "eth", (0, 2): "harvested", (0, 3): "pcie"}

# the source ops of the runs: label -> position (the trace's op table, in this order)
OPS = {"matmul %w1": "examples/03_mlp.tdf:7:5", "matmul %w2": "examples/03_mlp.tdf:8:5"}

# (id, noc, kind, issuer core, role, src, dst, rect, nbytes, start, end, op label or None)
SMALL_TRANSFERS = [
    (0, 1, "read", (0, 0), "reader", (0, 0), (1, 0), None, 4096, 10, 200, "matmul %w1"),
    (1, 0, "write", (0, 0), "writer", (1, 0), (2, 1), None, 2048, 300, 400, "matmul %w1"),
    (2, 0, "mcast", (0, 0), "writer", (1, 0), None, (1, 1, 2, 2), 2048, 400, 520, None),
    (3, 0, "sem", (1, 1), "writer", (2, 1), (1, 0), None, 4, 450, 470, None),
    (4, 1, "read", (2, 3), "reader", (0, 0), (3, 3), None, 8192, 20, 400, "matmul %w2"),
]

SMALL_SPANS = [  # (core, role, name, start, end, count, op label or None)
    ((0, 0), "reader", "noc_async_read", 5, 210, 1, "matmul %w1"),
    ((0, 0), "compute", "wait:cb_wait_front cb 0", 0, 210, 1, None),
    ((0, 0), "compute", "matmul_tiles", 210, 290, 4, "matmul %w1"),
    ((0, 0), "writer", "noc_async_write", 295, 410, 1, "matmul %w1"),
    ((0, 0), "writer", "noc_async_write_multicast", 410, 530, 1, None),
    ((1, 1), "writer", "noc_semaphore_inc", 440, 480, 1, None),
    ((2, 3), "reader", "noc_async_read", 15, 405, 1, "matmul %w2"),
    ((2, 3), "compute", "matmul_tiles", 405, 590, 8, "matmul %w2"),
]

ZERO_SKIP = {"enabled": True, "threshold": 0.0, "totals": {}, "ops": [
    {"op": "down_proj", "core": [0, 0], "macs_skipped": 900, "macs_total": 1000, "noc_bytes_skipped": 6144,
     "dram_bytes_skipped": 2048, "zero_fraction": 0.9, "cycles_avoided": 150,
     "cycles_overhead": 30},
    {"op": "down_proj", "core": [2, 3], "macs_skipped": 500, "macs_total": 1000, "noc_bytes_skipped": 1024,
     "dram_bytes_skipped": 0, "zero_fraction": 0.5, "cycles_avoided": 60, "cycles_overhead": 20},
    {"op": "up_proj", "core": [0, 0], "macs_skipped": 0, "macs_total": 2000, "noc_bytes_skipped": 0,
     "dram_bytes_skipped": 0, "zero_fraction": 0.0, "cycles_avoided": 0, "cycles_overhead": 0},
]}


def route(noc: int, src: tuple[int, int], dst: tuple[int, int], width: int, height: int) -> list[list]:
    """Dimension-ordered torus route: NoC 0 goes E then S, NoC 1 goes N then W; [x, y, dir] per link."""
    order = ("E", "S") if noc == 0 else ("N", "W")
    x, y = src
    hops = []
    for d in order:
        dx, dy = STEPS[d]
        while (x if dx else y) != (dst[0] if dx else dst[1]):
            hops.append([x, y, d])
            x, y = (x + dx) % width, (y + dy) % height
    return hops


def mcast_links(src: tuple[int, int], rect: tuple[int, int, int, int], width: int, height: int) -> list[list]:
    """NoC 0 multicast tree: to the rectangle's top-left corner, then down each column of it."""
    x0, y0, x1, y1 = rect
    hops = route(0, src, (x0, y0), width, height)
    hops += [[x, y0, "E"] for x in range(x0, x1)]
    hops += [[x, y, "S"] for x in range(x0, x1 + 1) for y in range(y0, y1)]
    return hops


def device(name: str, width: int, height: int, kinds: dict, cores: list) -> dict:
    tiles = [{"x": x, "y": y, "kind": kinds.get((x, y), "tensix")} for y in range(height) for x in range(width)]
    return {"name": name, "width": width, "height": height, "clock_hz": 1e9, "link_bytes_per_cycle": 32,
            "l1_bytes": 1499136, "tiles": tiles,
            "compute_cores": [{"core": list(c), "noc": list(n)} for c, n in cores]}


def transfer_dicts(rows: list, width: int, height: int) -> list[dict]:
    out = []
    for tid, noc, kind, issuer, role, src, dst, rect, nbytes, start, end, op in rows:
        links = mcast_links(src, rect, width, height) if kind == "mcast" else route(noc, src, dst, width, height)
        out.append({"id": tid, "noc": noc, "kind": kind, "issuer": list(issuer), "role": role, "src": list(src),
                    "dst": list(dst) if dst else None, "rect": list(rect) if rect else None, "nbytes": nbytes,
                    "start": start, "end": end, "links": links} | _op(op))
    return out


def _op(label: str | None) -> dict:
    """A span's or transfer's op: its index in the op table (OPS' order), none outside any op."""
    return {} if label is None else {"op": list(OPS).index(label)}


def link_stats(transfers: list[dict], width: int, height: int) -> list[dict]:
    """Per-link bytes and busy cycles (ceil(bytes / 32) + 1 header flit per transfer)."""
    acc: dict[tuple, list[int]] = {}
    for t in transfers:
        for x, y, d in t["links"]:
            entry = acc.setdefault((t["noc"], x, y, d), [0, 0])
            entry[0] += t["nbytes"]
            entry[1] += math.ceil(t["nbytes"] / LINK_BYTES_PER_CYCLE) + 1
    links = []
    for (noc, x, y, d), (nbytes, busy) in sorted(acc.items()):
        dx, dy = STEPS[d]
        to = [(x + dx) % width, (y + dy) % height]
        links.append({"noc": noc, "from": [x, y], "to": to, "dir": d, "bytes": nbytes, "busy_cycles": busy})
    return links


def span_dicts(rows: list) -> list[dict]:
    out = []
    for core, role, name, start, end, count, op in rows:
        out.append({"core": list(core), "role": role, "name": name, "start": start, "end": end, "count": count}
                   | _op(op))
    return out


def buffers(core_index: int) -> list[dict]:
    extra = 2048 * (core_index % 3)
    return [{"name": "in0", "kind": "cb", "address": 0, "nbytes": 4096},
            {"name": "in1", "kind": "cb", "address": 4096, "nbytes": 4096 + extra},
            {"name": "out", "kind": "cb", "address": 8192 + extra, "nbytes": 2048},
            {"name": "partial", "kind": "l1", "address": 16384, "nbytes": 8192},
            {"name": "done_sem", "kind": "semaphore", "address": 24576, "nbytes": 16}]


def core_stats(cores: list, spans: list[dict], total: int) -> list[dict]:
    out = []
    for i, (core, noc) in enumerate(cores):
        busy = {"reader": 0, "compute": 0, "writer": 0}
        for s in spans:  # (a packer's spans count in no kernel's busy time, as in the run's stats)
            if tuple(s["core"]) == core and not s["name"].startswith("wait:") and s["role"] in busy:
                busy[s["role"]] += s["end"] - s["start"]
        bufs = buffers(i)
        out.append({"core": list(core), "noc": list(noc), "busy_cycles": busy,
                    "busy_fraction": round(max(busy.values()) / total, 4), "sram_capacity": 1499136,
                    "sram_high_water": max(b["address"] + b["nbytes"] for b in bufs), "buffers": bufs,
                    "fidelities": ["HiFi4"], "peak_flops_per_cycle": 1024.0})  # 2 * 32^3 FLOP per 64-cycle tile
    return out


def write_run(path: Path, dev: dict, transfers: list[dict], spans: list[dict], *, flops: int,
              zero_skip: dict | None = None, total_cycles: int | None = None, title: str = "") -> Path:
    """Write stats.json and trace.json for the given device, transfers and spans."""
    width, height = dev["width"], dev["height"]
    cores = [(tuple(c["core"]), tuple(c["noc"])) for c in dev["compute_cores"]]
    total = total_cycles or max(x["end"] for x in transfers + spans) + 10
    dram_tiles = [(t["x"], t["y"]) for t in dev["tiles"] if t["kind"] == "dram"]
    stats = {"version": STATS_VERSION, "device": dev, "total_cycles": total, "flops": flops,
             "noc_bytes": [sum(t["nbytes"] for t in transfers if t["noc"] == n) for n in (0, 1)],
             "links": link_stats(transfers, width, height), "cores": core_stats(cores, spans, total),
             "dram": [{"bank": i, "noc": list(xy),
                       "bytes_read": sum(t["nbytes"] for t in transfers if tuple(t["src"]) == xy),
                       "bytes_written": sum(t["nbytes"] for t in transfers if t["dst"] and tuple(t["dst"]) == xy)}
                      for i, xy in enumerate(dram_tiles)],
             "transfers": len(transfers), "timing_only": False}
    if zero_skip:
        stats["zero_skip"] = zero_skip
    path.mkdir(parents=True, exist_ok=True)
    (path / "stats.json").write_text(json.dumps(stats, indent=1))
    ops = [{"id": label.partition(" %")[2], "name": label.partition(" %")[0], "src": src} for label, src in OPS.items()]
    (path / "trace.json").write_text(json.dumps({"version": 2, "title": title, "clock_hz": 1e9, "ops": ops,
                                                 "spans": spans, "transfers": transfers}))
    return path


def program_dict(cores: list) -> dict:
    """program.json as `Program.to_json()` writes it: DRAM tensors, CBs in0/in1/out and three kernels per core."""
    cbs = [{"core": list(c), "cb_id": cb_id, "dtype": "bf16", "num_pages": 2, "name": name, "page_nbytes": None}
           for c, _ in cores for cb_id, name in ((0, "in0"), (1, "in1"), (16, "out"))]
    kernels = [{"core": list(c), "role": role, "fn": f"mlp:{role}", "args": {}, "noc": None, "fidelity": None,
                "label": "mlp.w1"} for c, _ in cores for role in ("reader", "compute", "writer")]
    buffers = [{"name": "x", "shape": [64, 128], "dtype": "bf16", "role": "input"},
               {"name": "w1", "shape": [128, 256], "dtype": "bf16", "role": "param"},
               {"name": "y", "shape": [64, 256], "dtype": "bf16", "role": "output"}]
    return {"name": "mlp_test", "device": None, "buffers": buffers, "cbs": cbs, "semaphores": [], "l1_buffers": [],
            "kernels": kernels}


def small_run(path: Path, *, zero_skip: bool = False, scale: int = 1, total_cycles: int | None = None,
              program: bool = False) -> Path:
    """The 4x4 run; `scale` multiplies every transfer's bytes (for diff tests); `program` adds program.json."""
    cores = [((cx, cy), (cx + 1, cy)) for cy in range(4) for cx in range(3)]
    dev = device("test_4x4", 4, 4, SMALL_KINDS, cores)
    rows = [r[:8] + (r[8] * scale,) + r[9:] for r in SMALL_TRANSFERS]
    out = write_run(path, dev, transfer_dicts(rows, 4, 4), span_dicts(SMALL_SPANS), flops=12 * 65536,
                    zero_skip=ZERO_SKIP if zero_skip else None, total_cycles=total_cycles)
    if program:
        (out / "program.json").write_text(json.dumps(program_dict(cores), indent=1))
    return out


def wormhole_kinds() -> dict:
    """A Wormhole-like 10x12 NoC grid: DRAM columns x=0 and x=5, Ethernet rows y=0 and y=6, two harvested rows."""
    kinds = {}
    for y in range(12):
        kinds[(0, y)] = kinds[(5, y)] = "dram" if y in (0, 1, 5, 6, 7, 11) else "other"
    kinds[(0, 3)], kinds[(0, 10)] = "pcie", "arc"
    for x in (1, 2, 3, 4, 6, 7, 8, 9):
        kinds[(x, 0)] = kinds[(x, 6)] = "eth"
        kinds[(x, 10)] = kinds[(x, 11)] = "harvested"
    return kinds


def wormhole_run(path: Path) -> Path:
    """An 8x8-core run on the 10x12 grid: every core reads from a DRAM bank (NoC 1) and writes east (NoC 0)."""
    kinds = wormhole_kinds()
    cols, rows = [1, 2, 3, 4, 6, 7, 8, 9], [1, 2, 3, 4, 5, 7, 8, 9]
    cores = [((cx, cy), (x, y)) for cy, y in enumerate(rows) for cx, x in enumerate(cols)]
    banks = sorted(xy for xy, k in kinds.items() if k == "dram")
    transfers, spans = [], []
    for i, ((cx, cy), (x, y)) in enumerate(cores):
        t0 = 20 * i
        bank = banks[i % len(banks)]
        east = cols[(cx + 1) % 8], y
        transfers.append((2 * i, 1, "read", (cx, cy), "reader", bank, (x, y), None, 2048 * (1 + i % 4), t0, t0 + 300,
                          "matmul %w1"))
        transfers.append((2 * i + 1, 0, "write", (cx, cy), "writer", (x, y), east, None, 1024, t0 + 900, t0 + 1000,
                          "matmul %w1"))
        spans += [((cx, cy), "reader", "noc_async_read", t0, t0 + 310, 1, "matmul %w1"),
                  ((cx, cy), "compute", "matmul_tiles", t0 + 310, t0 + 890, 8, "matmul %w1"),
                  ((cx, cy), "writer", "noc_async_write", t0 + 890, t0 + 1010, 1, "matmul %w1")]
    dev = device("wormhole_n150", 10, 12, kinds, cores)
    return write_run(path, dev, transfer_dicts(transfers, 10, 12), span_dicts(spans), flops=64 * 8 * 65536,
                     total_cycles=8000)
