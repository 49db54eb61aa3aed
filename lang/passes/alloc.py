"""alloc: size every core's circular buffers for the steps it runs and check they fit in its SRAM (with the
semaphores every core holds and the staging buffers of cores that need one; cores of grid multicast matmuls
share their matmul CBs' layout: stages/layout.core_layouts).

A core that overflows raises PlacementError at the op needing the largest buffer there, listing each
buffer of that core with its size and the ops that use it.
"""

from __future__ import annotations

from dataclasses import replace

from tensix.config import MeshConfig
from tensix.core import SEMAPHORE_NBYTES
from tensix.formats import tile_nbytes
from tensix.lang.errors import PlacementError
from tensix.lang.ir import Graph, Node
from tensix.lang.passes.tile import rows_name
from tensix.programs.stages import cb_requirements
from tensix.programs.stages.layout import SLOTS, core_layouts, staging_sizes


def alloc(graph: Graph, cfg: MeshConfig) -> Graph:
    """graph.meta["sram"]: {core: bytes used}; raises PlacementError for a core whose buffers do not fit."""
    formats = _formats(graph)
    per_core: dict[tuple[int, int], list[tuple[Node, dict]]] = {}
    for n in graph.nodes:
        for core, step in n.attrs["_steps"].items():
            per_core.setdefault(core, []).append((n, step))
    # one readiness semaphore per op, and a ready and a valid one per CB unit of each multicast operand
    mcast_ops = sum(any(st.get("mcast") for st in n.attrs["_steps"].values()) for n in graph.nodes)
    sems = SEMAPHORE_NBYTES * (len(graph.nodes) + 4 * SLOTS * mcast_ops)
    staging = staging_sizes({c: [st for _, st in items] for c, items in per_core.items()}, formats)
    used = {}
    per_core_cbs = {}  # emit declares exactly these
    layouts = core_layouts({c: [st for _, st in items] for c, items in per_core.items()}, formats)
    for core, items in per_core.items():
        cbs = per_core_cbs[core] = layouts[core][1]
        sizes = {cb: -(-pages * tile_nbytes(fmt) // cfg.l1_alignment) * cfg.l1_alignment
                 for cb, (fmt, pages) in cbs.items()}
        mine = staging.get(core, {})
        used[core] = sum(sizes.values()) + sems + sum(-(-b // cfg.l1_alignment) * cfg.l1_alignment
                                                      for b in mine.values())
        if used[core] > cfg.l1_bytes:
            raise _overflow(core, items, cbs, sizes, sems, mine, used[core], cfg, formats)
    return replace(graph, meta={**graph.meta, "sram": used, "cbs": per_core_cbs})


def _formats(graph: Graph) -> dict[str, str]:
    names = graph.meta["buffers"]
    formats = {names[v]: device_dtype(t.dtype) for v, t in graph.types().items()}
    return formats | {rows_name(w): formats[w] for w in graph.meta.get("layouts", {})}  # row-major weight copies


def device_dtype(dtype: str) -> str:
    return "fp32" if dtype == "int32" else dtype


def _overflow(core, items, cbs, sizes, sems, staging, total, cfg, formats) -> PlacementError:
    biggest = max(sizes, key=sizes.get)
    users = {cb: [n for n, s in items if cb in cb_requirements([s], formats)] for cb in cbs}
    lines = [f"  CB {cb} ({cbs[cb][0]}, {cbs[cb][1]} pages): {sizes[cb]} B for "
             + (", ".join(sorted({f"%{n.id} {n.attrs.get('source_op', n.op)}" for n in users[cb]}))
                or "the multicast matmuls of other cores (their operand CBs sit alike on every such core)")
             for cb in sorted(sizes)]
    lines += [f"  multicast staging '{name}': {nbytes} B" for name, nbytes in staging.items()]
    lines.append(f"  semaphores: {sems} B")
    node = (users[biggest] or [items[0][0]])[0]
    return PlacementError(node.pos, f"core {core} needs {total} B of SRAM but has {cfg.l1_bytes} B:\n"
                                    + "\n".join(lines) + "\nspread these ops over more cores with @cores(...)")
