"""Diff of two runs: where traffic and time changed between a baseline run (`against`) and this run.

Input: two `Stats` on the same NoC grid; output: `diff.txt`, delta traffic maps (`diff_traffic_*.dot`, and SVG/PNG
with graphviz; red = more bytes now, blue = fewer) and delta heatmaps (`diff_heatmap_*.png`). Deltas are
this run minus the baseline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tensix.jsondoc import Coord, RunFileError
from tensix.noc.routing import DIRS
from tensix.stats import Stats

from .heatmap import DIR_WORDS, Panel, Scale, grid_figure
from .summary import quantities, text_table
from .traffic_map import KIND_FILL, EdgeStyle, Legend, NodeStyle, mesh_dot, tile_nodes, write_dots
from .units import cmap_hex, coord_list, fmt_bytes, fmt_coord, fmt_int, fmt_pct, fmt_signed_bytes

DELTA_CMAP = "RdBu_r"  # red = grew, blue = shrank, white = unchanged
SAME_COLOR = "#9a9a9a"


@dataclass(frozen=True, slots=True)
class LinkDelta:
    """One link's bytes in the baseline and in this run."""

    noc: int
    src: Coord
    dir: str
    before: int
    after: int

    @property
    def delta(self) -> int:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class CoreDelta:
    """One core's busy fraction in the baseline and in this run."""

    core: Coord
    noc: Coord
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class RunDiff:
    """This run against a baseline: per-link and per-core changes."""

    run: Stats
    base: Stats
    links: tuple[LinkDelta, ...]
    cores: tuple[CoreDelta, ...]


def diff_runs(run: Stats, base: Stats) -> RunDiff:
    """Compare two runs on the same NoC grid.

    Raises
    ------
    RunFileError
        If the two runs are on NoC grids of different sizes.
    """
    a, b = run.device, base.device
    if (a.width, a.height) != (b.width, b.height):
        raise RunFileError(f"cannot compare runs on different NoC grids: {a.name} {a.width}x{a.height} against "
                           f"{b.name} {b.width}x{b.height}")
    after = {(ln.noc, ln.src, ln.dir): ln.nbytes for ln in run.links}
    before = {(ln.noc, ln.src, ln.dir): ln.nbytes for ln in base.links}
    keys = sorted(after.keys() | before.keys(), key=lambda k: (k[0], k[1][::-1], k[2]))
    links = tuple(LinkDelta(n, s, d, before.get((n, s, d), 0), after.get((n, s, d), 0)) for n, s, d in keys)
    busy_after = {c.noc: c for c in run.cores}
    busy_before = {c.noc: c.busy_fraction for c in base.cores}
    cores = tuple(CoreDelta(c.core, xy, busy_before.get(xy, 0.0), c.busy_fraction) for xy, c in busy_after.items())
    return RunDiff(run, base, links, cores)


def _change(before: float, after: float, fmt) -> str:
    """`+300 cycles (+50.0%)`; fractions change in percentage points; `no change` when equal."""
    delta = after - before
    if delta == 0:
        return "no change"
    if fmt is fmt_pct:
        return f"{100 * delta:+.1f} pts"
    rel = f" ({delta / before:+.1%})" if before else ""
    return f"{'+' if delta > 0 else '-'}{fmt(abs(delta))}{rel}"


def summary_rows(d: RunDiff) -> list[tuple[str, str, str, str]]:
    """(quantity, baseline, this run, change) for every summary number both runs have."""
    base = {q.name: q for q in quantities(d.base)}
    rows = []
    for q in quantities(d.run):
        if q.name in base:
            rows.append((q.name, base[q.name].text(), q.text(), _change(base[q.name].value, q.value, q.fmt)))
    return rows


def top_link_changes(d: RunDiff, n: int = 10) -> list[LinkDelta]:
    """The n links whose bytes changed the most (either way)."""
    return sorted((ln for ln in d.links if ln.delta), key=lambda ln: -abs(ln.delta))[:n]


def top_core_changes(d: RunDiff, n: int = 10) -> list[CoreDelta]:
    return sorted((c for c in d.cores if c.delta), key=lambda c: -abs(c.delta))[:n]


LINK_CHANGE_HEADER = ("NoC", "link from", "direction", "baseline", "this run", "change")
CORE_CHANGE_HEADER = ("core", "NoC position", "baseline busy", "this run busy", "change")


def link_change_rows(d: RunDiff, n: int = 10) -> list[tuple[str, ...]]:
    return [(str(ln.noc), fmt_coord(ln.src), ln.dir, fmt_bytes(ln.before), fmt_bytes(ln.after),
             fmt_signed_bytes(ln.delta)) for ln in top_link_changes(d, n)]


def core_change_rows(d: RunDiff, n: int = 10) -> list[tuple[str, ...]]:
    """The n largest busy changes; cores with the same before and after share a row."""
    groups: dict[tuple[float, float], list[CoreDelta]] = {}
    for c in top_core_changes(d, len(d.cores)):
        groups.setdefault((c.before, c.after), []).append(c)
    return [(coord_list([c.core for c in g]) + (f" ({len(g)} cores)" if len(g) > 1 else ""),
             coord_list([c.noc for c in g]), fmt_pct(g[0].before), fmt_pct(g[0].after), f"{100 * g[0].delta:+.1f} pts")
            for g in list(groups.values())[:n]]


def diff_text(d: RunDiff, against: str = "baseline") -> str:
    """The diff as plain text (written as `diff.txt`)."""
    return "\n\n".join([f"This run against {against} (change = this run - baseline)",
                        text_table(("quantity", "baseline", "this run", "change"), summary_rows(d)),
                        "Links whose traffic changed most", text_table(LINK_CHANGE_HEADER, link_change_rows(d)),
                        "Cores whose busy fraction changed most", text_table(CORE_CHANGE_HEADER, core_change_rows(d))]
                       ) + "\n"


def _delta_edges(d: RunDiff, nocs: Iterable[int], top: int) -> dict:
    links = [ln for ln in d.links if ln.noc in set(nocs)]
    vmax = max((abs(ln.delta) for ln in d.links), default=0) or 1
    labelled = set(top_link_changes(RunDiff(d.run, d.base, tuple(links), d.cores), top))
    edges = {}
    for ln in links:
        t = ln.delta / vmax
        tip = (f"NoC {ln.noc} link from {fmt_coord(ln.src)} going {ln.dir}: {fmt_int(ln.before)} -> "
               f"{fmt_int(ln.after)} bytes ({fmt_signed_bytes(ln.delta)})")
        color = _delta_color(t) if ln.delta else SAME_COLOR
        label = fmt_signed_bytes(ln.delta) if ln in labelled else ""
        edges[(ln.noc, ln.src[0], ln.src[1], ln.dir)] = EdgeStyle(color, round(1.0 + 7.0 * abs(t), 2), label, tip)
    return edges


def _delta_color(t: float) -> str:
    """Diverging colour for a change t in -1..1; any nonzero change is clearly tinted (never near-white)."""
    return cmap_hex(DELTA_CMAP, 0.5 + (0.15 + 0.35 * abs(t)) * (1 if t > 0 else -1))


def _delta_nodes(d: RunDiff) -> dict[Coord, NodeStyle]:
    nodes = tile_nodes(d.run)
    for c in d.cores:
        label = f"NoC {fmt_coord(c.noc)}\ncore {fmt_coord(c.core)}\nbusy {100 * c.delta:+.0f} pts"
        tip = f"core {fmt_coord(c.core)}: busy {fmt_pct(c.before)} -> {fmt_pct(c.after)}"
        nodes[c.noc] = NodeStyle(label, cmap_hex(DELTA_CMAP, 0.5 + 0.35 * c.delta), tip)
    return nodes


def delta_dot(d: RunDiff, nocs: Iterable[int], *, top: int = 10) -> str:
    """DOT text of the link-bytes change map for the given NoCs."""
    nocs = tuple(nocs)
    vmax = max((abs(ln.delta) for ln in d.links), default=0) or 1
    which = "NoC " + " + ".join(map(str, nocs))
    total = fmt_signed_bytes(sum(ln.delta for ln in d.links if ln.noc in nocs))
    title = (f"{which}: change in bytes per link, this run - baseline ({total} in total)\n"
             "red = more traffic now, blue = less, grey = unchanged; core shade = change in busy fraction")
    links = tuple((_delta_color(f), f"{fmt_signed_bytes(f * vmax)}") for f in (-1, -0.5, 0.5, 1))
    cores = tuple((cmap_hex(DELTA_CMAP, 0.5 + 0.35 * f), f"busy {100 * f:+.0f} pts") for f in (-1, -0.5, 0.5, 1))
    legend = Legend((("Change in link bytes", (*links, (SAME_COLOR, "the same traffic"))),
                     ("Change in core busy", (*cores, (KIND_FILL["dram"], "DRAM tile")))),
                    (f"The {top} largest changes are labelled.", "Arrows leaving the border wrap around the torus."))
    return mesh_dot(d.run.device, title=title, nocs=nocs, edges=_delta_edges(d, nocs, top), nodes=_delta_nodes(d),
                    legend=legend)


def _short_bytes(v: float) -> str:
    if abs(v) < 1:
        return "0"
    for unit, scale in (("M", 2**20), ("K", 2**10)):
        if abs(v) >= scale:
            return f"{v / scale:+.3g}{unit}"
    return f"{v:+.0f}"


def _link_delta_grid(d: RunDiff, noc: int, direction: str) -> np.ndarray:
    grid = np.zeros((d.run.device.height, d.run.device.width))
    for ln in d.links:
        if ln.noc == noc and ln.dir == direction:
            grid[ln.src[1], ln.src[0]] = ln.delta
    return grid


def write_delta_heatmaps(d: RunDiff, out_dir: Path) -> list[Path]:
    """Link-bytes change per NoC and direction, and core busy change, with a diverging scale centred on 0."""
    vmax = float(max((abs(ln.delta) for ln in d.links), default=0) or 1)
    scale = Scale(DELTA_CMAP, -vmax, vmax, "change in link bytes (this run - baseline)", _short_bytes)
    note = "Red: the link leaving this tile carried more bytes than in the baseline; blue: fewer; white: the same."
    paths = []
    for noc in d.run.nocs:
        panels = [Panel(f"link leaving each tile going {DIR_WORDS[x]}", _link_delta_grid(d, noc, x))
                  for x in DIRS.get(noc, ())]
        if panels:
            paths.append(grid_figure(panels, scale, title=f"NoC {noc}: change in bytes per link", note=note,
                                     device=d.run.device, path=out_dir / f"diff_heatmap_links_noc{noc}.png"))
    grid = np.full((d.run.device.height, d.run.device.width), np.nan)
    for c in d.cores:
        grid[c.noc[1], c.noc[0]] = 100 * c.delta
    top = max(1.0, float(np.nanmax(np.abs(grid), initial=0)))
    core_scale = Scale(DELTA_CMAP, -top, top, "change in core busy (percentage points)", lambda v: f"{v:+.0f}")
    paths.append(grid_figure([Panel("busy fraction change per core", grid)], core_scale, title="Core busy change",
                             note="Red: busier than in the baseline; blue: less busy.", device=d.run.device,
                             path=out_dir / "diff_heatmap_cores.png"))
    return paths


def write_diff(d: RunDiff, out_dir: Path, *, against: str = "baseline", render: bool = True) -> list[Path]:
    """Write `diff.txt`, the delta traffic maps and the delta heatmaps; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text = out_dir / "diff.txt"
    text.write_text(diff_text(d, against))
    sources = {f"diff_traffic_noc{n}": delta_dot(d, (n,)) for n in d.run.nocs}
    sources["diff_traffic_all"] = delta_dot(d, d.run.nocs)
    return [text, *write_dots(sources, out_dir, render=render), *write_delta_heatmaps(d, out_dir)]
