"""Report: one self-contained `report.html` that shows every view of a run to someone new to the project.

Input: the `Run`, the files the other tools wrote into the output directory, and optionally a `RunDiff`; output:
`report.html` with inline CSS, inline SVG and base64 PNGs (no scripts, no external assets). Order: what ran and
the words used, what limits the run, the pictures (traffic map first), then the detailed tables.
"""

from __future__ import annotations

import re
from pathlib import Path

from .diff import RunDiff
from .explain import glossary
from .report_ops import op_header, op_rows
from .report_parts import (
    diff_section,
    esc,
    figure,
    file_list,
    html_table,
    picture,
    png_tag,
    sram_section,
    timeline_section,
    zero_skip_section,
)
from .runfiles import Run
from .summary import CORE_HEADER, LINK_HEADER, LOADED_BY, core_rows, link_rows, quantities
from .verdict import limit_sentences, noc_balance, program_line
from .zero_skip import zero_skip_summary

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1280px;
       padding: 1.5em; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
p.explain { color: #444; max-width: 62em; } .sub { color: #555; } p.program { font-size: 1.1em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } tr:nth-child(even) td { background: #fafafa; }
figure { margin: 1.2em 0; } figcaption { color: #555; font-size: 0.9em; }
figure svg, figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
div.wide { width: calc(100vw - 3em); max-width: 1900px; position: relative; left: 50%; transform: translateX(-50%); }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
.notice { background: #fff6dd; border: 1px solid #e8c766; padding: 0.6em 1em; }
.verdict { background: #eef5ff; border-left: 5px solid #3b78d8; padding: 0.5em 1.2em; margin: 1em 0; }
.verdict p { margin: 0.45em 0; max-width: 70em; } .verdict p:first-of-type { font-size: 1.1em; }
details { margin: 0.6em 0; } summary { cursor: pointer; font-weight: 600; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
dl.glossary { display: grid; grid-template-columns: 1fr 1fr; column-gap: 2.5em; font-size: 0.88em; }
p.short { background: #eef5ff; padding: 0.4em 0.8em; border-left: 5px solid #3b78d8; }
dl.glossary div { margin: 0.25em 0; } dt { font-weight: 600; display: inline; } dt::after { content: ": "; }
dd { display: inline; margin: 0; } nav.toc { margin: 0.8em 0; } nav.toc a { margin-right: 1.1em; }
li.main { background: #eef5ff; padding: 0.2em 0.4em; }
"""

SECTIONS = (("words", "Words used here"), ("summary", "Summary"), ("traffic", "Mesh traffic map"),
            ("heatmaps", "Heatmaps"), ("timeline", "Timeline"), ("sram", "SRAM map"), ("zero-skip", "Zero skipping"),
            ("tables", "Busiest links and cores"), ("ops", "Cost per source op"), ("diff", "Compared with another run"),
            ("files", "Files in this folder"))


def h2(key: str) -> str:
    return f"<h2 id='{key}'>{esc(dict(SECTIONS)[key])}</h2>"


def prose(text: str) -> str:
    """Escaped text with `code` in backticks as <code> and a leading "Verdict:" in bold."""
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", esc(text))
    return re.sub(r"^([A-Z][a-z]+ [a-z ]*bound:)", r"<b>\1</b>", out)


def _head(run: Run, shown: set[str]) -> str:
    dev = run.stats.device
    what = f"{run.title} on {dev.name}" if run.title else dev.name
    toc = "".join(f"<a href='#{key}'>{esc(title)}</a>" for key, title in SECTIONS if key in shown)
    return (f"<h1>Run report: {esc(what)}</h1><p class='program'>{esc(program_line(run))}</p>"
            f"<p class='sub'>Device {esc(dev.name)}: NoC grid {dev.width}x{dev.height} tiles, "
            f"{len(dev.compute_cores)} compute cores, clock {dev.clock_hz / 1e9:g} GHz. Run directory "
            f"<code>{esc(run.path)}</code>.</p><p class='short'>In short: {prose(limit_sentences(run)[0])} "
            "<a href='#summary'>Why</a></p><p class='explain'>This page shows where data moved across the chip's "
            "networks, how busy each core and link was, what each core did over time and how full its memory was. "
            "The emulator simulated the run cycle by cycle; no hardware was involved.</p>"
            f"<nav class='toc'>Jump to: {toc}</nav>")


def _words(run: Run) -> str:
    items = "".join(f"<div id='g-{esc(term.split(' ')[0].lower())}'><dt>{esc(term)}</dt><dd>{esc(text)}</dd></div>"
                    for term, text in glossary(run.stats))
    return h2("words") + f"<dl class='glossary'>{items}</dl>"


def _summary(run: Run) -> str:
    found = [*limit_sentences(run), noc_balance(run), zero_skip_summary(run.stats)]
    verdict = "".join(f"<p>{prose(text)}</p>" for text in found if text)
    rows = [(q.name, q.text(), q.note) for q in quantities(run.stats)]
    return (h2("summary") + f"<div class='verdict'><h3>What limits this run</h3>{verdict}</div>"
            "<p class='explain'>The headline numbers. Peak compute assumes every core's matrix engine works every "
            "cycle.</p>" + html_table(("quantity", "value", "what it means"), rows))


def _traffic(files: dict[str, Path], nocs: tuple[int, ...]) -> str:
    explain = ("Every tile of the chip's NoC grid at its position ((0,0) top left, x to the right, y down), labelled "
               "with its NoC position and what it is. Arrows are links, coloured and thickened by the bytes they "
               "carried; thin grey arrows carried nothing. Arrows leaving the border are the torus wraparound links. "
               "The legend is below the grid; hover an arrow or a tile for its exact figures.")
    parts = [h2("traffic"), f"<figure><h3>Both NoCs</h3><p class='explain'>{esc(explain)}</p>"
             f"<div class='wide'>{picture(files, 'traffic_all', 'traffic')}</div></figure>"]
    singles = [(n, picture(files, f"traffic_noc{n}", f"NoC {n} traffic")) for n in nocs]
    if any(body for _, body in singles):
        cells = "".join(f"<figure><h3>NoC {n} only</h3>{body}<figcaption>Full size: <a href='traffic_noc{n}.svg'>"
                        f"traffic_noc{n}.svg</a></figcaption></figure>" for n, body in singles)
        parts.append("<p class='explain'>Each NoC on its own (reads travel on NoC 1 and writes on NoC 0 unless a "
                     f"kernel chooses otherwise):</p><div class='pair'>{cells}</div>")
    return "".join(parts)


def _heatmaps(files: dict[str, Path], nocs: tuple[int, ...]) -> str:
    parts = [h2("heatmaps")]
    for n in nocs:
        if f"heatmap_links_noc{n}.png" in files:
            parts.append(figure(f"NoC {n} link utilization", "For each tile, how busy the link leaving it was (% of "
                                "run cycles), one panel per direction the NoC moves in. Both NoCs share one colour "
                                "scale, so their pictures compare directly.",
                                png_tag(files[f"heatmap_links_noc{n}.png"], f"NoC {n} heatmap")))
    if "heatmap_cores.png" in files:
        parts.append(figure("Core busy fraction", "How much of the run each compute core was working. The colour "
                            "scale runs from 0 to just above the busiest core, so small differences show; grey tiles "
                            "are not compute cores and are labelled with their kind.",
                            png_tag(files["heatmap_cores.png"], "core heatmap")))
    return "".join(parts)


def _tables(run: Run) -> str:
    return (h2("tables") + "<h3>Top 10 hottest links</h3><p class='explain'>The links that carried the most bytes. "
            "Utilization = cycles the link was busy / run cycles. Positions are NoC positions.</p>"
            + html_table((*LINK_HEADER, LOADED_BY), link_rows(run.stats, trace=run.trace))
            + "<h3>Top 10 busiest cores</h3><p class='explain'>Busy = share of the run in which the core's kernels "
            "were working rather than waiting. <b>core (x,y)</b> is the core's logical coordinate in the program's "
            "grid of compute cores; <b>NoC position</b> is where that core physically sits on the chip's NoC grid "
            "(the maps and heatmaps are drawn by NoC position). Cores with identical figures share a row.</p>"
            + html_table(CORE_HEADER, core_rows(run.stats)))


def _ops(run: Run) -> str:
    if not run.trace.ops:
        return ""
    return (h2("ops") + "<p class='explain'>What each op of the program cost. <b>Cycles on the critical path</b>: "
            "walking back from the end of the kernel that finished last, each cycle of the run is charged to the op "
            "that held the run up then: the op a kernel worked on, or, while it waited, the op of the transfer or "
            "the kernel that released it (its NoC transfer landing, a CB handshake on its core); the column adds up "
            "to the run's cycles. <b>NoC bytes x hops</b>: bytes of the op's transfers times the links each crossed, "
            "as the summary counts them; <b>DRAM bytes</b>: read from and written to DRAM. With zero skipping on, the "
            "bytes the op did not move, and the core cycles it saved net of the zero checks, summed over its cores "
            "(not an end-to-end figure). The last row holds the run's totals, which the columns add up to.</p>"
            + html_table(op_header(run), op_rows(run)))


def report_html(run: Run, files: list[Path], *, diff: RunDiff | None = None, against: str = "") -> str:
    """The whole report as one HTML string."""
    by_name = {p.name: p for p in files}
    nocs = run.stats.nocs
    sections = [("words", _words(run)), ("summary", _summary(run)), ("traffic", _traffic(by_name, nocs)),
                ("heatmaps", _heatmaps(by_name, nocs)), ("timeline", timeline_section(run, by_name, h2("timeline"))),
                ("sram", sram_section(run, by_name, h2("sram"))),
                ("zero-skip", zero_skip_section(run, by_name, h2("zero-skip"))), ("tables", _tables(run)),
                ("ops", _ops(run)),
                ("diff", diff_section(diff, by_name, against, h2("diff"))), ("files", file_list(by_name, h2("files")))]
    shown = {key for key, body in sections if body}
    body = _head(run, shown) + "".join(body for _, body in sections)
    what = f"{run.title} on {run.stats.device.name}" if run.title else run.stats.device.name
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>tensix run report: {esc(what)}"
            f"</title><style>{CSS}</style></head><body>{body}</body></html>\n")


def write_report(run: Run, out_dir: Path, files: list[Path], *, diff: RunDiff | None = None,
                 against: str = "") -> Path:
    """Write `out_dir/report.html` from the files already written there; returns its path."""
    path = out_dir / "report.html"
    path.write_text(report_html(run, files, diff=diff, against=against))
    return path
