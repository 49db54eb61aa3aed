"""Load a saved run directory (stats.json, trace.json, and program.json when present) into frozen dataclasses.

Input: the directory the emulator wrote; output: `Run(path, stats, trace, program)`. Every missing or malformed
file or field raises `RunFileError` naming the file, the field and what to run to create it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tensix.config import TileKind
from tensix.noc.routing import STEP

from .jsondoc import REWRITE_HINT, RUN_HINT, Coord, JsonDoc, RunFileError, read_json  # noqa: F401 (re-exported)
from .programfile import ProgramInfo, load_program

TILE_KINDS = tuple(TileKind)


@dataclass(frozen=True, slots=True)
class Tile:
    x: int
    y: int
    kind: str


@dataclass(frozen=True, slots=True)
class Device:
    name: str
    width: int
    height: int
    clock_hz: float
    link_bytes_per_cycle: int
    l1_bytes: int
    peak_flops_per_cycle: int  # per core
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
    kind: str  # cb | l1 | semaphore
    address: int
    nbytes: int


@dataclass(frozen=True, slots=True)
class CoreStats:
    core: Coord
    noc: Coord
    busy_cycles: tuple[tuple[str, int], ...]  # (role, cycles)
    busy_fraction: float
    sram_capacity: int
    sram_high_water: int
    buffers: tuple[Buffer, ...]


@dataclass(frozen=True, slots=True)
class DramBank:
    bank: int
    noc: Coord
    bytes_read: int
    bytes_written: int


@dataclass(frozen=True, slots=True)
class ZeroSkipOp:
    op: str
    core: Coord
    macs_skipped: int
    macs_total: int
    noc_bytes_skipped: int
    dram_bytes_skipped: int
    cycles_skipped: int  # net: cycles_avoided - cycles_overhead
    zero_fraction: float
    cycles_avoided: int | None = None  # work not done
    cycles_overhead: int | None = None  # the zero checks that found it


@dataclass(frozen=True, slots=True)
class Stats:
    device: Device
    total_cycles: int
    flops: int
    noc_bytes: tuple[int, ...]
    links: tuple[Link, ...]
    cores: tuple[CoreStats, ...]
    dram: tuple[DramBank, ...]
    transfers: int
    zero_skip: tuple[ZeroSkipOp, ...] | None
    zero_skip_threshold: float = 0.0  # > 0: values below it were flushed to zero (outputs differ from dense)

    @property
    def nocs(self) -> tuple[int, ...]:
        """The NoC ids of the device (at least 0 and 1)."""
        return tuple(range(max(2, len(self.noc_bytes), 1 + max((ln.noc for ln in self.links), default=0))))


@dataclass(frozen=True, slots=True)
class Span:
    core: Coord
    role: str
    name: str
    start: int
    end: int
    count: int
    op: str | None
    src: str | None


@dataclass(frozen=True, slots=True)
class Transfer:
    id: int
    noc: int
    kind: str  # read | write | mcast | sem
    issuer: Coord
    role: str
    src: Coord
    dst: Coord | None
    rect: tuple[int, int, int, int] | None
    nbytes: int
    start: int
    end: int
    links: tuple[tuple[int, int, str], ...]


@dataclass(frozen=True, slots=True)
class Trace:
    clock_hz: float
    spans: tuple[Span, ...]
    transfers: tuple[Transfer, ...]


@dataclass(frozen=True, slots=True)
class Run:
    path: Path
    stats: Stats
    trace: Trace
    program: ProgramInfo | None = None  # from program.json, which only some runs have


def _tile(d: JsonDoc) -> Tile:
    kind = d["kind"].str()
    return Tile(d["x"].int(), d["y"].int(), kind if kind in TILE_KINDS else "other")


def _device(d: JsonDoc) -> Device:
    return Device(
        name=d["name"].str(),
        width=d["width"].int(),
        height=d["height"].int(),
        clock_hz=d["clock_hz"].float(),
        link_bytes_per_cycle=d["link_bytes_per_cycle"].int(),
        l1_bytes=d["l1_bytes"].int(),
        peak_flops_per_cycle=d["peak_flops_per_cycle"].int(),
        tiles=tuple(_tile(t) for t in d["tiles"].items()),
        compute_cores=tuple((c["core"].coord(), c["noc"].coord()) for c in d["compute_cores"].items()),
    )


def _link(d: JsonDoc) -> Link:
    return Link(
        noc=d["noc"].int(),
        src=d["from"].coord(),
        dst=d["to"].coord(),
        dir=d["dir"].choice(tuple(STEP)),
        nbytes=d["bytes"].int(),
        busy_cycles=d["busy_cycles"].int(),
    )


def _buffer(d: JsonDoc) -> Buffer:
    return Buffer(d["name"].str(), d["kind"].str(), d["address"].int(), d["nbytes"].int())


def _core(d: JsonDoc) -> CoreStats:
    busy = d["busy_cycles"]
    if not isinstance(busy.value, dict):
        raise busy.fail("should be an object of cycles per role")
    return CoreStats(
        core=d["core"].coord(),
        noc=d["noc"].coord(),
        busy_cycles=tuple((role, busy[role].int()) for role in busy.value),
        busy_fraction=d["busy_fraction"].float(),
        sram_capacity=d["sram_capacity"].int(),
        sram_high_water=d["sram_high_water"].int(),
        buffers=tuple(_buffer(b) for b in d["buffers"].items()) if d.has("buffers") else (),
    )


def _dram(d: JsonDoc) -> DramBank:
    return DramBank(d["bank"].int(), d["noc"].coord(), d["bytes_read"].int(), d["bytes_written"].int())


def _zero_op(d: JsonDoc) -> ZeroSkipOp:
    return ZeroSkipOp(
        op=d["op"].str(),
        core=d["core"].coord(),
        macs_skipped=d["macs_skipped"].int(),
        macs_total=d["macs_total"].int(),
        noc_bytes_skipped=d["noc_bytes_skipped"].int(),
        dram_bytes_skipped=d["dram_bytes_skipped"].int(),
        cycles_skipped=d["cycles_skipped"].int(),
        zero_fraction=d["zero_fraction"].float(),
        cycles_avoided=d["cycles_avoided"].int() if d.has("cycles_avoided") else None,
        cycles_overhead=d["cycles_overhead"].int() if d.has("cycles_overhead") else None,
    )


def parse_stats(d: JsonDoc) -> Stats:
    """Stats from the parsed stats.json document."""
    return Stats(
        device=_device(d["device"]),
        total_cycles=d["total_cycles"].int(),
        flops=d["flops"].int(),
        noc_bytes=tuple(v.int() for v in d["noc_bytes"].items()),
        links=tuple(_link(ln) for ln in d["links"].items()),
        cores=tuple(_core(c) for c in d["cores"].items()),
        dram=tuple(_dram(b) for b in d["dram"].items()) if d.has("dram") else (),
        transfers=d["transfers"].int() if d.has("transfers") else 0,
        zero_skip=tuple(_zero_op(z) for z in d["zero_skip"]["ops"].items()) if d.has("zero_skip") else None,
        zero_skip_threshold=d["zero_skip"]["threshold"].float() if d.has("zero_skip") and d["zero_skip"].has(
            "threshold") else 0.0,
    )


def _span(d: JsonDoc) -> Span:
    return Span(
        core=d["core"].coord(),
        role=d["role"].str(),
        name=d["name"].str(),
        start=d["start"].int(),
        end=d["end"].int(),
        count=d["count"].int() if d.has("count") else 1,
        op=d.opt_str("op"),
        src=d.opt_str("src"),
    )


def _link_use(d: JsonDoc) -> tuple[int, int, str]:
    parts = d.items()
    if len(parts) != 3:
        raise d.fail(f"should be [x, y, dir], not {d.value!r:.40}")
    return parts[0].int(), parts[1].int(), parts[2].choice(tuple(STEP))


def _transfer(d: JsonDoc) -> Transfer:
    return Transfer(
        id=d["id"].int(),
        noc=d["noc"].int(),
        kind=d["kind"].choice(("read", "write", "mcast", "sem")),
        issuer=d["issuer"].coord(),
        role=d["role"].str(),
        src=d["src"].coord(),
        dst=d["dst"].coord() if d.has("dst") else None,
        rect=d["rect"].ints(4) if d.has("rect") else None,  # type: ignore[arg-type]
        nbytes=d["nbytes"].int(),
        start=d["start"].int(),
        end=d["end"].int(),
        links=tuple(_link_use(ln) for ln in d["links"].items()),
    )


def parse_trace(d: JsonDoc) -> Trace:
    """Trace from the parsed trace.json document."""
    return Trace(
        clock_hz=d["clock_hz"].float(),
        spans=tuple(_span(s) for s in d["spans"].items()),
        transfers=tuple(_transfer(t) for t in d["transfers"].items()),
    )


def load_run(run_dir: str | Path) -> Run:
    """Read `run_dir/stats.json`, `run_dir/trace.json` and (if there) `run_dir/program.json`.

    Raises
    ------
    RunFileError
        If the directory or a file is missing, not JSON, or lacks a field; the message names both.
    """
    path = Path(run_dir)
    if not path.is_dir():
        raise RunFileError(f"run directory {path} not found; {RUN_HINT}")
    return Run(path, parse_stats(read_json(path / "stats.json")), parse_trace(read_json(path / "trace.json")),
               load_program(path / "program.json"))
