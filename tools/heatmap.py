"""Heatmaps over the NoC grid: outgoing link utilization per NoC and direction, and core busy fraction.

Input: `Stats` (and the run's `Trace`: the hottest cells are then marked #1.. and listed with the ops that loaded
them); output: `heatmap_links_noc0.png`, `heatmap_links_noc1.png`, `heatmap_cores.png` (matplotlib, Agg).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter

from tensix.noc.routing import DIRS
from tensix.stats import DeviceInfo, Stats
from tensix.trace import Trace

from .hot_ops import Hot, hot_cores, hot_links
from .units import cmap_hex, fmt_share

DIR_WORDS = {"E": "east (+x)", "S": "south (+y)", "W": "west (-x)", "N": "north (-y)"}
KIND_SHORT = {"dram": "DRAM", "eth": "Eth", "harvested": "harv.", "pcie": "PCIe", "arc": "ARC", "other": "other",
              "tensix": "idle"}
MAX_ANNOTATED_CELLS = 400
NICE_STEPS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 10)


@dataclass(frozen=True, slots=True)
class Panel:
    """One sub-heatmap: a title and an H x W grid of values (NaN = no value); `hot`: its cells to mark with rank."""

    title: str
    grid: np.ndarray
    hot: tuple[Hot, ...] = ()


@dataclass(frozen=True, slots=True)
class Scale:
    """A colour scale shared by a figure's panels, and how a cell's value is printed in the cell."""

    cmap: str
    vmin: float
    vmax: float
    label: str
    cell_text: Callable[[float], str]


def link_grid(stats: Stats, noc: int, direction: str, *, metric: str = "utilization") -> np.ndarray:
    """H x W grid: for each tile, its outgoing `direction` link's utilization in % (or bytes)."""
    grid = np.zeros((stats.device.height, stats.device.width))
    for ln in stats.links:
        if ln.noc == noc and ln.dir == direction:
            grid[ln.src[1], ln.src[0]] += ln.nbytes if metric == "bytes" else 100 * ln.busy_cycles / max(
                1, stats.total_cycles)
    return grid


def core_grid(stats: Stats) -> np.ndarray:
    """H x W grid of core busy fraction in %, NaN where the tile is not a compute core."""
    grid = np.full((stats.device.height, stats.device.width), np.nan)
    for core in stats.cores:
        grid[core.noc[1], core.noc[0]] = 100 * core.busy_fraction
    return grid


def kind_labels(device: DeviceInfo) -> dict[tuple[int, int], str]:
    """Short tile-kind names for tiles that are not compute cores."""
    cores = device.core_at()
    return {xy: KIND_SHORT.get(k, "") for xy, k in device.kinds().items() if xy not in cores}


def _annotate(ax, panel: Panel, scale: Scale, kinds: dict[tuple[int, int], str]) -> None:
    height, width = panel.grid.shape
    if height * width > MAX_ANNOTATED_CELLS:
        return
    size = 10 if width <= 12 else 7
    for y in range(height):
        for x in range(width):
            value = panel.grid[y, x]
            if np.isnan(value):
                ax.text(x, y, kinds.get((x, y), ""), ha="center", va="center", fontsize=size - 1, color="#555555",
                        style="italic")
                continue
            t = (value - scale.vmin) / ((scale.vmax - scale.vmin) or 1.0)
            rgb = cmap_hex(scale.cmap, t)
            dark = sum(int(rgb[i : i + 2], 16) for i in (1, 3, 5)) < 330
            ax.text(x, y, scale.cell_text(value), ha="center", va="center", fontsize=size,
                    color="white" if dark else "black")


def _draw_panel(fig: Figure, ax, panel: Panel, scale: Scale, kinds: dict) -> object:
    image = ax.imshow(np.ma.masked_invalid(panel.grid), cmap=_cmap(scale.cmap), vmin=scale.vmin, vmax=scale.vmax,
                      origin="upper", interpolation="nearest")
    height, width = panel.grid.shape
    ax.set_xticks(range(width))
    ax.set_yticks(range(height))
    ax.tick_params(labelsize=10)
    ax.set_xlabel("NoC x (column)", fontsize=11)
    ax.set_ylabel("NoC y (row)", fontsize=11)
    ax.set_title(panel.title, fontsize=12)
    _annotate(ax, panel, scale, kinds)
    for h in panel.hot:  # framed, ranked: the notes under the figure name the ops behind them
        x, y = h.cell
        ax.add_patch(Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, edgecolor="#1f3fbf", linewidth=2))
        ax.text(x - 0.45, y - 0.45, f"#{h.rank}", ha="left", va="top", fontsize=7, color="#1f3fbf", weight="bold",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6})
    return image


def _cmap(name: str):
    return colormaps[name].with_extremes(bad="#e6e6e6")  # NaN cells (not a compute core) are light grey


def grid_figure(panels: list[Panel], scale: Scale, *, title: str, note: str, device: DeviceInfo, path: Path) -> Path:
    """Draw panels side by side with one shared colour bar, write a PNG, return its path. The notes of the panels'
    hot cells follow `note`, a line each."""
    height, width = panels[0].grid.shape
    cell = 0.55 if width * height <= MAX_ANNOTATED_CELLS else 0.3
    fig_width = max(6.0, len(panels) * (width * cell + 1.0) + 1.4)
    hot = sorted((h for p in panels for h in p.hot), key=lambda h: h.rank)
    note = "\n".join([textwrap.fill(note, int(fig_width * 12)),
                      *(textwrap.shorten(h.note, int(fig_width * 13)) for h in hot)])
    fig = Figure(figsize=(fig_width, height * cell + 2.0 + 0.2 * len(hot)), dpi=100, layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    kinds = kind_labels(device)
    image = None
    for ax, panel in zip(axes, panels, strict=True):
        image = _draw_panel(fig, ax, panel, scale, kinds)
    bar = fig.colorbar(image, ax=list(axes), shrink=0.85)
    bar.set_label(scale.label, fontsize=11)
    bar.ax.tick_params(labelsize=10)
    if "% of run cycles" in scale.label:
        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}%"))
    fig.suptitle(title, fontsize=15)
    fig.supxlabel(note, fontsize=10, color="#444444", ha="left", x=0.02)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path


def _pct_text(value: float) -> str:
    """A percentage for a cell: `67%`, `<1%`, `0`."""
    return "0" if value == 0 else "<1%" if value < 1 else f"{value:.0f}%"


def nice_ceil(value: float) -> float:
    """The next round number at or above value (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, ... x 10^k): the top of a scale."""
    if value <= 0:
        return 1.0
    exp = 10.0 ** math.floor(math.log10(value))
    return next(round(m * exp, 10) for m in NICE_STEPS if m * exp >= value * (1 - 1e-9))


def link_scale(stats: Stats) -> Scale:
    """0 to (a round number above) the busiest link, over every link of the run, so both NoCs share one scale."""
    top = nice_ceil(max((100 * ln.busy_cycles / max(1, stats.total_cycles) for ln in stats.links), default=1.0))
    return Scale("YlOrRd", 0.0, top, f"link busy, % of run cycles (scale 0–{top:g}%)", _pct_text)


def write_link_heatmap(stats: Stats, noc: int, path: Path, trace: Trace | None = None) -> Path:
    """One PNG per NoC: a sub-heatmap per direction the NoC moves in (NoC 0: E and S; NoC 1: W and N); with the
    `trace`, its busiest links framed, ranked and listed with the ops that loaded them."""
    hot = hot_links(stats, trace, noc) if trace is not None else []
    panels = [Panel(f"link leaving each tile going {DIR_WORDS[d]}", link_grid(stats, noc, d),
                    tuple(h for h in hot if h.dir == d)) for d in DIRS.get(noc, ())]
    title = f"NoC {noc} link utilization on {stats.device.name}"
    note = ("Each cell is a tile at its NoC grid position; the number is how busy (% of run cycles) the link leaving "
            "that tile in the panel's direction was (every tile kind routes traffic)."
            + (" Framed #1..: the busiest links, with the ops whose bytes crossed them:" if hot else ""))
    return grid_figure(panels, link_scale(stats), title=title, note=note, device=stats.device, path=path)


def core_scale(stats: Stats) -> Scale:
    """0 to a round number just above the busiest core (at most 100%), so a run whose cores are 3% busy still
    shows differences; cells print their percentage."""
    top = min(100.0, nice_ceil(float(np.nanmax(core_grid(stats), initial=0.0))))
    label = f"core busy, % of run cycles (scale 0–{top:g}%, not 0–100%)" if top < 100 else (
        "core busy, % of run cycles")
    return Scale("Greens", 0.0, top, label, lambda v: fmt_share(v / 100))


def write_core_heatmap(stats: Stats, path: Path, trace: Trace | None = None) -> Path:
    """Core busy fraction on the NoC grid; tiles that are not compute cores are grey with their kind. With the
    `trace`, the busiest cores framed, ranked and listed with the ops they worked on."""
    scale = core_scale(stats)
    top = scale.vmax
    hot = tuple(hot_cores(stats, trace)) if trace is not None else ()
    panel = Panel("busy share of each compute core", core_grid(stats), hot)
    note = ("Cells are NoC grid positions. The number is the share of the run in which the core's busiest kernel "
            "worked; grey cells are not compute cores and name their kind (DRAM, Eth = Ethernet, harv. = harvested, "
            "...)." + (" Framed #1..: the busiest cores, with the ops their kernels worked on (share of their working "
                       "cycles):" if hot else ""))
    title = f"Core busy fraction on {stats.device.name}" + (f" (colour scale 0–{top:g}%)" if top < 100 else "")
    return grid_figure([panel], scale, title=title, note=note,
                       device=stats.device, path=path)


def write_heatmaps(stats: Stats, out_dir: Path, trace: Trace | None = None) -> list[Path]:
    """All heatmaps of a run into `out_dir` (with the `trace`: their hottest cells attributed to ops); returns the PNG
    paths."""
    paths = [write_link_heatmap(stats, n, out_dir / f"heatmap_links_noc{n}.png", trace)
             for n in stats.nocs if n in DIRS]
    return paths + [write_core_heatmap(stats, out_dir / "heatmap_cores.png", trace)]
