"""place: give every primitive op the logical cores it runs on.

An op annotated `@cores(x0..x1, y0..y1)` (directly or through its block or region) runs there; the rest
run on the whole compute grid of the device. Placement outside the grid is a PlacementError at the annotation.
"""

from __future__ import annotations

from dataclasses import replace

from tensix.config import MeshConfig
from tensix.lang.check import check_placement
from tensix.lang.ir import Graph


def place(graph: Graph, cfg: MeshConfig) -> Graph:
    """Each node with attrs["_cores"]: its cores in (y, x) order (and "on", the rectangle, for the text form)."""
    cols, rows = cfg.compute_grid
    check_placement(graph, cols, rows)
    everywhere = [(x, y) for y in range(rows) for x in range(cols)]
    nodes = []
    for n in graph.nodes:
        rect = n.annotations.cores
        cores = everywhere if rect is None else [
            (x, y) for y in range(rect.y0, rect.y1 + 1) for x in range(rect.x0, rect.x1 + 1)]
        on = f"({cores[0][0]},{cores[0][1]})..({cores[-1][0]},{cores[-1][1]})"
        nodes.append(replace(n, attrs={**n.attrs, "_cores": cores, "on": on}))
    return replace(graph, nodes=tuple(nodes))
