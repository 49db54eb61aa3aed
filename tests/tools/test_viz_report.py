"""render_all and the report: every view is written, and report.html is self-contained and explains itself."""

from __future__ import annotations

import json
import re

import pytest
from tensix.tools import render_all, traffic_map
from tensix.tools.viz import main


@pytest.fixture(scope="module")
def rendered(small_dir, doubled_dir):
    return doubled_dir / "viz", render_all(doubled_dir, against=small_dir, dot=traffic_map.graphviz_available())


def test_render_all_writes_every_view(rendered):
    out, files = rendered
    names = {p.name for p in files}
    expected = {"traffic_all.dot", "traffic_noc0.dot", "heatmap_links_noc0.png", "heatmap_links_noc1.png",
                "heatmap_cores.png", "timeline.json", "timeline_overview.png", "sram.svg", "sram.txt",
                "summary.txt", "diff.txt", "diff_traffic_all.dot", "diff_heatmap_cores.png", "report.html"}
    assert expected <= names
    assert files[-1] == out / "report.html"  # the default output directory is RUN_DIR/viz
    assert all(p.exists() and p.parent == out for p in files)


def test_report_is_self_contained(rendered):
    html = (rendered[0] / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html and "<link" not in html
    assert not re.search(r'(src|href)="(https?:|//|file:)', html)
    assert 'src="data:image/png;base64,' in html


def test_report_explains_each_view(rendered):
    html = (rendered[0] / "report.html").read_text()
    for title in ("Summary", "Top 10 hottest links", "Top 10 busiest cores", "Mesh traffic map", "Heatmaps",
                  "Timeline", "SRAM map", "Compared with another run", "Words used here"):
        assert f">{title}</h" in html
    assert "ui.perfetto.dev" in html


def test_report_tables_hold_the_numbers(rendered):
    html = (rendered[0] / "report.html").read_text()
    assert "<td>run length</td><td>900 cycles</td>" in html
    assert ("<tr><td>1</td><td>1</td><td>(0,0)</td><td>(0,3) (wraps)</td><td>N</td><td>16,384 (16.0 KiB)</td>"
            in html)
    assert "<td>run length</td><td>600 cycles</td><td>900 cycles</td><td>+300 cycles (+50.0%)</td>" in html
    assert "<td>SRAM peak</td><td>24.0 KiB</td>" in html


def test_report_without_zero_skip_has_no_zero_skip_section(rendered):
    assert "Zero skipping" not in (rendered[0] / "report.html").read_text()


def test_report_with_zero_skip_and_no_graphviz(small_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(traffic_map.shutil, "which", lambda name: None)
    files = render_all(small_dir, tmp_path)
    assert not any(p.suffix == ".svg" and p.name.startswith("traffic") for p in files)
    assert "apt-get install graphviz" in capsys.readouterr().err
    html = (tmp_path / "report.html").read_text()
    assert "Zero skipping" in html and "<td>down_proj</td><td>total</td>" in html
    assert "Not drawn: graphviz" in html and "traffic_all.dot" in html


def test_command_line_reports_errors(tmp_path, capsys):
    assert main([str(tmp_path / "missing")]) == 1
    assert "error: run directory" in capsys.readouterr().err


def test_a_run_that_moved_nothing_still_renders(small_dir, tmp_path):
    for name in ("stats.json", "trace.json"):
        doc = json.loads((small_dir / name).read_text())
        doc.update({"links": [], "cores": [], "dram": [], "total_cycles": 0, "flops": 0, "noc_bytes": [0, 0],
                    "transfers": 0} if name == "stats.json" else {"spans": [], "transfers": []})
        (tmp_path / name).write_text(json.dumps(doc))
    files = render_all(tmp_path, tmp_path / "viz", dot=False)
    assert "<td>run length</td><td>0 cycles</td>" in files[-1].read_text()
