"""Report: one self-contained `report.html` that shows every view of a run to someone new to the project.

Input: the `Run`, the files the other tools wrote into the output directory, and optionally a `RunDiff`; output:
`report.html` with inline CSS, inline SVG and base64 PNGs (no scripts, no external assets).
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from .diff import (
    CORE_CHANGE_HEADER,
    LINK_CHANGE_HEADER,
    RunDiff,
    core_change_rows,
    link_change_rows,
    summary_rows,
)
from .runfiles import Run
from .sram_map import sram_table, sram_uses
from .summary import CORE_HEADER, LINK_HEADER, core_rows, link_rows, quantities
from .traffic_map import INSTALL_HINT
from .units import fmt_bytes, fmt_coord, fmt_pct
from .zero_skip import ZERO_SKIP_HEADER, zero_skip_rows

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1280px;
       padding: 1.5em; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
p.explain { color: #444; max-width: 60em; } .sub { color: #666; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } tr:nth-child(even) td { background: #fafafa; }
figure { margin: 1.2em 0; } figcaption { color: #555; font-size: 0.9em; }
figure svg, figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
.notice { background: #fff6dd; border: 1px solid #e8c766; padding: 0.6em 1em; }
details { margin: 0.6em 0; } summary { cursor: pointer; font-weight: 600; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
dt { font-weight: 600; } dd { margin: 0 0 0.4em 1.5em; }
"""

GLOSSARY = [
    ("Tensix core", "a compute tile: five small RISC-V processors, a matrix engine and its own SRAM (L1). "
     "Three kernels run on it: reader (brings data in), compute (does the math), writer (sends results out)."),
    ("NoC", "network-on-chip. Two independent ones; each is a 2-D torus (the last column links back to the first, "
     "the last row to the first). NoC 0 moves data east then south, NoC 1 north then west."),
    ("link", "the one-way connection from a tile to its neighbour on one NoC; it carries one flit (32 or 64 bytes) "
     "per cycle."),
    ("utilization / busy", "cycles a link or core was working divided by the cycles of the whole run."),
    ("DRAM bank", "off-chip memory reached through a DRAM tile on the NoC grid."),
    ("SRAM / L1", "a core's local memory; buffers are placed at addresses in it. High-water = most bytes ever in "
     "use at once."),
    ("circular buffer (CB)", "a queue in L1 through which the reader, compute and writer kernels hand tiles on."),
    ("cycle", "one tick of the device clock; times are cycles converted at the clock rate."),
]


def esc(text: object) -> str:
    return html.escape(str(text))


def html_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """An HTML table; an empty body says so."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    if not rows:
        return f'<table><tr>{head}</tr><tr><td colspan="{len(header)}">(none)</td></tr></table>'
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def png_tag(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{data}">'


def svg_inline(path: Path) -> str:
    """An SVG file's <svg> element, without its XML prolog and doctype, ready to inline."""
    text = path.read_text()
    return text[text.index("<svg"):] if "<svg" in text else ""


def figure(title: str, explain: str, body: str) -> str:
    return f"<figure><h3>{esc(title)}</h3><p class='explain'>{esc(explain)}</p>{body}</figure>"


def picture(files: dict[str, Path], stem: str, alt: str) -> str:
    """The SVG (inline) or PNG (base64) named `stem`, or a notice when neither was drawn."""
    if f"{stem}.svg" in files:
        return svg_inline(files[f"{stem}.svg"])
    if f"{stem}.png" in files:
        return png_tag(files[f"{stem}.png"], alt)
    if f"{stem}.dot" in files:
        return f"<p class='notice'>Not drawn: {esc(INSTALL_HINT)} Source: <code>{esc(stem)}.dot</code>.</p>"
    return ""


def _summary(run: Run) -> str:
    rows = [(q.name, q.text(), q.note) for q in quantities(run.stats)]
    return ("<h2>Summary</h2><p class='explain'>The headline numbers of the run. Peak compute assumes every "
            "core's matrix engine works every cycle.</p>" + html_table(("quantity", "value", "what it means"), rows)
            + "<h3>Top 10 hottest links</h3><p class='explain'>The links that carried the most bytes. Utilization "
            "= cycles the link was busy / run cycles.</p>" + html_table(LINK_HEADER, link_rows(run.stats))
            + "<h3>Top 10 busiest cores</h3><p class='explain'>Busy = share of the run in which the core's kernels "
            "were working rather than waiting.</p>" + html_table(CORE_HEADER, core_rows(run.stats)))


def _traffic(files: dict[str, Path], nocs: tuple[int, ...]) -> str:
    explain = ("Every tile of the NoC grid at its grid position ((0,0) top left, x to the right, y down). Arrows are "
               "links, coloured and thickened by the bytes they carried; grey thin arrows carried nothing. Arrows "
               "leaving the border are the torus wraparound links. Hover an arrow or a tile for its exact figures.")
    parts = ["<h2>Mesh traffic map</h2>", figure("Both NoCs", explain, picture(files, "traffic_all", "traffic"))]
    for n in nocs:
        body = picture(files, f"traffic_noc{n}", f"NoC {n} traffic")
        parts.append(f"<details><summary>NoC {n} only</summary>{body}</details>")
    return "".join(parts)


def _heatmaps(files: dict[str, Path], nocs: tuple[int, ...]) -> str:
    parts = ["<h2>Heatmaps</h2>"]
    for n in nocs:
        if f"heatmap_links_noc{n}.png" in files:
            parts.append(figure(f"NoC {n} link utilization", "For each tile, how busy the link leaving it was (% of "
                                "run cycles), one panel per direction the NoC moves in.",
                                png_tag(files[f"heatmap_links_noc{n}.png"], f"NoC {n} heatmap")))
    if "heatmap_cores.png" in files:
        parts.append(figure("Core busy fraction", "How much of the run each compute core was working; grey tiles "
                            "are not compute cores.", png_tag(files["heatmap_cores.png"], "core heatmap")))
    return "".join(parts)


def _timeline(files: dict[str, Path]) -> str:
    body = png_tag(files["timeline_overview.png"], "timeline") if "timeline_overview.png" in files else ""
    return ("<h2>Timeline</h2>" + figure(
        "What each kernel did over time", "A row per core and kernel; a bar per operation, grey bars are waits. "
        "For the full interactive timeline (every core, NoC transfers as arrows, link utilization over time) open "
        "timeline.json from this folder at https://ui.perfetto.dev (\u201cOpen trace file\u201d).", body))


def _sram(run: Run, files: dict[str, Path]) -> str:
    rows = [(fmt_coord(u.core.core), fmt_coord(u.core.noc), str(len(u.core.buffers)), fmt_bytes(u.allocated),
             fmt_bytes(u.core.sram_high_water), fmt_pct(u.fraction)) for u in sram_uses(run.stats)]
    header = ("core", "NoC position", "buffers", "allocated", "high-water", "of capacity")
    return ("<h2>SRAM map</h2>" + figure(
        "Buffers in each core's SRAM", "Each bar is one core's L1 memory by address; coloured blocks are the "
        "buffers the program placed there (named as in the source); the black tick is the high-water mark.",
        picture(files, "sram", "SRAM map")) + html_table(header, rows)
        + f"<details><summary>Every buffer (text)</summary><pre>{esc(sram_table(run.stats))}</pre></details>")


def _zero_skip(run: Run, files: dict[str, Path]) -> str:
    if not run.stats.zero_skip:
        return ""
    body = png_tag(files["zero_skip.png"], "zero skip") if "zero_skip.png" in files else ""
    return ("<h2>Zero skipping</h2>" + figure(
        "Work saved by skipping zeros", "Multiply-accumulates, NoC bytes, DRAM bytes and cycles that were not "
        "spent because the operands were zero, per op; each bar is split into the cores that ran the op.", body)
        + html_table(ZERO_SKIP_HEADER, zero_skip_rows(run.stats)))


def _diff(d: RunDiff | None, files: dict[str, Path], against: str) -> str:
    if d is None:
        return ""
    nocs = d.run.nocs
    parts = ["<h2>Compared with another run</h2>",
             f"<p class='explain'>Baseline: <code>{esc(against)}</code>. Changes are this run minus the baseline.</p>",
             html_table(("quantity", "baseline", "this run", "change"), summary_rows(d)),
             "<h3>Links whose traffic changed most</h3>", html_table(LINK_CHANGE_HEADER, link_change_rows(d)),
             "<h3>Cores whose busy fraction changed most</h3>", html_table(CORE_CHANGE_HEADER, core_change_rows(d)),
             figure("Change in link bytes, both NoCs", "Red arrows carried more bytes than in the baseline, blue "
                    "fewer; core shade shows the change in busy fraction.", picture(files, "diff_traffic_all", "diff"))]
    parts += [f"<details><summary>NoC {n} only</summary>{picture(files, f'diff_traffic_noc{n}', 'diff')}</details>"
              for n in nocs]
    parts += [png_tag(files[name], name) for name in sorted(files) if name.startswith("diff_heatmap")]
    return "".join(parts)


def _files(files: dict[str, Path]) -> str:
    items = "".join(f"<li><code>{esc(name)}</code></li>" for name in sorted(files))
    return f"<h2>Files in this folder</h2><ul>{items}</ul>"


def _glossary() -> str:
    items = "".join(f"<dt>{esc(term)}</dt><dd>{esc(text)}</dd>" for term, text in GLOSSARY)
    return f"<h2>Words used here</h2><dl>{items}</dl>"


def report_html(run: Run, files: list[Path], *, diff: RunDiff | None = None, against: str = "") -> str:
    """The whole report as one HTML string."""
    by_name = {p.name: p for p in files}
    dev, nocs = run.stats.device, run.stats.nocs
    head = (f"<h1>Run report: {esc(dev.name)}</h1><p class='sub'>Run directory <code>{esc(run.path)}</code>; "
            f"NoC grid {dev.width}x{dev.height} tiles, {len(dev.compute_cores)} compute cores, clock "
            f"{dev.clock_hz / 1e9:g} GHz.</p><p class='explain'>This page shows where data moved across the chip's "
            "networks, how busy each core and link was, what each core did over time and how full its memory was. "
            "The emulator simulated the run cycle by cycle; no hardware was involved.</p>")
    body = "".join([head, _summary(run), _traffic(by_name, nocs), _heatmaps(by_name, nocs), _timeline(by_name),
                    _sram(run, by_name), _zero_skip(run, by_name), _diff(diff, by_name, against), _glossary(),
                    _files(by_name)])
    title = f"tensix run report: {dev.name}"
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
            f"<style>{CSS}</style></head><body>{body}</body></html>\n")


def write_report(run: Run, out_dir: Path, files: list[Path], *, diff: RunDiff | None = None,
                 against: str = "") -> Path:
    """Write `out_dir/report.html` from the files already written there; returns its path."""
    path = out_dir / "report.html"
    path.write_text(report_html(run, files, diff=diff, against=against))
    return path
