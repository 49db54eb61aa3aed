"""The SoC-descriptor queries core_map makes, against the Wormhole B0 map written out by hand, and core_map's own
check failing when the chip map differs."""

import importlib

from tensix.config import TileKind
from tensix.metal import *
from tensix.presets import preset


def test_wormhole_soc_descriptor_by_hand():
    device = CreateDevice(0, "wormhole_n150")
    cluster = MetalContext.instance().get_cluster()
    soc = cluster.get_soc_desc(device.id())
    assert device.arch() is ARCH.WORMHOLE_B0
    assert (soc.grid_size.x, soc.grid_size.y) == (10, 12)
    assert [(c.x, c.y) for c in soc.get_dram_cores()[1]] == [(0, 5), (0, 6), (0, 7)]  # channel 1
    assert soc.get_num_dram_channels() == 6 and soc.get_num_dram_views() == 12
    assert len(soc.get_cores(CoreType.TENSIX)) == 64 and len(soc.get_harvested_cores(CoreType.TENSIX)) == 16
    assert [(c.x, c.y) for c in soc.get_cores(CoreType.ROUTER_ONLY)] == [(0, 2), (0, 4), (0, 8), (0, 9)]
    assert cluster.get_harvesting_mask(device.id()) == 0x300  # Tensix rows 8 and 9 of 10 (y = 10, 11)
    # bank 0's endpoint is NoC (0, 0); on NoC 0 (+x, +y) the nearest worker is NoC (1, 1): logical (0, 0)
    assert device.get_optimal_dram_bank_to_logical_worker_assignment(NOC.NOC_0)[0] == CoreCoord(0, 0)
    assert tt.to_str(CoreType.DRAM) == "DRAM"


def test_core_map_passes_on_wormhole_and_fails_on_a_different_map():
    main = importlib.import_module("tensix.examples.metal.core_map.core_map").main
    assert main("wormhole_n150") == 0
    cfg = preset("wormhole_n150")
    tiles = dict(cfg.tiles)
    tiles[(0, 3)] = TileKind.OTHER  # the PCIe tile as a router-only one: one cell off
    assert main(cfg.with_(tiles=tiles)) == 1
    assert main("blackhole_p150") == 0  # no hard-coded map: skipped, as tt-metal's
