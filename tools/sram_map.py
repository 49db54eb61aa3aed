"""SRAM map: which buffers (by source name) occupy each core's L1, at which addresses, against its capacity.

Input: `Stats` (per-core buffers, capacity, high-water mark); output: `sram.svg` and `sram.png` (one bar per
core, buffers stacked by address) and `sram.txt` (the same as a table).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from tensix.stats import CoreStats, Stats

from .units import coord_list, fmt_bytes, fmt_coord, fmt_pct

KIND_HATCH = {"cb": "", "l1": "//", "semaphore": "..", "tensor": "xx"}
KIND_WORD = {"cb": "circular buffer", "l1": "L1 buffer", "semaphore": "semaphore", "tensor": "L1 tensor shard"}
ZOOM_BELOW = 0.25  # zoom the address axis when every core uses less than this fraction of its SRAM


@dataclass(frozen=True, slots=True)
class SramUse:
    """One core's SRAM summary."""

    core: CoreStats
    allocated: int  # sum of buffer sizes

    @property
    def fraction(self) -> float:
        return self.core.sram_high_water / max(1, self.core.sram_capacity)


def fmt_kib(nbytes: int) -> str:
    """Capacity in KiB as the device data sheets give it: `1464 KiB`."""
    return f"{nbytes / 1024:g} KiB"


def sram_uses(stats: Stats) -> list[SramUse]:
    """Per core (sorted by logical y, then x): allocated bytes and the high-water mark."""
    cores = sorted(stats.cores, key=lambda c: (c.core[1], c.core[0]))
    return [SramUse(c, sum(b.nbytes for b in c.buffers)) for c in cores]


def peak_use(stats: Stats) -> SramUse | None:
    """The core with the highest SRAM high-water mark."""
    return max(sram_uses(stats), key=lambda u: u.core.sram_high_water, default=None)


def core_header(group: list[SramUse]) -> str:
    """`core (0,0) at NoC (1,1): 3 buffers, ...`, or the same for a group of cores with one layout."""
    use, c = group[0], group[0].core
    where = f"core {fmt_coord(c.core)} at NoC {fmt_coord(c.noc)}" if len(group) == 1 else (
        f"{len(group)} cores with this layout: {coord_list([u.core.core for u in group])} at NoC "
        f"{coord_list([u.core.noc for u in group])}")
    return (f"{where}: {len(c.buffers)} buffers, {fmt_bytes(use.allocated)} allocated; high-water "
            f"{fmt_bytes(c.sram_high_water)} = {fmt_pct(use.fraction)} of {fmt_kib(c.sram_capacity)}")


def sram_table(stats: Stats) -> str:
    """The SRAM map as text: a header per layout (cores with identical layouts share one), then one row per buffer
    in address order."""
    lines = ["SRAM (L1) use per core. Buffers are named as in the source; high-water = most bytes ever in use.", ""]
    for group in layout_members(sram_uses(stats)):
        lines.append(core_header(group))
        lines.append(f"  {'address':>10}  {'end':>10}  {'size':>10}  {'kind':<16} name")
        for b in sorted(group[0].core.buffers, key=lambda b: b.address):
            lines.append(f"  {b.address:#010x}  {b.address + b.nbytes:#010x}  {fmt_bytes(b.nbytes):>10}  "
                         f"{KIND_WORD.get(b.kind, b.kind):<16} {b.name}")
        lines.append("")
    return "\n".join(lines)


def layout_members(uses: list[SramUse]) -> list[list[SramUse]]:
    """Cores grouped by identical layout (buffers, high-water, capacity), in the order they first appear."""
    groups: dict[tuple, list[SramUse]] = {}
    for use in uses:
        c = use.core
        groups.setdefault((c.buffers, c.sram_high_water, c.sram_capacity), []).append(use)
    return list(groups.values())


def layout_groups(uses: list[SramUse]) -> list[tuple[str, SramUse]]:
    """Cores with identical layouts share one bar: (label, a representative)."""
    return [(group_label(members, len(uses)), members[0]) for members in layout_members(uses)]


def group_label(members: list[SramUse], total: int) -> str:
    coords = [fmt_coord(u.core.core) for u in members]
    if len(coords) == 1:
        return f"core {coords[0]}"
    if len(coords) == total:
        return f"all {total} cores"
    if len(coords) <= 3:
        return "cores " + ", ".join(coords)
    return f"{len(coords)} cores: {coords[0]}, {coords[1]}, … {coords[-1]}"


def _colors(stats: Stats) -> dict[str, str]:
    """One colour per buffer name, the same on every core."""
    names = sorted({b.name for c in stats.cores for b in c.buffers})
    cmap = matplotlib.colormaps["tab20"]
    return {name: matplotlib.colors.to_hex(cmap(i % 20)) for i, name in enumerate(names)}


def _axis_end(uses: list[SramUse]) -> tuple[float, bool]:
    """Right end of the address axis in KiB, and whether it is zoomed in below the capacity."""
    capacity = max(u.core.sram_capacity for u in uses)
    used = max(max([u.core.sram_high_water] + [b.address + b.nbytes for b in u.core.buffers]) for u in uses)
    if used < ZOOM_BELOW * capacity:
        return used * 1.3 / 1024, True
    return capacity * 1.02 / 1024, False


def _draw_buffers(ax, uses: list[SramUse], colors: dict[str, str], xmax: float) -> None:
    """All buffers, one barh call per (name, kind) so large meshes draw quickly; names inside wide blocks."""
    groups: dict[tuple[str, str], list[tuple[int, float, float]]] = {}
    for row, use in enumerate(uses):
        for b in use.core.buffers:
            width = max(b.nbytes / 1024, 0.004 * xmax)  # tiny buffers (semaphores) stay visible
            groups.setdefault((b.name, b.kind), []).append((row, b.address / 1024, width))
            size = next((pt for pt in (10, 8, 7) if width > 0.00095 * pt * xmax * (len(b.name) + 1)), 0)
            if size:  # the name fits inside the block at this font size
                ax.text(b.address / 1024 + width / 2, row, b.name, ha="center", va="center", fontsize=size,
                        clip_on=True, in_layout=False)
    for (name, kind), bars in groups.items():
        rows, lefts, widths = zip(*bars, strict=True)
        ax.barh(rows, widths, left=lefts, height=0.7, color=colors[name], hatch=KIND_HATCH.get(kind, ""),
                edgecolor="white", linewidth=0.6)


def _draw_high_water(ax, uses: list[SramUse], xmax: float) -> None:
    for row, use in enumerate(uses):
        hw = use.core.sram_high_water / 1024
        ax.plot([hw, hw], [row - 0.45, row + 0.45], color="black", linewidth=1.6)
        ax.text(min(hw, xmax) + 0.01 * xmax, row, f"{fmt_pct(use.fraction)}", va="center", fontsize=10,
                in_layout=False)


def write_sram_map(stats: Stats, out_dir: Path) -> list[Path]:
    """Write `sram.svg`, `sram.png` and `sram.txt` into `out_dir`; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text = out_dir / "sram.txt"
    text.write_text(sram_table(stats))
    uses = sram_uses(stats)
    if not uses:
        return [text]
    fig = sram_figure(stats, uses)
    paths = [out_dir / "sram.svg", out_dir / "sram.png"]
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # keep text as text so names are searchable
        for path in paths:
            fig.savefig(path)
    return paths + [text]


def sram_figure(stats: Stats, uses: list[SramUse]) -> Figure:
    """One horizontal bar per core layout: buffers at their addresses, a black tick at the high-water mark."""
    colors = _colors(stats)
    xmax, zoomed = _axis_end(uses)
    groups = layout_groups(uses)
    legend_rows = len(colors) + 3
    fig = Figure(figsize=(12, max(2.4 + 0.45 * len(groups), 1.0 + 0.24 * legend_rows)), dpi=100, layout="constrained")
    ax = fig.subplots()
    _draw_buffers(ax, [use for _, use in groups], colors, xmax)
    _draw_high_water(ax, [use for _, use in groups], xmax)
    ax.set_yticks(range(len(groups)), [label for label, _ in groups], fontsize=10)
    ax.tick_params(axis="x", labelsize=10)
    ax.invert_yaxis()
    ax.set_xlim(0, xmax)
    capacity = max(u.core.sram_capacity for u in uses)
    if not zoomed:
        ax.axvline(capacity / 1024, color="red", linestyle="--", linewidth=1)
    scale = (f"axis zoomed in; capacity is {fmt_kib(capacity)} per core" if zoomed
             else f"red dashed line: capacity {fmt_kib(capacity)}")
    ax.set_xlabel(f"L1 address (KiB) — {scale}", fontsize=11)
    ax.set_title(f"SRAM (L1) map on {stats.device.name}: buffers by address\nblack tick and % = high-water mark "
                 "(share of capacity); cores with the same layout share a bar", fontsize=12)
    handles = [Patch(facecolor=c, label=n) for n, c in colors.items()]
    handles += [Patch(facecolor="white", edgecolor="black", hatch=KIND_HATCH[k], label=KIND_WORD[k])
                for k in ("cb", "l1", "semaphore", "tensor")
                if k != "tensor" or any(b.kind == k for u in uses for b in u.core.buffers)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=10, title="buffers / kinds",
              title_fontsize=10)
    return fig
