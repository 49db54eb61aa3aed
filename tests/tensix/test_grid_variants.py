"""Harvesting variants of a preset (`NAME:WxH`, presets.with_grid): which Tensix columns and rows compute, checked
against tt-metal's SoC descriptors written out by hand; everything else about the device unchanged."""

import pytest

from tensix import Mesh
from tensix.config import TileKind
from tensix.errors import ConfigError
from tensix.lang.compiler import compile_source
from tensix.presets import preset, tensix_grid, with_grid

BH, WH = preset("blackhole_p150"), preset("wormhole_n150")


def _harvested(cfg) -> set[tuple[int, int]]:
    return {pos for pos, kind in cfg.tiles.items() if kind is TileKind.HARVESTED}


def test_blackhole_has_14_tensix_columns_around_a_router_only_column():
    # tt-metal blackhole_140_arch.yaml: functional_workers at x 1-7 and 10-16, y 2-11; x=8 below ARC router-only
    assert tensix_grid(BH) == ((1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16), tuple(range(2, 12)))
    assert {BH.kind((8, y)) for y in range(1, 12)} == {TileKind.OTHER} and BH.kind((8, 0)) is TileKind.ARC


def test_the_13x10_blackhole_variant_computes_on_its_first_13_columns_and_keeps_every_other_tile():
    v = preset("blackhole_p150:13x10")
    assert v == with_grid(BH, 13, 10) and v.name == "blackhole_p150:13x10"
    assert v.compute_xs == (1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15) and v.compute_ys == BH.compute_ys
    assert v.compute_grid == (13, 10) and v.num_cores == 130
    assert _harvested(v) == {(16, y) for y in range(2, 12)}  # the preset's 11 columns leave 14-16 harvested
    assert _harvested(BH) == {(x, y) for x in (14, 15, 16) for y in range(2, 12)}
    others = {pos: kind for pos, kind in BH.tiles.items() if kind is not TileKind.HARVESTED}
    assert {pos: kind for pos, kind in v.tiles.items() if kind is not TileKind.HARVESTED} == others
    assert v.dram_banks == BH.dram_banks and (v.width, v.height, v.l1_bytes) == (BH.width, BH.height, BH.l1_bytes)
    assert v.with_(name=BH.name, tiles=BH.tiles, compute_xs=BH.compute_xs, notes=BH.notes) == BH


def test_wormhole_variants_unharvest_its_last_rows_or_keep_a_corner():
    full = with_grid(WH, 8, 10)
    assert full.compute_ys == (1, 2, 3, 4, 5, 7, 8, 9, 10, 11) and not _harvested(full) and full.num_cores == 80
    small = preset("wormhole_n150:4x4")
    assert (small.compute_xs, small.compute_ys) == ((1, 2, 3, 4), (1, 2, 3, 4)) and len(_harvested(small)) == 80 - 16
    assert with_grid(WH, 8, 8) is WH  # the preset's own grid: the preset, by its own name


def test_a_grid_beyond_the_tensix_tiles_or_badly_written_is_a_config_error():
    with pytest.raises(ConfigError, match=r"15x10 compute grid does not fit its 14x10 Tensix cores .*at most 14x10"):
        preset("blackhole_p150:15x10")
    with pytest.raises(ConfigError, match="give the grid as WxH"):
        preset("blackhole_p150:13by10")
    with pytest.raises(ConfigError, match="unknown device 'blackhole'"):
        preset("blackhole:13x10")


def test_cores_inside_both_grids_run_alike_on_the_preset_and_its_variant():
    # DRAM tiles and routers where they were: a 2x2-core matmul takes the same cycles on either device
    src = ("device blackhole_p150\ninput a: bf16[64, 64]\nparam w: bf16[64, 64] = random(seed=1, std=0.05)\n"
           "output c = a @ w @cores(0..1, 0..1)\n")
    cycles = [Mesh(c.device, timing_only=True).run(c.program).cycles
              for c in (compile_source(src, "m.tdf"), compile_source(src, "m.tdf", "blackhole_p150:13x10"))]
    assert cycles[0] == cycles[1] > 0
