"""Dimension-ordered routes on a 2D torus: NoC 0 goes +x then +y, NoC 1 goes -y then -x.

A link is named by the tile it leaves and its direction: (x, y, "E"|"S"|"W"|"N"). Routes pass through
every tile on the way, whatever its kind (DRAM, Ethernet and harvested tiles forward packets too).
"""

from __future__ import annotations

Coord = tuple[int, int]
Link = tuple[int, int, str]

DIRS = {0: ("E", "S"), 1: ("W", "N")}  # (x-axis direction, y-axis direction) per NoC
STEP = {"E": (1, 0), "S": (0, 1), "W": (-1, 0), "N": (0, -1)}  # (dx, dy) of one hop in each direction


def route(noc: int, src: Coord, dst: Coord, width: int, height: int) -> list[Link]:
    """Links a packet crosses from `src` to `dst` on NoC `noc` of a `width` x `height` torus (empty if src == dst)."""
    (sx, sy), (dx, dy) = src, dst
    if noc == 0:
        return _walk(sx, sy, "E", (dx - sx) % width, width, height) + _walk(
            dx, sy, "S", (dy - sy) % height, width, height
        )
    return _walk(sx, sy, "N", (sy - dy) % height, width, height) + _walk(sx, dy, "W", (sx - dx) % width, width, height)


def _walk(x: int, y: int, d: str, steps: int, width: int, height: int) -> list[Link]:
    ox, oy = STEP[d]
    links = []
    for _ in range(steps):
        links.append((x, y, d))
        x, y = (x + ox) % width, (y + oy) % height
    return links


def link_end(link: Link, width: int, height: int) -> Coord:
    """The tile a link arrives at."""
    x, y, d = link
    ox, oy = STEP[d]
    return (x + ox) % width, (y + oy) % height


def multicast_links(noc: int, src: Coord, dsts: list[Coord], width: int, height: int) -> dict[Link, Link | None]:
    """The multicast tree: each link mapped to the link before it (None at the root), in route order.

    The tree is the union of the dimension-ordered routes to every destination, so shared prefixes
    carry the packet once.
    """
    tree: dict[Link, Link | None] = {}
    for dst in dsts:
        prev = None
        for link in route(noc, src, dst, width, height):
            tree.setdefault(link, prev)
            prev = link
    return tree


def link_name(link: Link) -> str:
    x, y, d = link
    return f"({x},{y}){d}"
