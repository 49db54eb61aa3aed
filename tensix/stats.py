"""The run's stats, one typed schema: what `Mesh.run` measured, what the driver adds (reference errors, the dense
baseline) by `dataclasses.replace`, and what every tool reads. `DIR/stats.json` is its JSON form, versioned.

Derived figures (utilization, zero-skip totals and savings) are properties, defined here once; the JSON holds them
too, for readers in other languages, and `read_stats` recomputes them instead of trusting the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tensix.config import MeshConfig, TileKind
from tensix.files import write_text_atomically
from tensix.jsondoc import Coord, JsonDoc, read_json
from tensix.noc.routing import STEP, link_end
from tensix.timing import FIDELITY_PHASES
from tensix.zeroskip_stats import DenseRun as DenseRun  # the stats' zero-skip section, re-exported
from tensix.zeroskip_stats import ZeroSkipOp as ZeroSkipOp
from tensix.zeroskip_stats import ZeroSkipStats as ZeroSkipStats
from tensix.zeroskip_stats import ZeroSkipTotals as ZeroSkipTotals

# 1: the unversioned layout before this schema (no per-core peak, no dense baseline); 2: reference errors without
# nonfinite_mismatches; 3: one `fidelity` per core, no `timing_only`
STATS_VERSION = 4
MATMUL_TILE_FLOPS = 2 * 32**3  # one 32x32x32 tile matmul
TILE_KINDS = tuple(k.value for k in TileKind)


@dataclass(frozen=True, slots=True)
class Tile:
    x: int
    y: int
    kind: str  # a TileKind value, or `other`


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """The device preset the run used, as far as the tools need it."""

    name: str
    width: int  # NoC grid columns
    height: int
    clock_hz: float
    link_bytes_per_cycle: int
    l1_bytes: int
    tiles: tuple[Tile, ...]
    compute_cores: tuple[tuple[Coord, Coord], ...]  # (logical core, NoC coordinate)

    def kinds(self) -> dict[Coord, str]:
        """Tile kind by NoC coordinate; tiles the file does not list count as `other`."""
        return {(t.x, t.y): t.kind for t in self.tiles}

    def core_at(self) -> dict[Coord, Coord]:
        """Logical core by NoC coordinate."""
        return {noc: core for core, noc in self.compute_cores}


@dataclass(frozen=True, slots=True)
class Link:
    noc: int
    src: Coord
    dst: Coord
    dir: str
    nbytes: int
    busy_cycles: int

    @property
    def wraps(self) -> bool:
        """True for a torus wraparound link (from the last column/row back to the first, or back)."""
        dx, dy = STEP[self.dir]
        return (self.src[0] + dx, self.src[1] + dy) != self.dst


@dataclass(frozen=True, slots=True)
class Buffer:
    name: str
    kind: str  # cb | l1 | semaphore | tensor (a shard of an L1-resident tensor, named by the tensor)
    address: int
    nbytes: int


@dataclass(frozen=True, slots=True)
class CoreStats:
    """One core the program used. `fidelities`: the math fidelities its compute kernel ran at (a compiled program's
    steps each choose theirs), fastest first; empty where the core runs no compute kernel. `peak_flops_per_cycle`:
    its matrix engine's rate at the fastest tile product its matmuls were charged (fidelity and B tile format, so
    its utilization cannot pass 100%), at its fastest fidelity with bf16 tiles where it ran no matmul."""

    core: Coord
    noc: Coord
    busy_cycles: tuple[tuple[str, int], ...]  # (role, cycles)
    busy_fraction: float
    sram_capacity: int
    sram_high_water: int
    buffers: tuple[Buffer, ...]
    fidelities: tuple[str, ...]
    peak_flops_per_cycle: float

    @property
    def peak_fidelity(self) -> str | None:
        """The fidelity `peak_flops_per_cycle` is at (None: the timing model's default, no compute kernel)."""
        return self.fidelities[0] if self.fidelities else None


@dataclass(frozen=True, slots=True)
class DramBank:
    bank: int
    noc: Coord
    bytes_read: int
    bytes_written: int


@dataclass(frozen=True, slots=True)
class OutputError:
    """How far one device output is from the numpy reference semantics."""

    name: str
    max_abs_error: float
    max_abs_reference: float
    # places where output and reference differ in a NaN or inf (max_abs_error covers the finite rest only)
    nonfinite_mismatches: int = 0


@dataclass(frozen=True, slots=True)
class Stats:
    version: int
    device: DeviceInfo
    total_cycles: int
    flops: int  # matrix-engine FLOP (2 per MAC) actually done (counted in a timing-only run too)
    noc_bytes: tuple[int, ...]  # per NoC, bytes x hops
    links: tuple[Link, ...]
    cores: tuple[CoreStats, ...]
    dram: tuple[DramBank, ...]
    transfers: int
    zero_skip: ZeroSkipStats | None = None
    reference: tuple[OutputError, ...] | None = None
    timing_only: bool = False  # no data moved and no tile math done (Mesh(timing_only=True)): no outputs

    @property
    def nocs(self) -> tuple[int, ...]:
        """The NoC ids of the device (at least 0 and 1)."""
        return tuple(range(max(2, len(self.noc_bytes), 1 + max((ln.noc for ln in self.links), default=0))))

    @property
    def peak_flops_per_cycle(self) -> float:
        """The matrix engines' peak over the cores the program used, each at the fidelity it was charged."""
        return sum(c.peak_flops_per_cycle for c in self.cores)

    @property
    def utilization(self) -> float:
        """FLOP done / (peak_flops_per_cycle x run cycles): the one definition every report prints."""
        peak = self.peak_flops_per_cycle * self.total_cycles
        return self.flops / peak if peak else 0.0

    def utilization_text(self) -> str:
        """`10.6% of the matrix engines' peak on the 16 cores used (16 at HiFi4: 1,024 FLOP/cycle each)`."""
        by_fidelity: dict[tuple[str, float], int] = {}
        for c in self.cores:
            key = (c.peak_fidelity or "no compute kernel", c.peak_flops_per_cycle)
            by_fidelity[key] = by_fidelity.get(key, 0) + 1
        each = ", ".join(f"{n} at {fid}: {peak:,.0f} FLOP/cycle each" for (fid, peak), n in by_fidelity.items())
        return f"{100 * self.utilization:.1f}% of the matrix engines' peak on the {len(self.cores)} cores used ({each})"

    @property
    def dram_bytes(self) -> int:
        return sum(b.bytes_read + b.bytes_written for b in self.dram)

    def to_dict(self) -> dict:
        """The stats.json document."""
        return _stats_dict(self)

    def json_text(self) -> str:
        """stats.json's text."""
        return json.dumps(self.to_dict(), separators=(",", ":")) + "\n"

    def save(self, path: Path) -> None:
        """Write stats.json whole or not at all (tensix/files.py)."""
        write_text_atomically(path, self.json_text())


def read_stats(path: Path) -> Stats:
    """Stats from a stats.json file; a missing file or field raises RunFileError naming both."""
    return parse_stats(read_json(path))


# --- building (Mesh.run) ----------------------------------------------------------------------------------------
class StatsMemo:
    """What a Mesh keeps for the stats of its next run: the device's description (it has no run in it), and the
    last run's links and zero-skip rows by their values. A run of the same program finds most of its own there
    and shares those (frozen) objects instead of building each again; only the last run's are kept."""

    def __init__(self, cfg: MeshConfig):
        self.info = device_info(cfg)
        self.links: dict[tuple, Link] = {}  # (noc, (x, y, dir), bytes, busy cycles) -> its Link
        self.zero_skip: dict[tuple, ZeroSkipOp] = {}  # see ZeroSkipPolicy.to_stats


def build_stats(device, total_cycles: int, flops: int, memo: StatsMemo | None = None) -> Stats:
    """The stats of a finished run on `device` (tensix.device.Device); `memo`: what the caller keeps from run to
    run (a Mesh: its StatsMemo)."""
    cfg, timing = device.cfg, device.timing
    memo = memo or StatsMemo(cfg)
    busy: dict[Coord, dict[str, int]] = {}
    fidelities: dict[Coord, tuple[str, ...]] = {}
    fastest: dict[Coord, int] = {}  # cycles of the fastest tile product a core's matmuls were charged (format too)
    for k in device.kernels:
        busy.setdefault(k.core, {})[k.role] = k.busy_cycles
        if k.role == "compute":  # those a compiled program's steps chose, else the one the kernel was given
            fidelities[k.core] = tuple(sorted(k.fidelities or {k.fidelity}, key=FIDELITY_PHASES.get))
            fastest[k.core] = k.fastest_matmul
    cores = []
    for c in sorted(device.cores, key=lambda c: (c[1], c[0])):
        core, roles = device.cores[c], busy.get(c, {})
        main = roles.get("compute", max(roles.values(), default=0))
        fids = fidelities.get(c, ())
        sram = core.sram
        cores.append(CoreStats(
            core=c, noc=core.noc_xy, busy_cycles=tuple(roles.items()),
            busy_fraction=round(main / total_cycles, 6) if total_cycles else 0.0,
            sram_capacity=sram.capacity, sram_high_water=sram.high_water,
            buffers=tuple(sram.allocations),  # (an allocation is a stats Buffer)
            fidelities=fids, peak_flops_per_cycle=MATMUL_TILE_FLOPS / (fastest.get(c) or timing.matmul(
                fids[0] if fids else timing.default_fidelity))))
    last, memo.links = memo.links, {}
    for used in device.fabric.used_links():
        link = last.get(used)
        if link is None:
            noc, (x, y, d), b, bc = used
            link = Link(noc, (x, y), link_end((x, y, d), cfg.width, cfg.height), d, b, bc)
        memo.links[used] = link
    dram = tuple(DramBank(b.index, b.noc_xy, b.bytes_read, b.bytes_written) for b in device.dram.banks)
    zero_skip = device.zero_skip.to_stats(memo) if device.zero_skip is not None else None
    return Stats(STATS_VERSION, memo.info, total_cycles, flops, tuple(device.fabric.noc_bytes),
                 tuple(memo.links.values()), tuple(cores), dram, len(device.transfers), zero_skip,
                 timing_only=device.timing_only)


def device_info(cfg: MeshConfig) -> DeviceInfo:
    tiles = tuple(Tile(x, y, cfg.kind((x, y)).value) for y in range(cfg.height) for x in range(cfg.width))
    return DeviceInfo(cfg.name, cfg.width, cfg.height, cfg.clock_hz, cfg.link_bytes_per_cycle, cfg.l1_bytes, tiles,
                      tuple((c, cfg.noc_xy(c)) for c in cfg.logical_cores()))


# --- JSON: writing ------------------------------------------------------------------------------------------------
def _stats_dict(s: Stats) -> dict:
    d = {
        "version": s.version,
        "device": _device_dict(s.device),
        "total_cycles": s.total_cycles,
        "flops": s.flops,
        "peak_flops_per_cycle": s.peak_flops_per_cycle,  # derived: written for other readers, not read back
        "utilization": s.utilization,  # derived
        "noc_bytes": list(s.noc_bytes),
        "links": [{"noc": ln.noc, "from": list(ln.src), "to": list(ln.dst), "dir": ln.dir, "bytes": ln.nbytes,
                   "busy_cycles": ln.busy_cycles} for ln in s.links],
        "cores": [_core_dict(c) for c in s.cores],
        "dram": [{"bank": b.bank, "noc": list(b.noc), "bytes_read": b.bytes_read, "bytes_written": b.bytes_written}
                 for b in s.dram],
        "transfers": s.transfers,
        "zero_skip": None if s.zero_skip is None else _zero_skip_dict(s.zero_skip),
        "reference": None if s.reference is None else {
            e.name: {"max_abs_error": e.max_abs_error, "max_abs_reference": e.max_abs_reference,
                     "nonfinite_mismatches": e.nonfinite_mismatches} for e in s.reference},
        "timing_only": s.timing_only,
    }
    return d


def _device_dict(dev: DeviceInfo) -> dict:
    return {"name": dev.name, "width": dev.width, "height": dev.height, "clock_hz": dev.clock_hz,
            "link_bytes_per_cycle": dev.link_bytes_per_cycle, "l1_bytes": dev.l1_bytes,
            "tiles": [{"x": t.x, "y": t.y, "kind": t.kind} for t in dev.tiles],
            "compute_cores": [{"core": list(c), "noc": list(n)} for c, n in dev.compute_cores]}


def _core_dict(c: CoreStats) -> dict:
    return {"core": list(c.core), "noc": list(c.noc), "busy_cycles": dict(c.busy_cycles),
            "busy_fraction": c.busy_fraction, "sram_capacity": c.sram_capacity, "sram_high_water": c.sram_high_water,
            "buffers": [{"name": b.name, "kind": b.kind, "address": b.address, "nbytes": b.nbytes} for b in c.buffers],
            "fidelities": list(c.fidelities), "peak_flops_per_cycle": c.peak_flops_per_cycle}


def _zero_skip_dict(z: ZeroSkipStats) -> dict:
    t = z.totals
    return {
        "enabled": z.enabled, "threshold": z.threshold,
        "totals": {"macs_total": t.macs_total, "macs_skipped": t.macs_skipped, "noc_bytes_skipped": t.noc_bytes_skipped,
                   "dram_bytes_skipped": t.dram_bytes_skipped, "cycles_avoided": t.cycles_avoided,
                   "cycles_overhead": t.cycles_overhead, "cycles_skipped": t.cycles_skipped},  # derived
        "ops": [{"op": o.op, "core": list(o.core), "zero_fraction": o.zero_fraction, "macs_total": o.macs_total,
                 "macs_skipped": o.macs_skipped, "noc_bytes_skipped": o.noc_bytes_skipped,
                 "dram_bytes_skipped": o.dram_bytes_skipped, "cycles_avoided": o.cycles_avoided,
                 "cycles_overhead": o.cycles_overhead, "steps_gathered": o.steps_gathered,
                 "steps_streamed": o.steps_streamed} for o in z.ops],
        "dense": None if z.dense is None else {"cycles": z.dense.cycles, "noc_bytes": z.dense.noc_bytes,
                                               "dram_bytes": z.dense.dram_bytes},
        "error_vs_dense": None if z.error_vs_dense is None else dict(z.error_vs_dense),
    }


# --- JSON: reading ------------------------------------------------------------------------------------------------
def parse_stats(d: JsonDoc) -> Stats:
    """Stats from the parsed stats.json document (every field checked; derived fields are not read)."""
    if not d.has("version"):
        raise d.fail(f"has no 'version': written by an older tensix (this one reads stats version {STATS_VERSION})")
    version = d["version"].int()
    if version != STATS_VERSION:
        raise d["version"].fail(f"is {version}; this tensix reads stats version {STATS_VERSION}")
    return Stats(
        version=version,
        device=_device(d["device"]),
        total_cycles=d["total_cycles"].int(),
        flops=d["flops"].int(),
        noc_bytes=tuple(v.int() for v in d["noc_bytes"].items()),
        links=tuple(_link(ln) for ln in d["links"].items()),
        cores=tuple(_core(c) for c in d["cores"].items()),
        dram=tuple(_dram(b) for b in d["dram"].items()),
        transfers=d["transfers"].int(),
        zero_skip=_zero_skip(d["zero_skip"]) if d.has("zero_skip") else None,
        reference=tuple(OutputError(name, e["max_abs_error"].float(), e["max_abs_reference"].float(),
                                    e["nonfinite_mismatches"].int())
                        for name, e in d["reference"].fields()) if d.has("reference") else None,
        timing_only=d["timing_only"].bool(),
    )


def _device(d: JsonDoc) -> DeviceInfo:
    return DeviceInfo(
        name=d["name"].str(),
        width=d["width"].int(),
        height=d["height"].int(),
        clock_hz=d["clock_hz"].float(),
        link_bytes_per_cycle=d["link_bytes_per_cycle"].int(),
        l1_bytes=d["l1_bytes"].int(),
        tiles=tuple(_tile(t) for t in d["tiles"].items()),
        compute_cores=tuple((c["core"].coord(), c["noc"].coord()) for c in d["compute_cores"].items()),
    )


def _tile(d: JsonDoc) -> Tile:
    kind = d["kind"].str()
    return Tile(d["x"].int(), d["y"].int(), kind if kind in TILE_KINDS else "other")


def _link(d: JsonDoc) -> Link:
    return Link(noc=d["noc"].int(), src=d["from"].coord(), dst=d["to"].coord(), dir=d["dir"].choice(tuple(STEP)),
                nbytes=d["bytes"].int(), busy_cycles=d["busy_cycles"].int())


def _core(d: JsonDoc) -> CoreStats:
    return CoreStats(
        core=d["core"].coord(),
        noc=d["noc"].coord(),
        busy_cycles=tuple((role, v.int()) for role, v in d["busy_cycles"].fields()),
        busy_fraction=d["busy_fraction"].float(),
        sram_capacity=d["sram_capacity"].int(),
        sram_high_water=d["sram_high_water"].int(),
        buffers=tuple(Buffer(b["name"].str(), b["kind"].str(), b["address"].int(), b["nbytes"].int())
                      for b in d["buffers"].items()),
        fidelities=tuple(f.choice(tuple(FIDELITY_PHASES)) for f in d["fidelities"].items()),
        peak_flops_per_cycle=d["peak_flops_per_cycle"].float(),
    )


def _dram(d: JsonDoc) -> DramBank:
    return DramBank(d["bank"].int(), d["noc"].coord(), d["bytes_read"].int(), d["bytes_written"].int())


def _zero_skip(d: JsonDoc) -> ZeroSkipStats:
    dense = d["dense"] if d.has("dense") else None
    return ZeroSkipStats(
        enabled=d["enabled"].bool(),
        threshold=d["threshold"].float(),
        ops=tuple(_zero_op(z) for z in d["ops"].items()),
        dense=DenseRun(dense["cycles"].int(), dense["noc_bytes"].int(), dense["dram_bytes"].int()) if dense else None,
        error_vs_dense=tuple((name, v.float()) for name, v in d["error_vs_dense"].fields())
        if d.has("error_vs_dense") else None,
    )


def _zero_op(d: JsonDoc) -> ZeroSkipOp:
    return ZeroSkipOp(
        op=d["op"].str(),
        core=d["core"].coord(),
        macs_skipped=d["macs_skipped"].int(),
        macs_total=d["macs_total"].int(),
        noc_bytes_skipped=d["noc_bytes_skipped"].int(),
        dram_bytes_skipped=d["dram_bytes_skipped"].int(),
        zero_fraction=d["zero_fraction"].float(),
        cycles_avoided=d["cycles_avoided"].int(),
        cycles_overhead=d["cycles_overhead"].int(),
        **{k: d[k].int() for k in ("steps_gathered", "steps_streamed") if d.has(k)},
    )
