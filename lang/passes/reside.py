"""reside: choose which tensors live in L1 instead of DRAM, and lay out their shards after each core's CBs.

- `@l1` inputs and params are split over their cores (`@cores`, default the whole grid) by `@shard` (height, the
  default: whole tile rows per core; width: whole tile columns; block: a tile-row band by a tile-column band per
  core of the rectangle); the host writes each shard straight into its core's L1.
- `@l1` values (a let's or an output's) keep each page in the L1 of the core whose step writes it: the writer
  stores it locally, and a reader on another core fetches it over the NoC.
- Every other intermediate is kept in L1 the same way when each step reading it runs on the core that wrote the
  pages it reads (an elementwise chain, a matmul feeding an elementwise op over the same blocks), so it never
  crosses the NoC, or when it is a token's activation (one row per matrix: a decode step's), and its shards fit in
  what alloc left free; otherwise it stays in DRAM. The choice shows in
  `--emit ir` as `mem=l1`, or `mem=dram(L1 full)` for one that would have stayed local but did not fit.

Runs after alloc. graph.meta["l1"]: {buffer: {core: pages}}; meta["cores"]: each CoreSchedule with its shards
(a core holding only shards gets an empty schedule); meta["sram"]: bytes used per core, shards included.
"""

from __future__ import annotations

from dataclasses import replace

from tensix.config import MeshConfig
from tensix.core import SEMAPHORE_NBYTES
from tensix.formats import tile_nbytes
from tensix.lang import pages as tiles
from tensix.lang.errors import PlacementError
from tensix.lang.ir import Graph, Input, Node, Param
from tensix.lang.passes.alloc import device_dtype
from tensix.schedule.contract import CoreSchedule, L1Shard, Units

Coord = tuple[int, int]


def reside(graph: Graph, cfg: MeshConfig) -> Graph:
    names, cores = graph.meta["buffers"], {cs.core: cs for cs in graph.meta["cores"]}
    tops = {c: _top(cs, graph.meta["semaphores"]) for c, cs in cores.items()}
    placed: dict[str, dict[Coord, tuple[int, ...]]] = {}
    shards: dict[Coord, list[L1Shard]] = {}
    readers = _readers(graph, names)

    def take(buffer: str, dtype: str, owners: dict[Coord, list[int]]) -> Coord | None:
        """Lay the shards out when all fit; else the first core where one does not."""
        page = tile_nbytes(device_dtype(dtype))
        addrs = {}
        for core, pages in owners.items():
            top = tops.get(core, graph.meta["semaphores"] * SEMAPHORE_NBYTES)
            addrs[core] = -(-top // cfg.l1_alignment) * cfg.l1_alignment
            if addrs[core] + len(pages) * page > cfg.l1_bytes:
                return core
        for core, pages in owners.items():
            shards.setdefault(core, []).append(L1Shard(buffer, tuple(pages), len(pages) * page, addrs[core]))
            tops[core] = addrs[core] + len(pages) * page
        placed[buffer] = {c: tuple(p) for c, p in owners.items()}
        return None

    for value in (*graph.inputs, *graph.params):
        if value.annotations.l1:
            owners = _sharded(value, cfg)
            full = take(value.name, value.type.dtype, owners)
            if full is not None:
                raise _no_room(value.annotations.l1_pos or value.pos, value.name, full, owners, value.type.dtype,
                               tops, cfg)
    outputs = {o.value: o for o in graph.outputs}
    updates = set(graph.meta.get("state", {}).values())
    nodes = []
    for n in graph.nodes:
        out = outputs.get(n.id)
        asked = bool(n.annotations.l1) or bool(out and out.l1)
        if out is not None and (out.name in updates or not asked):
            nodes.append(n)  # a program output stays in DRAM unless asked; a state's update always does
            continue
        owners = _written(n)
        if not asked and not _one_row(n, updates) and not _local(owners, readers.get(names[n.id], [])):
            nodes.append(n)
            continue
        full = take(names[n.id], n.type.dtype, owners)
        if full is not None and asked:
            pos = n.annotations.l1_pos or (out.pos if out is not None else n.pos)
            raise _no_room(pos, names[n.id], full, owners, n.type.dtype, tops, cfg)
        nodes.append(replace(n, attrs={**n.attrs, "mem": "l1" if full is None else "dram(L1 full)"}))
    schedules = _with_shards(cores, shards)
    used = {**graph.meta["sram"], **{c: tops[c] for c in shards}}
    meta = {"l1": placed, "cores": schedules, "sram": used}
    return replace(graph, nodes=tuple(nodes), meta={**graph.meta, **meta})


def _top(cs: CoreSchedule, semaphores: int) -> int:
    """Where a core's L1 is free from: past its semaphore region, L1 buffers and CBs."""
    ends = [semaphores * SEMAPHORE_NBYTES] + [b.address + b.nbytes for b in cs.buffers]
    return max(ends + [cb.address + cb.pages * cb.page_nbytes for cb in cs.cbs])


def _readers(graph: Graph, names: dict[str, str]) -> dict[str, list[tuple[Coord, set[int] | None]]]:
    """For each buffer, every (core, pages) a step reads of it (None: pages the data decides)."""
    out: dict[str, list] = {}
    for n in graph.nodes:
        for core, step in n.attrs["_steps"].items():
            for buffer, pages in step.reads(core).items():
                out.setdefault(buffer, []).append((core, pages))
    return out


def _written(n: Node) -> dict[Coord, list[int]]:
    """The pages of a node's output each core writes, in (y, x) core order."""
    owners = {core: sorted(set(step.writes())) for core, step in n.attrs["_steps"].items()}
    return {c: owners[c] for c in sorted(owners, key=lambda c: (c[1], c[0])) if owners[c]}


def _one_row(n: Node, updates: set[str]) -> bool:
    """A token's activation (every matrix of it one row: a decode step's): kept in its writers' L1 where it fits, as
    ttnn keeps decode activations L1-sharded between ops, so its readers fetch it from there and not from DRAM
    banks busy streaming weights. (Not the sparse decode plans' outputs: their writers store tiny tiles to DRAM.)"""
    one = n.type.rank >= 1 and (n.type.rank == 1 or n.type.shape[-2] == 1)
    return one and bool(n.attrs["_steps"]) and n.id not in updates and "skip" not in n.attrs  # (a view: its input's)


def _local(owners: dict[Coord, list[int]], reads: list[tuple[Coord, set[int] | None]]) -> bool:
    """Whether every read of these pages is by the core that wrote them (and something reads them)."""
    home = {p: c for c, pages in owners.items() for p in pages}
    return bool(reads) and all(pages is not None and set(map(home.get, pages)) <= {core} for core, pages in reads)


def _sharded(value: Input | Param, cfg: MeshConfig) -> dict[Coord, list[int]]:
    """An @l1 input's or param's pages per core, by its @shard over its @cores (checked to divide in tiles)."""
    ann, (rows, cols) = value.annotations, tiles.grid(value.type.shape)
    rect = ann.cores
    cols_grid, rows_grid = cfg.compute_grid
    x0, x1, y0, y1 = (rect.x0, rect.x1, rect.y0, rect.y1) if rect else (0, cols_grid - 1, 0, rows_grid - 1)
    if x1 >= cols_grid or y1 >= rows_grid:
        raise PlacementError(rect.pos, f"@cores({x0}..{x1}, {y0}..{y1}) of '{value.name}' leaves {cfg.name}'s "
                                       f"{cols_grid}x{rows_grid} compute grid")
    cores = [(x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)]
    kind, w, h = ann.shard or "height", x1 - x0 + 1, y1 - y0 + 1
    split = {"height": ((rows, len(cores)), (cols, 1)), "width": ((rows, 1), (cols, len(cores))),
             "block": ((rows, h), (cols, w))}[kind]
    for (n, parts), axis in zip(split, ("tile rows", "tile columns"), strict=True):
        if n % parts:
            raise PlacementError(ann.l1_pos or value.pos, _not_dividing(value, kind, n, parts, axis, w, h))
    (_, pr), (_, pc) = split
    br, bc = rows // pr, cols // pc
    owners = {}
    for i, (x, y) in enumerate(cores):
        r, c = {"height": (i, 0), "width": (0, i), "block": (y - y0, x - x0)}[kind]
        owners[(x, y)] = [(r * br + a) * cols + c * bc + b for a in range(br) for b in range(bc)]
    return owners


def _not_dividing(value, kind: str, n: int, parts: int, axis: str, w: int, h: int) -> str:
    return (f"@shard({kind}) of '{value.name}' {value.type} over {w}x{h} cores splits its {n} {axis} into {parts} "
            f"equal shards, but {parts} does not divide {n}; choose @cores(...) whose count divides it, another "
            f"@shard, or pad that dimension to a multiple of {parts * 32}")


def _no_room(pos, name: str, core: Coord, owners, dtype: str, tops, cfg: MeshConfig) -> PlacementError:
    need = len(owners[core]) * tile_nbytes(device_dtype(dtype))
    used = tops.get(core, 0)
    return PlacementError(pos, f"'{name}' needs {need} B of L1 on core {core} for its shard, but only "
                               f"{max(0, cfg.l1_bytes - used)} B of the core's {cfg.l1_bytes} B are free after its "
                               f"CBs and the L1 tensors before it; spread it over more cores (@cores, "
                               f"@shard(block)) or leave it in DRAM (drop @l1)")


def _with_shards(cores: dict[Coord, CoreSchedule], shards: dict[Coord, list[L1Shard]]) -> tuple[CoreSchedule, ...]:
    """Every core's schedule with its shards; a core holding only shards runs no steps."""
    out = dict(cores)
    for core, mine in shards.items():
        cs = out.get(core) or CoreSchedule(core, Units(), (), (), (), ())
        out[core] = replace(cs, shards=tuple(mine))
    return tuple(out[c] for c in sorted(out, key=lambda c: (c[1], c[0])))
