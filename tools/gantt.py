"""Static timeline overview: what each kernel of each core did over the run, as one PNG for the report.

Input: `Run` (trace spans); output: `timeline_overview.png` (a row per core and kernel role; full-height bars are
work, coloured by op; thin bars are waits, coloured by what the kernel waited in). The interactive view is
`timeline.json` in Perfetto; this picture needs no browser scripts.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from tensix.jsondoc import Coord
from tensix.trace import NO_OP, Span

from .explain import WAIT_PREFIX, WAIT_SHORT, wait_base
from .runfiles import Run
from .units import fmt_coord, fmt_pct

MAX_CORES = 12  # more rows make the picture unreadable; the rest are in timeline.json
ROLE_ORDER = {"reader": 0, "compute": 1, "writer": 2}
WAIT_COLORS = {"cb_wait_front": "#fdc086", "noc_async_read_barrier": "#9ecae1", "cb_reserve_back": "#c7e9c0",
               "noc_async_write_barrier": "#bcbddc", "noc_semaphore_wait": "#f7b6d2"}  # pale, and apart in hue
SPARE_WAIT_COLORS = ("#e0e0e0", "#ffffb3", "#bebada", "#fccde5", "#ccebc5")
OP_COLORS = ("#1f4e9c", "#2ca02c", "#d62728", "#6a3d9a", "#8c564b", "#17becf", "#e377c2", "#7f7f7f", "#bcbd22",
             "#222222")  # strong colours, none close to the pale wait colours
WORK_HEIGHT, WAIT_HEIGHT = 0.8, 0.45


def shown_cores(run: Run, limit: int = MAX_CORES) -> tuple[list[Coord], str]:
    """The cores to draw and how they were chosen: taken in turn from each placement region (`regions`), so none
    is left out, the busiest of each first (ties: those that finished last); cores that ran no op come after."""
    busy = {c.core: c.busy_fraction for c in run.stats.cores}
    finish: dict[Coord, int] = {}
    for s in run.trace.spans:
        finish[s.core] = max(finish.get(s.core, 0), s.end)
    ranked = sorted(finish, key=lambda c: (-busy.get(c, 0.0), -finish[c], c[1], c[0]))
    groups = regions(run)
    region_of = {c: i for i, group in enumerate(groups) for c in group}
    queues = [[c for c in ranked if region_of.get(c) == i] for i in range(len(groups))]
    queues.append([c for c in ranked if c not in region_of])
    shown: list[Coord] = []
    room = max(limit, len(groups))
    while len(shown) < room and any(queues):
        turn = [q for q in queues[:-1] if q] or queues[-1:]
        shown += [q.pop(0) for q in turn][:room - len(shown)]
    return sorted(shown, key=lambda c: (c[1], c[0])), _choice(ranked, shown, busy, len(groups))


def regions(run: Run) -> list[list[Coord]]:
    """The program's placement regions as the trace shows them: cores that worked on the same set of source ops,
    each region's cores in (y, x) order, regions in the order of their first op (cores outside any op are none)."""
    ops: dict[Coord, set[int]] = {}
    for s in run.trace.spans:
        ops.setdefault(s.core, set())
        if s.op != NO_OP:
            ops[s.core].add(s.op)
    groups: dict[frozenset[int], list[Coord]] = {}
    for core in sorted(ops, key=lambda c: (c[1], c[0])):
        groups.setdefault(frozenset(ops[core]), []).append(core)
    return [groups[k] for k in sorted((k for k in groups if k), key=min)]


def _choice(ranked: list[Coord], shown: list[Coord], busy: dict[Coord, float], n_regions: int) -> str:
    if len(shown) == len(ranked):
        return f"all {len(ranked)} cores"
    same = len({busy.get(c, 0.0) for c in ranked}) == 1
    if n_regions > 1:
        text = (f"{len(shown)} of {len(ranked)} cores, in turn from each of the {n_regions} placement regions (cores "
                f"that ran the same ops), {'those that finished last' if same else 'the busiest'} first")
    else:
        text = f"the {len(shown)} of {len(ranked)} cores that finished last" if same else \
            f"the {len(shown)} busiest of {len(ranked)} cores"
    if same:
        return text + f" (all {len(ranked)} are equally busy, {fmt_pct(busy.get(ranked[0], 0.0))})"
    rest = [c for c in ranked if c not in set(shown)]
    tie = bool(rest) and min(busy.get(c, 0.0) for c in shown) == busy.get(rest[0], 0.0)
    return text + ("; ties: those that finished last" if tie else "")


def _rows(run: Run, cores: list[Coord]) -> list[tuple[Coord, str]]:
    roles = {(s.core, s.role) for s in run.trace.spans if s.core in set(cores)}
    return sorted(roles, key=lambda cr: (cr[0][1], cr[0][0], ROLE_ORDER.get(cr[1], 9), cr[1]))


def _colors(spans: list[Span]) -> tuple[dict[str, str], dict[str, str]]:
    """A colour per op name (busiest first, strong colours) and per wait call (pale colours)."""
    work: dict[str, int] = {}
    waits: dict[str, int] = {}
    for s in spans:
        into, key = (waits, wait_base(s.name)) if s.name.startswith(WAIT_PREFIX) else (work, s.name)
        into[key] = into.get(key, 0) + s.end - s.start
    ops = {n: OP_COLORS[i % len(OP_COLORS)] for i, n in enumerate(sorted(work, key=lambda n: -work[n]))}
    spare = iter(SPARE_WAIT_COLORS * 4)
    stalls = {n: WAIT_COLORS.get(n) or next(spare) for n in sorted(waits, key=lambda n: -waits[n])}
    return ops, stalls


def write_timeline_overview(run: Run, path: Path) -> Path | None:
    """Write the overview PNG; None when the trace has no spans."""
    cores, chosen = shown_cores(run)
    if not cores:
        return None
    rows = _rows(run, cores)
    index = {row: i for i, row in enumerate(rows)}
    spans = [s for s in run.trace.spans if (s.core, s.role) in index]
    ops, stalls = _colors(spans)
    fig = Figure(figsize=(12, 2.6 + 0.26 * len(rows)), dpi=100, layout="constrained")
    ax = fig.subplots()
    _draw(ax, run, cores, rows, index, spans, ops, stalls)
    ax.set_title("What each kernel did over time\n" + textwrap.fill(f"shown: {chosen}; every core is in timeline.json",
                                                                     110), fontsize=12)
    handles = [Patch(color=c, label=n) for n, c in list(ops.items())[:10]]
    handles += [Patch(color=c, label=f"wait: {n} ({WAIT_SHORT.get(n, 'stalled')})") for n, c in stalls.items()]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=10, frameon=False,
               title="full-height bars: working on an op;  thin bars: waiting, and in which call", title_fontsize=10)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path


def _draw(ax, run: Run, cores, rows, index, spans, ops, stalls) -> None:
    to_us = 1e6 / run.trace.clock_hz
    for core in cores[1::2]:  # shade every other core so its kernels read as one group
        band = [index[row] for row in rows if row[0] == core]
        ax.axhspan(min(band) - 0.5, max(band) + 0.5, color="#f3f3f3", zorder=0)
    min_width = run.stats.total_cycles * to_us / 1500  # about one pixel: short ops stay visible
    bars = {True: ([], []), False: ([], [])}  # stall? -> (rectangles, colours): one artist each, not one per span
    for s in spans:
        stall = s.name.startswith(WAIT_PREFIX)
        y, half = index[(s.core, s.role)], (WAIT_HEIGHT if stall else WORK_HEIGHT) / 2
        x0 = s.start * to_us
        x1 = x0 + max((s.end - s.start) * to_us, min_width)
        bars[stall][0].append(((x0, y - half), (x1, y - half), (x1, y + half), (x0, y + half)))
        bars[stall][1].append(stalls[wait_base(s.name)] if stall else ops[s.name])
    for stall, z in ((True, 2), (False, 3)):  # waits first, ops drawn over them
        ax.add_collection(PolyCollection(bars[stall][0], facecolors=bars[stall][1], linewidths=0, zorder=z))
    ax.set_yticks(range(len(rows)), [f"core {fmt_coord(c)} {role}" for c, role in rows], fontsize=9)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # top to bottom, no empty margin
    ax.set_xlim(0, run.stats.total_cycles * to_us)
    ax.tick_params(axis="x", labelsize=10)
    ax.set_xlabel(f"time (µs at {run.trace.clock_hz / 1e9:g} GHz)", fontsize=11)
