"""The default example's report.html as a person sees it: loaded in headless Chromium (Debian `chromium`).

Skipped without a chromium binary, except under CI=true, where CI installs it and its absence is a failure.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from tensix.lang.driver import run_default
from tensix.tools import traffic_map
from tensix.tools.runfiles import Run, load_run
from tensix.tools.summary import link_rows
from tensix.tools.viz import render_all

pytestmark = pytest.mark.slow

TIMEOUT_S = 120  # one page load; a hung browser must fail the test, not the CI job
WINDOW = (1400, 4000)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# --disable-dev-shm-usage: containers often give /dev/shm only 64 MiB, too little for a 1.4 MB page with big images
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--virtual-time-budget=5000"]


def chromium_binary() -> str:
    """The chromium on PATH; skips the test without one, or fails it under CI=true."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "no chromium on PATH; install it with `apt-get install chromium`"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true, so CI should have installed it)")
    pytest.skip(message)


def chromium(binary: str, profile: Path, *args: str) -> str:
    """Run headless chromium with a fresh profile; returns its stdout."""
    cmd = [binary, *FLAGS, f"--user-data-dir={profile}", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    assert proc.returncode == 0, f"{' '.join(cmd)} exited with {proc.returncode}:\n{proc.stderr[-3000:]}"
    return proc.stdout


class PageParts(HTMLParser):
    """The parts of a DOM the tests look at: the page title, <img> attributes, <svg> count, table rows as cell lists."""

    def __init__(self) -> None:
        super().__init__()
        self.title, self.imgs, self.svgs, self.rows = "", [], 0, []
        self._in_title, self._cell = False, None

    def handle_starttag(self, tag, attrs):
        self._in_title = tag == "title" and not self.svgs  # SVG figures hold <title>s of their own
        self.svgs += tag == "svg"
        if tag == "img":
            self.imgs.append(dict(attrs))
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        self._in_title &= tag != "title"
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._cell is not None:
            self._cell += data


@pytest.fixture(scope="module")
def browser() -> str:
    return chromium_binary()


@pytest.fixture(scope="module")
def report(browser, tmp_path_factory) -> Path:
    """The default example's run directory with its views rendered; returns report.html."""
    _, run_dir = run_default(out=str(tmp_path_factory.mktemp("default") / "run"))
    files = render_all(run_dir, dot=traffic_map.graphviz_available())
    return files[-1]


@pytest.fixture(scope="module")
def dom(browser, report, tmp_path_factory) -> str:
    return chromium(browser, tmp_path_factory.mktemp("profile"), "--dump-dom", report.as_uri())


@pytest.fixture(scope="module")
def page(dom) -> PageParts:
    parts = PageParts()
    parts.feed(dom)
    return parts


@pytest.fixture(scope="module")
def stats(report) -> dict:
    return json.loads((report.parent.parent / "stats.json").read_text())


@pytest.fixture(scope="module")
def run(report) -> Run:
    return load_run(report.parent.parent)


def test_dom_has_the_title_and_headings(dom, page, stats, run):
    name = f"{run.title} on {stats['device']['name']}" if run.title else stats["device"]["name"]
    assert run.title == "05_multihead_attention.tdf"  # the run's title is the file it ran
    assert page.title == f"tensix run report: {name}"
    assert f"<h1>Run report: {name}</h1>" in dom
    for heading in ("Summary", "What limits this run", "Top 10 hottest links", "Top 10 busiest cores",
                    "Mesh traffic map", "Heatmaps", "Timeline", "SRAM map", "Words used here"):
        assert re.search(rf"<h[23][^>]*>{heading}</h[23]>", dom), heading


def test_the_verdict_names_the_bottleneck(page, dom):
    verdict = dom[dom.index("What limits this run"):]
    assert re.match(r"What limits this run</h3><p><b>(Data movement|Compute|Latency) bound:</b> ", verdict)
    assert '<a href="timeline.json"><b>timeline.json</b></a>' in dom  # Chromium's DOM dump uses double quotes


def test_summary_table_shows_the_cycle_count(page, stats):
    assert ["run length", f"{stats['total_cycles']:,} cycles", "simulated device cycles"] in page.rows


def test_top_links_table_lists_the_hottest_links(page, stats, run):
    expected = [list(row) for row in link_rows(run.stats, trace=run.trace)]
    assert len(expected) == 10
    start = page.rows.index(expected[0])
    assert page.rows[start:start + 10] == expected
    assert expected[0][5].startswith(f"{max(ln['bytes'] for ln in stats['links']):,} (")


def test_every_image_is_an_inline_png(page):
    assert {"NoC 0 heatmap", "NoC 1 heatmap", "core heatmap", "timeline"} <= {img.get("alt") for img in page.imgs}
    for img in page.imgs:
        prefix, _, data = img["src"].partition("base64,")
        assert prefix == "data:image/png;" and data, img.get("alt")
        raw = base64.b64decode(data, validate=True)
        assert raw.startswith(PNG_MAGIC), img.get("alt")
        height, width = matplotlib.image.imread(io.BytesIO(raw), format="png").shape[:2]
        assert height >= 100 and width >= 100, (img.get("alt"), height, width)


def test_inline_svgs_are_in_the_dom(page, report):
    html = report.read_text()
    assert page.svgs == len(re.findall(r"<svg\b", html))
    assert page.svgs >= (4 if traffic_map.graphviz_available() else 1)  # traffic maps (graphviz) and the SRAM map


def test_screenshot_is_not_blank(browser, report, tmp_path):
    shot = tmp_path / "report.png"
    chromium(browser, tmp_path / "profile", f"--screenshot={shot}", f"--window-size={WINDOW[0]},{WINDOW[1]}",
             report.as_uri())
    assert shot.stat().st_size > 100_000
    pixels = matplotlib.image.imread(shot)[..., :3]
    assert pixels.shape[:2] == (WINDOW[1], WINDOW[0])
    rgb = (pixels * 255).round().astype(np.uint32)
    assert len(np.unique(rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2])) > 200  # figures, not flat text
    assert (pixels.min(axis=2) < 0.9).mean() > 0.05  # text, tables and figures, not a white page
