"""Routes against hand-computed paths: 4x4 torus and the Wormhole grid, both NoCs, wraparound."""

import pytest

from tensix.noc.routing import link_end, multicast_links, route
from tensix.presets import wormhole_n150

SMALL = [
    # NoC 0: +x then +y
    (0, (0, 0), (2, 1), [(0, 0, "E"), (1, 0, "E"), (2, 0, "S")]),
    (0, (3, 3), (1, 0), [(3, 3, "E"), (0, 3, "E"), (1, 3, "S")]),  # wraps in x (3->0) and in y (3->0)
    (0, (2, 2), (2, 2), []),
    # NoC 1: -y then -x
    (1, (2, 1), (0, 0), [(2, 1, "N"), (2, 0, "W"), (1, 0, "W")]),
    (1, (0, 0), (3, 3), [(0, 0, "N"), (0, 3, "W")]),  # wraps: y 0->3, x 0->3
    (1, (1, 2), (1, 3), [(1, 2, "N"), (1, 1, "N"), (1, 0, "N")]),  # going "down" one row on NoC 1 takes three hops up
]


@pytest.mark.parametrize("noc,src,dst,expected", SMALL)
def test_routes_on_4x4_torus(noc, src, dst, expected):
    assert route(noc, src, dst, 4, 4) == expected


def test_noc0_and_noc1_take_different_links_between_the_same_cores():
    there = route(0, (0, 0), (1, 1), 4, 4)
    back = route(1, (1, 1), (0, 0), 4, 4)
    assert there == [(0, 0, "E"), (1, 0, "S")]
    assert back == [(1, 1, "N"), (1, 0, "W")]


def test_wormhole_dram_to_core_passes_through_non_tensix_tiles():
    cfg = wormhole_n150()
    # DRAM bank at NoC (0, 0) to logical core (4, 0) = NoC (6, 1): along y=0 through Ethernet tiles and the
    # DRAM column x=5, then down one row.
    assert cfg.noc_xy((4, 0)) == (6, 1)
    path = route(0, (0, 0), (6, 1), cfg.width, cfg.height)
    assert path == [(x, 0, "E") for x in range(6)] + [(6, 0, "S")]
    kinds = [cfg.kind(p[:2]).value for p in path]
    assert kinds == ["dram", "eth", "eth", "eth", "eth", "dram", "eth"]


def test_wormhole_noc1_wraps_around_the_top_edge():
    cfg = wormhole_n150()
    # logical core (0, 0) = NoC (1, 1) reading from DRAM bank at NoC (0, 11) over NoC 1: data leaves (0, 11)
    # going up (-y) 11 - 1 = 10 hops to row 1, then left (-x) 9 hops around the x wrap to column 1.
    path = route(1, (0, 11), (1, 1), cfg.width, cfg.height)
    assert path[:10] == [(0, y, "N") for y in range(11, 1, -1)]
    assert path[10:] == [(x % 10, 1, "W") for x in range(10, 1, -1)]
    assert link_end(path[-1], 10, 12) == (1, 1)


def test_multicast_tree_shares_the_common_prefix():
    tree = multicast_links(0, (0, 0), [(2, 0), (2, 1), (3, 1)], 4, 4)
    assert list(tree) == [(0, 0, "E"), (1, 0, "E"), (2, 0, "S"), (2, 0, "E"), (3, 0, "S")]
    assert tree[(0, 0, "E")] is None
    assert tree[(2, 0, "S")] == (1, 0, "E")
    assert tree[(3, 0, "S")] == (2, 0, "E")
