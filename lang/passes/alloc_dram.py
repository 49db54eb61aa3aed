"""alloc_dram: give every DRAM tensor its bank offset, reusing the space of intermediates that are dead by then.

Runs after reside (tensors kept in L1 take no DRAM). Tensors are placed in the order the device allocates them
(passes/emit.py dram_buffers), each at the lowest offset where it overlaps no tensor still alive for it: inputs,
params and state live for the whole program, outputs from their first write on, and an intermediate is dead for a
new tensor once every step reading or writing it is ordered before every step writing the new one by the
schedule's synchronization (passes/lifetimes.py), not merely by program order: cores run ahead of each other. A
program whose tensors all stay alive lays out as before, one after another.

graph.meta["dram"]: {buffer: bank offset} of the tensors not simply after the ones before (those laid over dead
ones' space; `base=` in the schedule text); meta["dram_nbytes"]: the top of the highest tensor per bank, and
meta["dram_unshared_nbytes"]: what it would be without reuse. Raises PlacementError when even with reuse the
tensors do not fit, at the op whose output does not.
"""

from __future__ import annotations

from dataclasses import replace

from tensix.config import MeshConfig
from tensix.dram import describe
from tensix.lang.errors import PlacementError
from tensix.lang.ir import Graph
from tensix.lang.passes.emit import dram_buffers
from tensix.lang.passes.lifetimes import Lifetimes

LIVE_ALL_ALONG = ("input", "param", "state", "output", "state_next")  # never dead for a later tensor


def alloc_dram(graph: Graph, cfg: MeshConfig) -> Graph:
    banks = max(1, len(cfg.dram_banks))
    buffers = [b for b in dram_buffers(graph) if b.memory == "dram"]
    lives = Lifetimes(graph, {b.name for b in buffers})
    placed: list[tuple[str, int, int, bool]] = []  # (name, base, end, may die)
    bases, unshared = {}, 0
    for b in buffers:
        d = describe(b.name, b.shape, b.dtype, b.layout, b.bank_cols)
        size = d.slots_per_bank(banks) * d.page_nbytes
        unshared += size
        mortal = [p for p in placed if p[3]]
        dead = dict(zip((p[0] for p in mortal), lives.dead_for([p[0] for p in mortal], b.name), strict=True))
        taken = sorted((base, end) for name, base, end, _ in placed if not dead.get(name, False))
        base = _first_fit(taken, size)
        if cfg.dram_banks and base + size > cfg.dram_bank_bytes:
            raise _full(graph, b.name, base + size, unshared, cfg)
        if base != max((end for _, _, end, _ in placed), default=0):  # else where the device puts it unasked
            bases[b.name] = base
        placed.append((b.name, base, base + size, b.role not in LIVE_ALL_ALONG))
    top = max((end for _, _, end, _ in placed), default=0)
    meta = {"dram": bases, "dram_nbytes": top, "dram_unshared_nbytes": unshared}
    return replace(graph, meta={**graph.meta, **meta})


def _first_fit(taken: list[tuple[int, int]], size: int) -> int:
    """The lowest offset where `size` bytes overlap none of the `taken` ranges (sorted by start)."""
    at = 0
    for start, end in taken:
        if start - at >= size and size:
            return at
        at = max(at, end)
    return at


def _full(graph: Graph, name: str, top: int, unshared: int, cfg: MeshConfig) -> PlacementError:
    names = graph.meta["buffers"]
    node = next((n for n in graph.nodes if names.get(n.id) == name), None)
    pos = node.pos if node is not None else next((v.pos for v in (*graph.inputs, *graph.params)), None)
    return PlacementError(pos, f"DRAM tensor '{name}' ends at {top:,} B in each bank, with every dead "
                               f"intermediate's space reused (without reuse the tensors up to it take {unshared:,} B "
                               f"per bank), but {cfg.name}'s banks hold {cfg.dram_bank_bytes:,} B each; use smaller "
                               f"shapes, bf16 or bfp8_b tensors, or a device with more DRAM")
