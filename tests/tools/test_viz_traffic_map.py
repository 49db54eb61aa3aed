"""Traffic maps: DOT text puts tiles at grid positions and labels the hottest links with their exact figures."""

from __future__ import annotations

import re

import pytest

from tensix.tools import traffic_map
from tensix.tools.traffic_map import INSTALL_HINT, traffic_dot, write_traffic_maps

EDGE = re.compile(r"^\s+(\w+) -> (\w+) \[(.*)\];$", re.MULTILINE)
NODE = re.compile(r'^\s+(t\d+_\d+) \[pos="([\d.]+),([\d.]+)!", label="([^"]*)"', re.MULTILINE)


def edges(dot: str) -> dict[tuple[str, str], str]:
    return {(a, b): attrs for a, b, attrs in EDGE.findall(dot)}


def label(attrs: str) -> str | None:
    found = re.search(r"<td>(.*?)</td>", attrs)
    return found.group(1) if found else None


def test_tiles_sit_at_grid_positions_with_y_down(small):
    nodes = {n: (float(x), float(y), text) for n, x, y, text in NODE.findall(traffic_dot(small.stats, (0, 1)))}
    assert len(nodes) == 16
    assert nodes["t0_0"][:2] == (0.0, 3 * traffic_map.SCALE_Y)  # row 0 at the top
    assert nodes["t3_3"][:2] == (3 * traffic_map.SCALE_X, 0.0)
    assert nodes["t0_0"][2] == r"NoC (0,0)\nDRAM bank 0\nread 12 KiB\nwritten 0 B"
    assert nodes["t3_3"][2] == r"NoC (3,3)\ncore (2,3)\n65% busy"
    assert nodes["t1_1"][2] == r"NoC (1,1)\ncore (0,1)\n0% busy"
    assert nodes["t0_2"][2] == r"NoC (0,2)\nharvested"


def test_every_link_is_drawn_in_its_direction(small):
    per_noc = {n: edges(traffic_dot(small.stats, (n,))) for n in (0, 1)}
    assert len(per_noc[0]) == len(per_noc[1]) == 32  # 16 tiles x 2 directions
    assert ("t1_0", "t2_0") in per_noc[0] and ("t2_0", "t1_0") in per_noc[1]
    assert len(edges(traffic_dot(small.stats, (0, 1)))) == 64


def test_hottest_links_are_labelled_with_bytes_and_utilization(small):
    e = edges(traffic_dot(small.stats, (0, 1), top=3))
    assert label(e[("t0_0", "wrap1_0_0_N")]) == "8.0 KiB (42.8%)"
    assert label(e[("t0_3", "wrap1_0_3_W")]) == "8.0 KiB (42.8%)"
    assert "8,192 bytes, 257 busy cycles = 42.8% of the run" in e[("t0_0", "wrap1_0_0_N")]
    assert sum(label(a) is not None for a in e.values()) == 3
    assert label(e[("t1_0", "t2_0")]) is None and "2,048 bytes" in e[("t1_0", "t2_0")]
    assert f'color="{traffic_map.IDLE_COLOR}"' in e[("t1_3", "t2_3")]  # idle


def test_utilization_metric_leads_with_the_percentage(small):
    e = edges(traffic_dot(small.stats, (1,), metric="utilization", top=1))
    assert label(e[("t0_0", "wrap1_0_0_N")]) == "42.8% (8.0 KiB)"


def test_wraparound_links_end_in_labelled_stubs(small):
    dot = traffic_dot(small.stats, (0, 1))
    assert re.search(r'wrap1_0_0_N \[shape="plaintext", label="to \(0,3\)"', dot)
    assert re.search(r'wrap0_3_1_E \[shape="plaintext", label="to \(0,1\)"', dot)
    assert "wrap0_0_0_E" not in dot  # (0,0) going east reaches (1,0) inside the grid


def test_title_and_legend(small):
    dot = traffic_dot(small.stats, (0,))
    assert 'label="NoC 0 traffic on test_4x4 (4x4 NoC grid): 4.0 KiB carried over links in 600 cycles' in dot
    legend = re.search(r"  legend \[.*label=<(.*)>, pos=\"([\d.]+),(-[\d.]+)!\"\];", dot)
    text = legend.group(1)
    for entry in ("DRAM tile", "Ethernet tile", "core busy 0%", "a little (&gt; 0 B)", "8.0 KiB",
                  "idle: no traffic (0 B)", "wraps around the torus", "core (x,y) is the core's logical coordinate"):
        assert entry in text, entry
    assert "ARC tile" not in text  # only kinds the device has
    assert float(legend.group(3)) < 0  # below the grid, whose bottom row sits at y = 0


def test_used_links_never_fade_to_white(small):
    palest, width = traffic_map.link_shade(1e-6)
    assert palest == traffic_map.cmap_hex(traffic_map.LINK_CMAP, traffic_map.LINK_LO) and width >= 1.8
    assert traffic_map.link_shade(1.0)[1] > traffic_map.link_shade(0.25)[1] > width


def test_writes_and_draws_all_maps(small, tmp_path):
    if not traffic_map.graphviz_available():
        pytest.skip("graphviz not installed")
    files = write_traffic_maps(small.stats, tmp_path)
    names = sorted(p.name for p in files)
    assert names == sorted(f"traffic_{n}.{ext}" for n in ("noc0", "noc1", "all") for ext in ("dot", "svg", "png"))
    svg = (tmp_path / "traffic_all.svg").read_text()
    assert "<svg" in svg and "8.0 KiB (42.8%)" in svg and "core (2,3)" in svg
    assert (tmp_path / "traffic_all.png").stat().st_size > 0


def test_without_dot_writes_sources_and_the_install_hint(small, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(traffic_map.shutil, "which", lambda name: None)
    files = write_traffic_maps(small.stats, tmp_path)
    assert sorted(p.name for p in files) == ["traffic_all.dot", "traffic_noc0.dot", "traffic_noc1.dot"]
    assert INSTALL_HINT in capsys.readouterr().err
    assert "apt-get install graphviz" in INSTALL_HINT
