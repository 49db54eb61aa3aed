"""The frontend in one call: `check_source(text, path) -> Graph` (parse, lower, shapes, verify), and
`check_placement(graph, grid_cols, grid_rows)` against a device's core grid.

Every user mistake comes out as an ErrorList of SourceErrors, never a Python traceback.
"""

from __future__ import annotations

from pathlib import Path

from tensix.lang.errors import ErrorList, NameResolutionError, PlacementError, SourceError, SourcePos, unreadable
from tensix.lang.ir import CoreRect, Graph
from tensix.lang.lower import lower
from tensix.lang.parser import parse
from tensix.lang.passes.shapes import shapes
from tensix.lang.verify import verify

__all__ = ["check_file", "check_placement", "check_source"]


def check_source(text: str, path: str = "<input>") -> Graph:
    """Parse, lower and type-check `.tdf` source; raises ErrorList with every error found."""
    try:
        graph = lower(parse(text, path))
    except SourceError as e:
        raise ErrorList([e]) from None
    return verify(shapes(graph), after="shapes")


def check_file(path: str | Path) -> Graph:
    """`check_source` on a file; imports resolve relative to it."""
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise ErrorList([NameResolutionError(None, f"cannot read '{path}': {unreadable(e)}")]) from None
    return check_source(text, str(path))


def check_placement(graph: Graph, grid_cols: int, grid_rows: int) -> None:
    """Raise ErrorList of PlacementErrors for every `@cores` rectangle outside a grid_cols x grid_rows grid."""
    seen: dict[tuple, PlacementError] = {}
    for item in (*graph.inputs, *graph.params, *graph.nodes):
        rect = item.annotations.cores
        if rect is not None and (rect.x1 >= grid_cols or rect.y1 >= grid_rows):
            key = (rect.pos, rect.x0, rect.x1, rect.y0, rect.y1)
            seen.setdefault(key, _outside(rect, item.pos, grid_cols, grid_rows, graph.meta.get("sources", {})))
    if seen:
        raise ErrorList(list(seen.values()))


def _outside(rect: CoreRect, fallback: SourcePos | None, cols: int, rows: int, sources: dict) -> PlacementError:
    message = (f"{rect.render()} lies outside the {cols}x{rows} core grid "
               f"(x must be in 0..{cols - 1}, y in 0..{rows - 1})")
    pos = rect.pos or fallback
    return PlacementError(pos, message, sources.get(pos.path) if pos is not None else None)
