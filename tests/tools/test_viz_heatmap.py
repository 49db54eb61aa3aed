"""Heatmaps: grids hold each tile's outgoing link utilization and each core's busy fraction."""

from __future__ import annotations

import math

import pytest

from tensix.tools.heatmap import core_grid, core_scale, kind_labels, link_grid, nice_ceil, write_heatmaps
from tensix.tools.hot_ops import hot_cores, hot_links


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


def test_the_busiest_links_name_the_ops_that_loaded_them(small):
    """By hand from viz_runs: on NoC 1 the 8192-byte read of matmul %w2 goes north out of (0,0), then west out of
    (0,3) (257 of 600 cycles each); the 4096-byte read of %w1 west out of (0,0), (3,0) and (2,0) (129 cycles)."""
    notes = [h.note for h in hot_links(small.stats, small.trace, 1)]
    assert notes == ["#1 link (0,0) N, busy 43%: matmul %w2 (03_mlp.tdf:8) 100%",
                     "#2 link (0,3) W, busy 43%: matmul %w2 (03_mlp.tdf:8) 100%",
                     "#3 link (0,0) W, busy 22%: matmul %w1 (03_mlp.tdf:7) 100%",
                     "#4 link (2,0) W, busy 22%: matmul %w1 (03_mlp.tdf:7) 100%",
                     "#5 link (3,0) W, busy 22%: matmul %w1 (03_mlp.tdf:7) 100%"]
    assert [(h.cell, h.dir) for h in hot_links(small.stats, small.trace, 1)][:2] == [((0, 0), "N"), ((0, 3), "W")]


def test_the_busiest_cores_name_the_ops_their_kernels_worked_on(small):
    """Core (0,0) worked 205 + 80 + 115 cycles for matmul %w1 and 120 (a multicast) outside any op; its waits
    count for nothing."""
    hot = hot_cores(small.stats, small.trace)
    assert [h.note for h in hot] == ["#1 core (2,3), busy 65%: matmul %w2 (03_mlp.tdf:8) 100%",
                                     "#2 core (0,0), busy 39%: matmul %w1 (03_mlp.tdf:7) 77%, outside any op 23%",
                                     "#3 core (1,1), busy 6.7%: outside any op 100%"]
    assert hot[0].cell == (3, 3)  # marked at the core's NoC position


def test_heatmaps_drawn_with_the_trace_mark_their_hottest_cells(small, tmp_path, monkeypatch):
    import tensix.tools.heatmap as heatmap

    drawn = []
    monkeypatch.setattr(heatmap, "grid_figure", lambda panels, scale, **kw: drawn.append((panels, kw["note"])))
    heatmap.write_heatmaps(small.stats, tmp_path, small.trace)
    noc1, note = drawn[1]
    assert [[h.rank for h in p.hot] for p in noc1] == [[2, 3, 4, 5], [1]]  # west panel, north panel
    assert note.endswith("the busiest links, with the ops whose bytes crossed them:")
    heatmap.write_heatmaps(small.stats, tmp_path)
    assert all(not p.hot for p in drawn[-1][0])
