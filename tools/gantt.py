"""Static timeline overview: what each kernel of each core did over the run, as one PNG for the report.

Input: `Run` (trace spans); output: `timeline_overview.png` (a row per core and kernel role, a bar per op span,
stalls in grey). The interactive view is `timeline.json` in Perfetto; this picture needs no browser scripts.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .runfiles import Coord, Run, Span
from .units import fmt_coord

MAX_CORES = 16  # rows beyond this make the picture unreadable; the busiest cores are shown
ROLE_ORDER = {"reader": 0, "compute": 1, "writer": 2}
STALL_COLOR = "#d9d9d9"


def shown_cores(run: Run, limit: int = MAX_CORES) -> list[Coord]:
    """The cores to draw: those with spans, the busiest first when there are more than `limit`."""
    busy = {c.core: c.busy_fraction for c in run.stats.cores}
    cores = sorted({s.core for s in run.trace.spans}, key=lambda c: (-busy.get(c, 0.0), c[1], c[0]))[:limit]
    return sorted(cores, key=lambda c: (c[1], c[0]))


def _rows(run: Run, cores: list[Coord]) -> list[tuple[Coord, str]]:
    roles = {(s.core, s.role) for s in run.trace.spans if s.core in set(cores)}
    return sorted(roles, key=lambda cr: (cr[0][1], cr[0][0], ROLE_ORDER.get(cr[1], 9), cr[1]))


def _op_colors(spans: list[Span]) -> dict[str, str]:
    """One colour per span name (stalls excepted), busiest names first so they get distinct colours."""
    totals: dict[str, int] = {}
    for s in spans:
        if not s.name.startswith("wait:"):
            totals[s.name] = totals.get(s.name, 0) + s.end - s.start
    cmap = matplotlib.colormaps["tab20"]
    names = sorted(totals, key=lambda n: -totals[n])
    return {name: matplotlib.colors.to_hex(cmap(i % 20)) for i, name in enumerate(names)}


def write_timeline_overview(run: Run, path: Path) -> Path | None:
    """Write the overview PNG; None when the trace has no spans."""
    cores = shown_cores(run)
    if not cores:
        return None
    rows = _rows(run, cores)
    index = {row: i for i, row in enumerate(rows)}
    spans = [s for s in run.trace.spans if (s.core, s.role) in index]
    colors = _op_colors(spans)
    fig = Figure(figsize=(11, 1.6 + 0.22 * len(rows)), dpi=90, layout="constrained")
    ax = fig.subplots()
    to_us = 1e6 / run.trace.clock_hz
    for i, core in enumerate(cores[1::2]):  # shade every other core so its kernels read as one group
        band = [index[row] for row in rows if row[0] == core]
        ax.axhspan(min(band) - 0.5, max(band) + 0.5, color="#f3f3f3", zorder=0)
    min_width = run.stats.total_cycles * to_us / 1500  # about one pixel: short ops stay visible
    for s in sorted(spans, key=lambda s: not s.name.startswith("wait:")):  # stalls first, ops drawn over them
        stall = s.name.startswith("wait:")
        ax.barh(index[(s.core, s.role)], max((s.end - s.start) * to_us, min_width), left=s.start * to_us,
                height=0.35 if stall else 0.8, color=STALL_COLOR if stall else colors[s.name], linewidth=0)
    ax.set_yticks(range(len(rows)), [f"core {fmt_coord(c)} {role}" for c, role in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, run.stats.total_cycles * to_us)
    ax.set_xlabel(f"time (µs at {run.trace.clock_hz / 1e9:g} GHz)")
    more = len({s.core for s in run.trace.spans}) - len(cores)
    ax.set_title("What each kernel did over time" + (f" ({len(cores)} busiest cores; {more} more in timeline.json)"
                                                      if more > 0 else ""), fontsize=10)
    handles = [Patch(color=c, label=n) for n, c in list(colors.items())[:12]] + [Patch(color=STALL_COLOR,
                                                                                       label="waiting (stall)")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7, title="op")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path
