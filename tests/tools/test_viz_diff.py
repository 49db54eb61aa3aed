"""Diff of two runs: per-link byte deltas, cycle and busy changes, drawn with diverging colours."""

from __future__ import annotations

import re

import pytest

from tensix.tools.diff import delta_dot, diff_runs, diff_text, summary_rows, write_diff
from tensix.tools.runfiles import RunFileError, load_run


@pytest.fixture(scope="module")
def d(doubled_dir, small_dir):
    return diff_runs(load_run(doubled_dir).stats, load_run(small_dir).stats)


def test_link_deltas_are_this_run_minus_baseline(d):
    deltas = {(ln.noc, ln.src, ln.dir): (ln.before, ln.after, ln.delta) for ln in d.links}
    assert deltas[(1, (0, 0), "N")] == (8192, 16384, 8192)
    assert deltas[(0, (1, 1), "S")] == (2052, 4104, 2052)
    assert len(d.links) == 16


def test_core_busy_deltas(d):
    core = next(c for c in d.cores if c.core == (2, 3))
    assert core.before == pytest.approx(0.65) and core.after == pytest.approx(0.4333)
    assert core.delta == pytest.approx(-0.2167)


def test_summary_rows_show_cycles_and_bytes_changes(d):
    rows = {r[0]: r[1:] for r in summary_rows(d)}
    assert rows["run length"] == ("600 cycles", "900 cycles", "+300 cycles (+50.0%)")
    assert rows["NoC 1 bytes"] == ("12.0 KiB", "24.0 KiB", "+12.0 KiB (+100.0%)")
    assert rows["work done"][2] == "no change"
    # 786,432 FLOP / (12 cores x 1,024 FLOP/cycle at HiFi4): 10.67% over 600 cycles, 7.11% over 900
    assert rows["compute utilization"][2] == "-3.6 pts"


def test_diff_text_lists_biggest_changes_first(d):
    text = diff_text(d, "base")
    assert text.startswith("This run against base (change = this run - baseline)")
    assert "1    (0,0)      N          8.0 KiB   16.0 KiB  +8.0 KiB" in text
    assert "(2,3)  (3,3)         65.0%          43.3%          -21.7 pts" in text


def test_delta_map_labels_changes_with_signs_and_diverging_colours(d):
    dot = delta_dot(d, (0, 1), top=2)
    labels = re.findall(r"<td>(.*?)</td>", dot)
    assert labels.count("+8.0 KiB") == 2
    assert "8,192 -> 16,384 bytes (+8.0 KiB)" in dot
    assert r"busy -22 pts" in dot
    reverse = diff_runs(d.base, d.run)
    assert "-8.0 KiB" in re.findall(r"<td>(.*?)</td>", delta_dot(reverse, (1,), top=1))


def test_write_diff_without_graphviz(d, tmp_path):
    files = write_diff(d, tmp_path, render=False)
    names = [p.name for p in files]
    assert names[0] == "diff.txt" and "diff_traffic_all.dot" in names
    assert {"diff_heatmap_links_noc0.png", "diff_heatmap_links_noc1.png", "diff_heatmap_cores.png"} <= set(names)


def test_runs_on_different_grids_cannot_be_compared(small, wormhole):
    with pytest.raises(RunFileError, match=re.escape("cannot compare runs on different NoC grids: test_4x4 4x4 "
                                                     "against wormhole_n150 10x12")):
        diff_runs(small.stats, wormhole.stats)


def test_cores_with_the_same_change_share_a_row(wormhole):
    from dataclasses import replace

    from tensix.tools.diff import core_change_rows

    base = replace(wormhole.stats, cores=tuple(replace(c, busy_fraction=c.busy_fraction / 2) for c in
                                               wormhole.stats.cores))
    assert core_change_rows(diff_runs(wormhole.stats, base)) == [
        ("(0,0), (1,0), … (7,7) (64 cores)", "(1,1), (2,1), … (9,9)", "3.6%", "7.2%", "+3.6 pts")]
