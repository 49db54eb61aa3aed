"""Heatmaps: grids hold each tile's outgoing link utilization and each core's busy fraction."""

from __future__ import annotations

import math

import pytest

from tensix.tools.heatmap import core_grid, core_scale, kind_labels, link_grid, nice_ceil, write_heatmaps


def test_link_grid_is_indexed_by_source_tile(small):
    north = link_grid(small.stats, 1, "N")
    assert north[0, 0] == pytest.approx(100 * 257 / 600)
    assert north.sum() == pytest.approx(100 * 257 / 600)
    east = link_grid(small.stats, 0, "E", metric="bytes")
    assert (east[0, 1], east[1, 1], east[1, 3]) == (2048, 2048, 4)


def test_core_grid_is_nan_off_the_compute_cores(small):
    grid = core_grid(small.stats)
    assert grid[3, 3] == pytest.approx(65.0)
    assert math.isnan(grid[0, 0]) and math.isnan(grid[2, 0])


def test_writes_one_png_per_noc_and_one_for_cores(small, tmp_path):
    files = write_heatmaps(small.stats, tmp_path)
    assert [p.name for p in files] == ["heatmap_links_noc0.png", "heatmap_links_noc1.png", "heatmap_cores.png"]
    assert all(p.read_bytes()[:4] == b"\x89PNG" and p.stat().st_size > 1000 for p in files)


@pytest.mark.parametrize(("value", "top"), [(2.78, 3.0), (66.6, 70.0), (42.8, 50.0), (100.0, 100.0), (0.0, 1.0),
                                            (0.05, 0.05)])
def test_scales_end_on_a_round_number_above_the_data(value, top):
    assert nice_ceil(value) == pytest.approx(top)


def test_core_scale_uses_the_data_range_and_says_so(small, wormhole):
    scale = core_scale(wormhole.stats)  # every core is 7.25% busy
    assert (scale.vmin, scale.vmax) == (0.0, 8.0)
    assert scale.label == "core busy, % of run cycles (scale 0–8%, not 0–100%)"
    assert scale.cell_text(7.25) == "7.2%" and scale.cell_text(65.0) == "65%"
    assert core_scale(small.stats).vmax == 70.0


def test_kind_labels_name_every_tile_that_is_not_a_core(wormhole):
    labels = kind_labels(wormhole.stats.device)
    assert (labels[(0, 0)], labels[(0, 2)], labels[(1, 0)], labels[(1, 10)]) == ("DRAM", "other", "Eth", "harv.")
    assert (1, 1) not in labels  # a compute core: its cell shows a number
