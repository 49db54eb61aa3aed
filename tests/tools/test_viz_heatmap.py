"""Heatmaps: grids hold each tile's outgoing link utilization and each core's busy fraction."""

from __future__ import annotations

import math

import pytest
from tensix.tools.heatmap import core_grid, link_grid, write_heatmaps


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
