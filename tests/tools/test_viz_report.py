"""render_all and the report: every view is written, and report.html is self-contained and explains itself."""

from __future__ import annotations

import json
import re

import pytest

from tensix.tools import render_all, summary_text, traffic_map
from tensix.tools.summary import core_rows
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
    assert set(re.findall(r"""\ssrc=["']([a-z]+:)""", html)) == {"data:"}  # every image is inline
    external = set(re.findall(r"""href=["']((?:[a-z]+:|//)[^"']*)""", html))
    assert external == {"https://ui.perfetto.dev"}  # the one way out: where to open timeline.json


def test_file_list_links_relatively_and_points_to_perfetto(rendered):
    html = (rendered[0] / "report.html").read_text()
    files = html[html.index("<h2 id='files'>"):]
    assert files.index("<a href='timeline.json'><b>timeline.json</b></a>") < files.index("heatmap_cores.png")
    assert "open <a href='https://ui.perfetto.dev'>ui.perfetto.dev</a>, choose \u201cOpen trace file\u201d" in files
    assert "core busy heatmap: <a href='heatmap_cores.png'>heatmap_cores.png</a> (PNG)" in files
    assert "<a href='sram.svg'>sram.svg</a> (SVG) \u00b7 <a href='sram.png'>sram.png</a> (PNG)" in files


def test_report_says_what_ran_and_what_limits_it(rendered, small_dir, tmp_path):
    html = (rendered[0] / "report.html").read_text()
    assert "<h1>Run report: test_4x4</h1>" in html
    assert "The run directory has no program.json, so the program is described by what it did: 12 cores" in html
    verdict = html[html.index("<div class='verdict'><h3>What limits this run</h3>"):]
    assert verdict.startswith("<div class='verdict'><h3>What limits this run</h3><p><b>Data movement bound:</b> the "
                              "hottest link, (0,0)\u2192(0,3) going north on NoC 1, is busy 57.0% of the run")
    with_program = render_all(small_dir, tmp_path, dot=False)[-1].read_text()
    assert "<h1>Run report: mlp_test on test_4x4</h1>" in with_program
    assert ("<p class='program'>Program mlp_test: input x bf16[64,128]; parameter w1 bf16[128,256]; output y "
            "bf16[64,256]; 12 cores, 36 kernels (reader, compute, writer on each core).</p>") in with_program
    assert "Zero skipping was on: only exact zeros were skipped" in with_program
    assert ("<td>in0</td><td>circular buffer</td><td>4.0 KiB</td><td>12</td><td>tiles of the first input operand (A "
            "of a matmul); CB 0: 2 pages of bf16 tiles</td>") in with_program


def test_sections_come_in_reading_order(rendered):
    html = (rendered[0] / "report.html").read_text()
    order = ["Words used here", "Summary", "Mesh traffic map", "Heatmaps", "Timeline", "SRAM map",
             "Busiest links and cores", "Compared with another run", "Files in this folder"]
    at = [html.index(f">{title}</h2>") for title in order]
    assert at == sorted(at)
    assert html.index("<nav class='toc'>") < at[0] and "<a href='#traffic'>Mesh traffic map</a>" in html
    assert html.index("<h2", at[1] + 1) == html.index("<h2 id='traffic'>")  # the map right after the summary


def test_explanations_fill_every_cell(rendered):
    html = (rendered[0] / "report.html").read_text()
    assert "<td></td>" not in html[:html.index("<h2 id='diff'>")]
    assert "on this device it moves 32 bytes per cycle" in html
    assert ("<tr><td>wait:cb_wait_front</td><td>compute</td><td>3.9%</td><td>waiting for tiles to arrive in a "
            "circular buffer") in html
    assert "<b>core (x,y)</b> is the core's logical coordinate" in html


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


def test_identical_cores_share_a_row_and_the_summary_text_has_the_verdict(small, wormhole):
    assert core_rows(wormhole.stats) == [("1", "64 cores with identical figures: (0,0), (1,0), … (7,7)",
                                          "(1,1), (2,1), … (9,9)", "7.2%", "reader 310, compute 580, writer 120")]
    assert [row[1] for row in core_rows(small.stats, 3)] == ["(2,3)", "(0,0)", "(1,1)"]
    text = summary_text(wormhole.stats, run=wormhole)
    assert "What limits this run:\nLatency bound: no single resource is saturated" in text
    assert "DRAM written         0 B" in text and "results the cores wrote back" in text
