"""Read a run directory's optional `program.json` (the Program the run executed) into what the report says about it.

Input: the path of program.json; output: `ProgramInfo` (name, DRAM buffers with shapes and dtypes, circular
buffers, cores, kernels), or None when the run directory has no program.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tensix.jsondoc import Coord, JsonDoc, read_json


@dataclass(frozen=True, slots=True)
class DramBuffer:
    """A tensor in DRAM: `A bf16[512,512]`, with its role (input, param, output, scratch)."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    role: str

    def text(self) -> str:
        return f"{self.name} {self.dtype}[{','.join(map(str, self.shape))}]"


@dataclass(frozen=True, slots=True)
class CbInfo:
    """One circular buffer of the program, as declared (same on every core that has it)."""

    name: str
    cb_id: int
    dtype: str
    num_pages: int
    cores: int  # how many cores declare it


@dataclass(frozen=True, slots=True)
class ProgramInfo:
    name: str
    device: str | None
    buffers: tuple[DramBuffer, ...]
    cbs: tuple[CbInfo, ...]
    cores: tuple[Coord, ...]
    kernels: tuple[tuple[Coord, str, str, str], ...]  # (core, role, function, label)

    def roles(self) -> tuple[str, ...]:
        """Kernel roles in the order reader, compute, writer, then others."""
        order = {"reader": 0, "compute": 1, "writer": 2}
        return tuple(sorted({k[1] for k in self.kernels}, key=lambda r: (order.get(r, 9), r)))

    def cb(self, name: str) -> CbInfo | None:
        return next((c for c in self.cbs if c.name == name), None)


def _buffer(d: JsonDoc) -> DramBuffer:
    return DramBuffer(d["name"].str(), tuple(v.int() for v in d["shape"].items()), d["dtype"].str(),
                      d["role"].str())


def _cbs(d: JsonDoc) -> tuple[CbInfo, ...]:
    counts: dict[tuple[str, int, str, int], int] = {}
    for c in d.items():
        key = (c["name"].str(), c["cb_id"].int(), c["dtype"].str(), c["num_pages"].int())
        counts[key] = counts.get(key, 0) + 1
    return tuple(CbInfo(*key, cores) for key, cores in sorted(counts.items(), key=lambda kv: kv[0][1]))


def _kernel(d: JsonDoc) -> tuple[Coord, str, str, str]:
    fn = d["fn"].value
    return d["core"].coord(), d["role"].str(), fn if isinstance(fn, str) else "?", d.opt_str("label") or ""


def parse_program(d: JsonDoc) -> ProgramInfo:
    """ProgramInfo from the parsed program.json document (`Program.to_json()`)."""
    kernels = tuple(_kernel(k) for k in d["kernels"].items()) if d.has("kernels") else ()
    cbs = _cbs(d["cbs"]) if d.has("cbs") else ()
    cores = {k[0] for k in kernels} | {c["core"].coord() for c in (d["cbs"].items() if d.has("cbs") else [])}
    return ProgramInfo(
        name=d["name"].str(),
        device=d.opt_str("device"),
        buffers=tuple(_buffer(b) for b in d["buffers"].items()) if d.has("buffers") else (),
        cbs=cbs,
        cores=tuple(sorted(cores, key=lambda c: (c[1], c[0]))),
        kernels=kernels,
    )


def load_program(path: Path) -> ProgramInfo | None:
    """The program of a run, or None when `path` (a run directory's program.json) does not exist."""
    return parse_program(read_json(path)) if path.is_file() else None
