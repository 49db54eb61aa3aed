"""Load a saved run directory (stats.json, trace.json, and program.json when present) into frozen dataclasses.

Input: the directory the emulator wrote; output: `Run(path, stats, trace, program)`. The stats are the emulator's
own schema (tensix/stats.py), read and written by it alone. Every missing or malformed
file or field raises `RunFileError` naming the file, the field and what to run to create it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tensix.jsondoc import REWRITE_HINT, RUN_HINT, Coord, JsonDoc, RunFileError, read_json  # noqa: F401 (re-exported)
from tensix.noc.routing import STEP
from tensix.stats import Stats, read_stats

from .programfile import ProgramInfo, load_program


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
    return Run(path, read_stats(path / "stats.json"), parse_trace(read_json(path / "trace.json")),
               load_program(path / "program.json"))
