"""The DRAM-sharded decode matmul's bank assignment, against hand-derived hop counts on a tiny torus.

The mesh: a 4 x 2 NoC torus, DRAM banks at NoC (0, 0) and (0, 1), Tensix at x = 1..3, so logical core (cx, cy)
sits at NoC (cx + 1, cy). From bank (0, yb) to NoC (x, y): NoC 0 (+x, then +y) crosses x + (y - yb) % 2 links,
NoC 1 (-y, then -x) (yb - y) % 2 + (4 - x) % 4.
"""

import pytest

from tensix.config import MeshConfig, TileKind
from tensix.lang.passes.sharded import assign_banks, bank_bands, bank_hops, quotas

MESH = MeshConfig(width=4, height=2, tiles={(0, 0): TileKind.DRAM, (0, 1): TileKind.DRAM})


@pytest.mark.parametrize(("core", "bank", "want"), [
    ((0, 0), 0, (1, 0)),  # NoC (1, 0): NoC 0 one hop east; NoC 1 three hops west
    ((0, 0), 1, (2, 0)),  # NoC 0: 1 east + 1 south; NoC 1: 1 north + 3 west
    ((1, 0), 0, (2, 1)),  # NoC (2, 0): 2 either way, a tie goes to NoC 1 (the reader's)
    ((2, 1), 1, (1, 1)),  # NoC (3, 1): NoC 1 one hop west (wrapping from x = 0); NoC 0 three east
    ((2, 1), 0, (2, 1)),  # NoC 1: 1 north (wrapping) + 1 west; NoC 0: 3 east + 1 south
])
def test_hops_from_a_bank_to_a_core_take_the_nearer_noc(core, bank, want):
    assert bank_hops(MESH, core, bank) == want


def test_every_core_gets_the_bank_nearest_it_and_each_bank_its_share_of_the_cores():
    cores = [(x, y) for y in range(2) for x in range(3)]
    # hand-derived: pairs in order of hops (then NoC 1 before NoC 0, then core, then bank); each bank takes 3
    # cores. The 1-hop pairs on NoC 1 ((2, y) from its row's bank), then on NoC 0 ((0, y)), then the 2-hop pairs
    # on NoC 1 ((1, y)): every core lands on the bank of its own row
    assert assign_banks(MESH, cores, [3, 3]) == {
        (0, 0): (0, 0), (0, 1): (1, 0), (2, 0): (0, 1), (2, 1): (1, 1), (1, 0): (0, 1), (1, 1): (1, 1)}
    # with room for one core per bank, the 1-hop pairs on NoC 1 come first
    assert assign_banks(MESH, cores, [1, 1]) == {(2, 0): (0, 1), (2, 1): (1, 1)}


def test_bands_and_quotas_split_as_evenly_as_whole_columns_and_cores_allow():
    assert bank_bands(128, 12) == (11,) * 8 + (10,) * 4  # 1x4096 @ 4096x4096 on Wormhole's 12 banks
    assert bank_bands(6, 12) == (1,) * 6 + (0,) * 6
    assert quotas(bank_bands(128, 12), 64) == [6] * 4 + [5] * 8
    assert quotas(bank_bands(6, 12), 4) == [1] * 4 + [0] * 8  # never more cores than a band has columns
