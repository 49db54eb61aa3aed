"""Report sections below the pictures of the traffic and heatmaps: timeline, SRAM, zero skipping, diff, file list,
and the small HTML helpers every section uses.

Input: the `Run` and the files written into the output directory; output: HTML fragments for `report.py`.
"""

from __future__ import annotations

import base64
import html
from collections import Counter
from pathlib import Path

from .diff import CORE_CHANGE_HEADER, LINK_CHANGE_HEADER, RunDiff, core_change_rows, link_change_rows, summary_rows
from .explain import WAIT_PREFIX, buffer_meaning, op_meaning, wait_base
from .runfiles import Run
from .sram_map import KIND_WORD, layout_members, sram_table, sram_uses
from .traffic_map import INSTALL_HINT
from .units import coord_list, fmt_bytes, fmt_pct, fmt_share
from .zero_skip import ZERO_SKIP_HEADER, ops_of, zero_skip_rows, zero_skip_summary

PERFETTO = "https://ui.perfetto.dev"
FILE_WORDS = (("traffic_all", "traffic map of both NoCs"), ("traffic_noc", "traffic map of one NoC"),
              ("diff_traffic", "change in link bytes against the baseline"), ("heatmap_links", "link heatmap"),
              ("heatmap_cores", "core busy heatmap"), ("diff_heatmap", "change heatmap against the baseline"),
              ("timeline_overview", "static timeline picture"), ("sram", "SRAM map"),
              ("zero_skip", "zero-skip savings"), ("summary", "the summary"),
              ("diff", "the comparison with the baseline"))
SUFFIX_WORDS = {".svg": "SVG", ".png": "PNG", ".txt": "text", ".dot": "graphviz source"}


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


def op_rows(run: Run) -> list[tuple[str, str, str, str]]:
    """(bar name, kernels, share of kernel time, meaning) for every op and wait in the trace, longest first."""
    cycles: Counter = Counter()
    roles: dict[str, set[str]] = {}
    for s in run.trace.spans:
        name = WAIT_PREFIX + wait_base(s.name) if s.name.startswith(WAIT_PREFIX) else s.name
        cycles[name] += s.end - s.start
        roles.setdefault(name, set()).add(s.role)
    kernels = len({(s.core, s.role) for s in run.trace.spans}) * max(1, run.stats.total_cycles)
    return [(name, ", ".join(sorted(roles[name])), fmt_share(n / kernels), op_meaning(name) or "(no description)")
            for name, n in cycles.most_common()]


def timeline_section(run: Run, files: dict[str, Path], heading: str) -> str:
    body = png_tag(files["timeline_overview.png"], "timeline") if "timeline_overview.png" in files else ""
    explain = ("A row per core and kernel. Full-height bars are work, coloured by op; thin pale bars are waits, "
               "coloured by the call the kernel waited in. The table below says what each name means.")
    link = (f"<p class='explain'>For the full interactive timeline (every core, NoC transfers as arrows, link "
            f"utilization over time) open <a href='timeline.json'>timeline.json</a> from this folder in "
            f"<a href='{PERFETTO}'>ui.perfetto.dev</a> (\u201cOpen trace file\u201d).</p>")
    table = html_table(("bar name", "kernels", "share of kernel time", "what it means"), op_rows(run))
    return heading + figure("What each kernel did over time", explain, body) + link + table


def sram_section(run: Run, files: dict[str, Path], heading: str) -> str:
    groups = layout_members(sram_uses(run.stats))
    rows = [(coord_list([u.core.core for u in g]) + (f" ({len(g)} cores, same layout)" if len(g) > 1 else ""),
             coord_list([u.core.noc for u in g]), str(len(g[0].core.buffers)), fmt_bytes(g[0].allocated),
             fmt_bytes(g[0].core.sram_high_water), fmt_pct(g[0].fraction)) for g in groups]
    header = ("core (logical)", "NoC position", "buffers", "allocated", "high-water", "of capacity")
    explain = ("Each bar is one core's L1 memory by address (cores with identical layouts share a bar); coloured "
               "blocks are the buffers the program placed there, named as in the program; the black tick is the "
               "high-water mark.")
    return (heading + figure("Buffers in each core's SRAM", explain, picture(files, "sram", "SRAM map"))
            + html_table(header, rows) + "<h3>What the buffers hold</h3>"
            + html_table(("buffer", "kind", "size", "on cores", "what it holds"), buffer_rows(run))
            + f"<details><summary>Every buffer by address (text)</summary><pre>{esc(sram_table(run.stats))}</pre>"
            "</details>")


def buffer_rows(run: Run) -> list[tuple[str, ...]]:
    """One row per buffer name: kind, size (or range), how many cores hold it, what it holds."""
    seen: dict[tuple[str, str], list[int]] = {}
    for core in run.stats.cores:
        for b in core.buffers:
            seen.setdefault((b.name, b.kind), []).append(b.nbytes)
    rows = []
    for (name, kind), sizes in seen.items():
        size = fmt_bytes(min(sizes)) + ("" if min(sizes) == max(sizes) else f" \u2013 {fmt_bytes(max(sizes))}")
        rows.append((name, KIND_WORD.get(kind, kind), size, str(len(sizes)),
                     buffer_meaning(name, kind, run.program) or "(no description)"))
    return rows


def zero_skip_section(run: Run, files: dict[str, Path], heading: str) -> str:
    if not ops_of(run.stats):
        return ""
    body = png_tag(files["zero_skip.png"], "zero skip") if "zero_skip.png" in files else ""
    explain = ("Multiply-accumulates (MACs), NoC bytes, DRAM bytes and cycles that were not spent because the "
               "operands were zero, per op; each bar is split into the cores that ran the op.")
    columns = ("In the table, skipped = MACs skipped / MACs total; zeros = share of the op's activations that were "
               "zero; cycles saved (net) = cycles avoided minus the check overhead (the cycles spent testing for "
               "zeros). Cores with identical figures share a row, with the figures of one core. (unlabelled) is work "
               "outside any labelled op.")
    return (heading + f"<div class='verdict'><p>{esc(zero_skip_summary(run.stats))}</p></div>"
            + figure("Work saved by skipping zeros", explain, body) + f"<p class='explain'>{esc(columns)}</p>"
            + html_table(ZERO_SKIP_HEADER, zero_skip_rows(run.stats)))


def diff_section(d: RunDiff | None, files: dict[str, Path], against: str, heading: str) -> str:
    if d is None:
        return ""
    parts = [heading,
             f"<p class='explain'>Baseline: <code>{esc(against)}</code>. Changes are this run minus the baseline.</p>",
             html_table(("quantity", "baseline", "this run", "change"), summary_rows(d)),
             "<h3>Links whose traffic changed most</h3>", html_table(LINK_CHANGE_HEADER, link_change_rows(d)),
             "<h3>Cores whose busy fraction changed most</h3>", html_table(CORE_CHANGE_HEADER, core_change_rows(d)),
             figure("Change in link bytes, both NoCs", "Red arrows carried more bytes than in the baseline, blue "
                    "fewer; core shade shows the change in busy fraction.", picture(files, "diff_traffic_all", "diff"))]
    parts += [f"<details><summary>NoC {n} only</summary>{picture(files, f'diff_traffic_noc{n}', 'diff')}</details>"
              for n in d.run.nocs]
    parts += [png_tag(files[name], name) for name in sorted(files) if name.startswith("diff_heatmap")]
    return "".join(parts)


def file_words(stem: str) -> str:
    return next((text for prefix, text in FILE_WORDS if stem.startswith(prefix)), "")


def file_list(files: dict[str, Path], heading: str) -> str:
    """Links to the files next to this report, one line per view (its formats side by side); timeline.json first,
    with how to open it."""
    items = []
    if "timeline.json" in files:
        items.append("<li class='main'><a href='timeline.json'><b>timeline.json</b></a> \u2014 the interactive "
                     f"timeline: open <a href='{PERFETTO}'>ui.perfetto.dev</a>, choose \u201cOpen trace file\u201d "
                     "and pick this file (or chrome://tracing).</li>")
    stems: dict[str, list[str]] = {}
    for name in sorted(files):
        if name != "timeline.json":
            stems.setdefault(Path(name).stem, []).append(name)
    for stem, names in stems.items():
        links = " \u00b7 ".join(f"<a href='{esc(n)}'>{esc(n)}</a> ({SUFFIX_WORDS.get(Path(n).suffix, 'file')})"
                                 for n in sorted(names, key=_format_order))
        items.append(f"<li>{esc(file_words(stem))}: {links}</li>")
    return heading + f"<ul>{''.join(items)}</ul>"


def _format_order(name: str) -> int:
    return list(SUFFIX_WORDS).index(Path(name).suffix) if Path(name).suffix in SUFFIX_WORDS else 9
