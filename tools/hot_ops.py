"""The ops behind a heatmap's hottest cells: for the busiest links of a NoC and the busiest cores, which ops (IR id,
name, source line) loaded them. Input: `Stats` and the run's `Trace`; output: `Hot` rows the heatmaps mark and list.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tensix.stats import Stats
from tensix.trace import Trace

from .explain import WAIT_PREFIX
from .report_ops import link_ops, loaders_text
from .units import fmt_coord, fmt_share

HOT = 5  # cells marked and listed per picture


@dataclass(frozen=True, slots=True)
class Hot:
    """Rank `rank` (1 = hottest) at NoC grid cell `cell` (in the panel of link direction `dir`; '' for cores)."""

    rank: int
    cell: tuple[int, int]
    dir: str
    note: str


def hot_links(stats: Stats, trace: Trace, noc: int, n: int = HOT) -> list[Hot]:
    """The `n` busiest links of `noc` (ties by position), each with the ops whose bytes crossed it."""
    loads = link_ops(trace)
    links = sorted((ln for ln in stats.links if ln.noc == noc and ln.busy_cycles > 0),
                   key=lambda ln: (-ln.busy_cycles, ln.src[1], ln.src[0], ln.dir))[:n]
    return [Hot(i + 1, ln.src, ln.dir, f"#{i + 1} link {fmt_coord(ln.src)} {ln.dir}, busy "
                f"{fmt_share(ln.busy_cycles / max(1, stats.total_cycles))}: "
                f"{loaders_text(trace, loads.get((noc, *ln.src, ln.dir))) or 'no op'}")
            for i, ln in enumerate(links)]


def core_ops(trace: Trace) -> dict[tuple[int, int], Counter]:
    """Per core (its logical coordinate), the cycles each op (index) kept one of its kernels working (not waiting)."""
    out: dict[tuple[int, int], Counter] = {}
    for s in trace.spans:
        if not s.name.startswith(WAIT_PREFIX):
            out.setdefault(s.core, Counter())[s.op] += s.end - s.start
    return out


def hot_cores(stats: Stats, trace: Trace, n: int = HOT) -> list[Hot]:
    """The `n` busiest cores (ties by position), each with the ops its kernels worked on, by share of their cycles."""
    work = core_ops(trace)
    cores = sorted((c for c in stats.cores if c.busy_fraction > 0),
                   key=lambda c: (-c.busy_fraction, c.core[1], c.core[0]))[:n]
    return [Hot(i + 1, c.noc, "", f"#{i + 1} core {fmt_coord(c.core)}, busy {fmt_share(c.busy_fraction)}: "
                f"{loaders_text(trace, work.get(c.core)) or 'no op'}") for i, c in enumerate(cores)]
