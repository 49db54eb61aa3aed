"""The compiler: a checked Graph through the named passes to a Schedule, and the Program that runs it.

    decompose -> fuse -> place -> tile -> route -> alloc -> reside -> alloc_dram -> emit

The IR verifier runs between passes, and the schedule verifier on emit's Schedule, under TENSIX_DEBUG=1 or with
debug=True (always in tests: tests/conftest.py).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from tensix.collector import paused
from tensix.config import MeshConfig
from tensix.errors import ConfigError
from tensix.formats import tile_nbytes
from tensix.lang import pages
from tensix.lang.check import check_file, check_source
from tensix.lang.errors import PlacementError, SourceError
from tensix.lang.ir import FIDELITIES, Graph
from tensix.lang.passes.alloc import alloc, device_dtype
from tensix.lang.passes.alloc_dram import alloc_dram
from tensix.lang.passes.decompose import PRIMITIVES, decompose
from tensix.lang.passes.emit import emit
from tensix.lang.passes.fuse import fuse
from tensix.lang.passes.place import place
from tensix.lang.passes.reside import reside
from tensix.lang.passes.route import route
from tensix.lang.passes.tile import tile
from tensix.lang.verify import verify
from tensix.presets import resolve
from tensix.program import Program
from tensix.programs.stages import build
from tensix.schedule.contract import Schedule
from tensix.schedule.verify import verify_schedule

PASSES = (
    ("decompose", decompose),
    ("fuse", lambda g, cfg: fuse(g)),
    ("place", place),
    ("tile", tile),
    ("route", lambda g, cfg: route(g)),
    ("alloc", alloc),
    ("reside", reside),
    ("alloc_dram", alloc_dram),
)


@dataclass
class Compiled:
    """A compiled program: the checked source graph, the lowered graph, its Schedule and the Program running it,
    and compiler constants."""

    graph: Graph
    lowered: Graph
    program: Program
    device: MeshConfig
    schedule: Schedule | None = None

    @property
    def constants(self) -> dict[str, np.ndarray]:
        """Tensors the compiler made (causal masks, rotary tables): extra params of the Program."""
        return self.lowered.meta.get("constants", {})


def compile_graph(graph: Graph, device: str | MeshConfig | None = None, *, zero_skip: bool = False,
                  debug: bool | None = None, fidelity: str | None = None) -> Compiled:
    """Run every pass; `device` overrides the graph's own `device` line (default: wormhole_n150).

    zero_skip: plan for zero-activation skipping (decode-sized ReLU/gated matmuls read weights row by row).
    fidelity: the program's default math fidelity (lofi, hifi2, hifi3, hifi4), overriding its `fidelity` line;
    ops annotated `@fidelity(...)` keep theirs.
    """
    cfg = resolve(device if device is not None else graph.device)
    if fidelity is not None or graph.fidelity is not None:
        graph = replace(graph, fidelity=_fidelity(fidelity or graph.fidelity))
    debug = os.environ.get("TENSIX_DEBUG") == "1" if debug is None else debug
    lowered = replace(graph, meta={**graph.meta, "zero_skip": zero_skip})
    with paused():  # the passes build many step dicts and page lists that all live until the end
        try:
            _check_dram(graph, cfg)
            for name, run in PASSES:
                lowered = run(lowered, cfg)
                if debug:
                    verify(lowered, after=name, ops=PRIMITIVES)
        except SourceError as e:
            raise with_source(e, graph) from None
        schedule = emit(lowered, cfg.name)
        if debug:
            verify_schedule(schedule, cfg)
    return Compiled(graph, lowered, build.program(schedule), cfg, schedule)


def _fidelity(name: str) -> str:
    if name not in FIDELITIES:
        raise ConfigError(f"unknown math fidelity '{name}'; use lofi, hifi2, hifi3 or hifi4")
    return name


def with_source(error: SourceError, graph: Graph) -> SourceError:
    """The error with its file's text attached (passes know positions, not texts), so it prints line and caret."""
    if error.source is None and error.pos is not None:
        error.source = graph.meta.get("sources", {}).get(error.pos.path)
    return error


def _check_dram(graph: Graph, cfg: MeshConfig) -> None:
    """Inputs, params and outputs keep their DRAM for the whole program, and one intermediate at a time needs its
    own: refuse a program whose tensors cannot fit even then before a pass builds per-tile tables (or an S x S
    causal mask) for it. alloc_dram checks the real need, with dead intermediates' space reused. A mesh without
    DRAM banks is left to the runtime."""
    capacity = cfg.dram_bank_bytes * len(cfg.dram_banks)
    types = graph.types()
    nbytes = {v: math.prod(pages.grid(t.shape)) * tile_nbytes(device_dtype(t.dtype)) for v, t in types.items()}
    kept = {i.name for i in (*graph.inputs, *graph.params)} | {o.value for o in graph.outputs}
    total = sum(nbytes[v] for v in kept) + max((b for v, b in nbytes.items() if v not in kept), default=0)
    if capacity and total > capacity:
        big = max(nbytes, key=nbytes.get)
        pos = next(item.pos for item in (*graph.inputs, *graph.params, *graph.nodes)
                   if getattr(item, "id", getattr(item, "name", None)) == big)
        raise PlacementError(pos, f"the program's inputs, params and outputs with its largest intermediate need "
                                  f"{total:,} B of DRAM but {cfg.name} has {capacity:,} B; the largest tensor, "
                                  f"{types[big]}, needs {nbytes[big]:,} B")


def compile_source(text: str, path: str = "<input>", device: str | MeshConfig | None = None, *,
                   zero_skip: bool = False, fidelity: str | None = None) -> Compiled:
    with paused():  # parsing too: the trees are acyclic, and the collector would walk every live program
        return compile_graph(check_source(text, path), device, zero_skip=zero_skip, fidelity=fidelity)


def compile_file(path: str | Path, device: str | MeshConfig | None = None, *, zero_skip: bool = False,
                 fidelity: str | None = None) -> Compiled:
    with paused():
        return compile_graph(check_file(path), device, zero_skip=zero_skip, fidelity=fidelity)
