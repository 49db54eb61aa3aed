"""alloc: lay out every core's L1 for the steps it runs (the semaphore region, multicast staging buffers, then
its circular buffers, each at the address the device gives it) and check they fit in its SRAM. Cores of grid
multicast matmuls share their matmul CBs' layout (stages/layout.core_layouts). Runs after route, which decides
the semaphores. A streamed row op's block (rowfit.py, sized for a core holding nothing else) narrows, one more
block per row at a time, where the core it shares with other ops would overflow.

graph.meta["cores"]: the CoreSchedule of every core, in (y, x) order; meta["semaphores"]: the size of the
semaphore region; meta["sram"]: {core: bytes used}; meta["cbs"]: {core: {CB id: (format, pages)}}. A core that
overflows raises PlacementError at the op needing the largest buffer there, listing each buffer of that core with
its size and the ops that use it.
"""

from __future__ import annotations

from dataclasses import replace

from tensix.config import MeshConfig
from tensix.core import SEMAPHORE_NBYTES
from tensix.formats import tile_nbytes
from tensix.lang.errors import PlacementError
from tensix.lang.ir import Graph, Node
from tensix.lang.passes.tile import rows_name
from tensix.ops import Op
from tensix.programs.stages import cb_requirements, layout
from tensix.programs.stages.layout import SLOTS, core_schedules


def alloc(graph: Graph, cfg: MeshConfig) -> Graph:
    formats = _formats(graph)
    # one readiness semaphore per op, and a ready and a valid one per CB unit of each multicast operand
    mcast_ops = sum(any(getattr(st, "mcast", None) for st in n.attrs["_steps"].values()) for n in graph.nodes)
    sems = SEMAPHORE_NBYTES * (len(graph.nodes) + 4 * SLOTS * mcast_ops)
    while True:
        per_core: dict[tuple[int, int], list[tuple[Node, object]]] = {}
        for n in graph.nodes:
            for core, step in n.attrs["_steps"].items():
                per_core.setdefault(core, []).append((n, step))
        steps = {c: [st for _, st in items] for c, items in per_core.items()}
        # what each core's CBs and staging take decides whether a block narrows; their addresses and owners only
        # the final layout needs (a 30-layer model's narrowing took four more whole layouts)
        layouts, staging = layout.core_layouts(steps, formats), layout.staging_sizes(steps, formats)
        over = [c for c in sorted(steps, key=lambda c: (c[1], c[0]))
                if _used_bytes(layouts[c][1], staging.get(c, {}), sems, cfg) > cfg.l1_bytes]
        narrower = _narrower_stream(graph, [per_core[c] for c in over])
        if narrower is None:
            break
        graph = narrower
    count, cores = core_schedules(steps, formats, cfg.l1_alignment, layouts, staging)  # (the fitting graph's)
    used = {cs.core: _used(cs, sems, cfg) for cs in cores}
    over = [cs for cs in cores if used[cs.core] > cfg.l1_bytes]
    if over:
        cs = over[0]
        raise _overflow(cs.core, per_core[cs.core], {cb.id: (cb.fmt, cb.pages) for cb in cs.cbs}, _cb_sizes(cs, cfg),
                        sems, {b.name: b.nbytes for b in cs.buffers}, used[cs.core], cfg, formats)
    meta = {"sram": used, "cbs": {cs.core: {cb.id: (cb.fmt, cb.pages) for cb in cs.cbs} for cs in cores},
            "cores": tuple(cores), "semaphores": count}
    return replace(graph, meta={**graph.meta, **meta})


def _cb_sizes(cs, cfg: MeshConfig) -> dict[int, int]:
    return _sizes({cb.id: (cb.fmt, cb.pages) for cb in cs.cbs}, cfg)


def _sizes(cbs: dict[int, tuple[str, int]], cfg: MeshConfig) -> dict[int, int]:
    return {cb: _aligned(pages * tile_nbytes(fmt), cfg) for cb, (fmt, pages) in cbs.items()}


def _aligned(nbytes: int, cfg: MeshConfig) -> int:
    return -(-nbytes // cfg.l1_alignment) * cfg.l1_alignment


def _used(cs, sems: int, cfg: MeshConfig) -> int:
    return _used_bytes({cb.id: (cb.fmt, cb.pages) for cb in cs.cbs}, {b.name: b.nbytes for b in cs.buffers}, sems,
                       cfg)


def _used_bytes(cbs: dict[int, tuple[str, int]], staging: dict[str, int], sems: int, cfg: MeshConfig) -> int:
    """L1 bytes a core takes: its CBs ({id: (format, pages)}), the semaphore region and its multicast staging
    buffers ({name: bytes})."""
    return sum(_sizes(cbs, cfg).values()) + sems + sum(_aligned(n, cfg) for n in staging.values())


def _narrower_stream(graph: Graph, overflowing: list[list[tuple[Node, object]]]) -> Graph | None:
    """The graph with one more block per row for the streamed row ops (rowfit.py) of the widest block on each
    overflowing core (on all their cores), or None if none of those cores has one. rowfit sized the block for a
    core holding nothing else; a core's elementwise CBs all take its widest row block (layout.el_unit), so beside
    another op's large CBs (a matmul's) a narrower block is what lets the core fit."""
    narrow: dict[str, int] = {}
    for items in overflowing:
        streams = {n.id: s for n, s in items if s.op == Op.ROW and s.block > 1}
        widest = max((s.block for s in streams.values()), default=0)
        for nid, s in streams.items():
            if s.block == widest:  # evened out over the row, as rowfit.row_attrs
                narrow[nid] = min(s.block - 1, -(-s.nt // (-(-s.nt // s.block) + 1)))
    if not narrow:
        return None
    return replace(graph, nodes=tuple(_with_block(n, narrow[n.id]) if n.id in narrow else n for n in graph.nodes))


def _with_block(n: Node, block: int) -> Node:
    steps = {core: replace(s, block=block) for core, s in n.attrs["_steps"].items()}
    return replace(n, attrs={**n.attrs, "block": block, "_steps": steps})


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
