"""One-row norms split over cores (a decode step's rmsnorm / layernorm): their two plans, and the estimate that
chooses between them (lang/passes/tile.py calls `split_norm`; docs/architecture.md, "One-row norms").

Each of up to nt / NORM_SPLIT_TILES cores normalizes and writes its own run of columns; for the statistics either
every core reads the whole row, or each reads only its columns and the cores share partial statistics (`Row.parts`,
tensix/programs/stages/norm.py), as ttnn's sharded layernorm and distributed rmsnorm do.
"""

from __future__ import annotations

import math
from dataclasses import replace

from tensix.config import MeshConfig
from tensix.formats import tile_nbytes
from tensix.lang import pages
from tensix.lang.ir import Node, TensorType
from tensix.lang.passes.costs import Estimate, Layout, _route, _Tally, first
from tensix.ops import Op
from tensix.schedule.contract import Row
from tensix.timing import TimingModel

Core = tuple[int, int]
NORM_SPLIT_TILES = 4  # output tile columns a core of a one-row norm split over cores writes (at least)


def norm_splits(n: Node, ts: list[TensorType]) -> bool:
    """A norm of one tile row (a decode step's) over more than one core: its columns split over them."""
    if n.op != Op.ROW or n.attrs["fn"] == "softmax" or len(n.attrs["_cores"]) < 2:
        return False
    grid = pages.grid(ts[0].shape)
    return math.prod(grid[:-1]) == 1 and grid[-1] > NORM_SPLIT_TILES


def split_norm(n: Node, work: dict, lays: dict[str, Layout], cfg: MeshConfig, fid: str, done: list[Node]) -> dict:
    """The steps of a one-row norm on up to nt / NORM_SPLIT_TILES cores (`work`: its row op's fields and row), each
    writing its own run of columns: sharing their statistics where `shared_ok` allows it and `estimate_norm` says
    it is cheaper, else each reading the whole row. Every other core reads (and writes) on NoC 0, the rest on NoC 1
    (the readers' default): reading whole rows, they all read the same pages at once, so the two NoCs' links each
    carry half of them."""
    nt = work["fields"]["nt"]
    cores = n.attrs["_cores"][:nt // NORM_SPLIT_TILES]
    whole = {core: Row(**{**work["fields"], "noc": None if i % 2 == 0 else 0}, rows=tuple(work["items"]),
                       cols=(i * nt // len(cores), (i + 1) * nt // len(cores))) for i, core in enumerate(cores)}
    if not shared_ok(n, done):
        return whole
    parts = {core: replace(step, parts=tuple(cores)) for core, step in whole.items()}
    shared_cycles, whole_cycles = (estimate_norm(p, lays, cfg, fidelity=fid).cycles for p in (parts, whole))
    return parts if shared_cycles < whole_cycles else whole


def shared_ok(n: Node, done: list[Node]) -> bool:
    """Whether a one-row norm may share its statistics: every earlier sharing norm on any of its cores (`done`: the
    nodes tiled before it) is an ancestor of it, so those cores have taken that norm's partials from `norm_parts`
    (one L1 buffer for all of them) before this norm's can land there."""
    mine = set(n.attrs["_cores"])
    earlier = {m.id for m in done if _shares(m) and mine & set(m.attrs["_steps"])}
    producer, seen, todo = {m.id: m for m in done}, set(), list(n.inputs)
    while todo and earlier:
        v = todo.pop()
        if v in seen or v not in producer:
            continue
        seen.add(v)
        earlier.discard(v)
        todo.extend(producer[v].inputs)
    return not earlier


def _shares(n: Node) -> bool:
    return n.op == Op.ROW and any(getattr(s, "parts", ()) for s in n.attrs.get("_steps", {}).values())


def estimate_norm(steps: dict[Core, Row], layouts: dict[str, Layout], cfg: MeshConfig,
                  timing: TimingModel | None = None, fidelity: str = "HiFi4") -> Estimate:
    """The estimate of a one-row norm's plan (lang/passes/costs.py's resources and constants). Its phases run one
    after another on the slowest core: the reads (commands, the farthest bank's round trip, its NIU taking the bytes
    in, or the busiest link all cores' reads load: cores reading the same pages at once queue on the same links),
    the statistic's tile ops, per exchange of partials (shared) a pack, its multicast, the acknowledgement and the
    semaphore, and the partials unpacked and added, then the normalizing pass over its columns and their writes."""
    timing = timing or TimingModel()
    t, slowest, mine = _Tally(cfg), 0.0, {}
    fmt = layouts[first(steps).a].fmt
    size, banks = tile_nbytes(fmt), cfg.dram_banks
    tile_op = timing.eltwise("mul", fidelity, fmt)
    landed = cfg.dram_latency_cycles if cfg.dram_write_latency_cycles is None else cfg.dram_write_latency_cycles
    for core, s in steps.items():
        xy, noc = cfg.noc_xy(core), 1 if s.noc is None else s.noc
        c0, c1 = s.cols if s.cols[1] else (0, s.nt)
        x = list(range(c0, c1)) if s.parts else list(range(s.nt))
        trip = 0
        for p in x + list(range(c0, c1)) * len(s.aux):
            b = layouts[s.a].bank(p, len(banks))
            t.bank[b] += size
            trip = max(trip, 2 * t._hops(t._transfer(banks[b], xy, noc, size)) + cfg.dram_latency_cycles)
        tiles = len(x) + len(s.aux) * (c1 - c0)
        mine[core] = tiles * cfg.noc_read_issue_cycles + trip + tiles * size / cfg.noc_read_bytes_per_cycle
        rounds = 2 if s.fn == "layernorm" else 1
        stat = len(x) * ((rounds + 1) * tile_op + timing.pack("fp32")) + timing.sfpu("rsqrt")
        if s.fn == "layernorm":  # the centred row, packed
            stat += len(x) * (tile_op + timing.pack("fp32"))
        exchange = 0.0
        if s.parts:  # the partial there, its acknowledgement back, the semaphore there; then all of them added
            far = max(len(_route(noc, xy, cfg.noc_xy(c), cfg.width, cfg.height)) for c in s.parts)
            send = (timing.pack("fp32") + cfg.noc_write_issue_cycles
                    + tile_nbytes("fp32") / cfg.noc_write_bytes_per_cycle + 3 * t._hops(far))
            exchange = rounds * (send + len(s.parts) * max(timing.eltwise_cycles, timing.unpack("fp32")))
        norm = (c1 - c0) * ((1 + len(s.aux)) * tile_op + timing.pack(fmt))
        write = (c1 - c0) * cfg.noc_write_issue_cycles + 2 * t._hops(1) + landed
        slowest = max(slowest, stat + exchange + norm + write)
    links = max(t.link.values(), default=0)
    read = max(max(mine.values()), links)
    return Estimate(read + slowest, int(sum(t.bank.values())),
                    max(t.bank.values(), default=0) / cfg.dram_bank_bytes_per_cycle, links, max(mine.values()),
                    slowest, read + slowest, 0.0)
