"""Run summary: the headline numbers of a run (cycles, time, FLOP/s against peak, bytes per NoC, SRAM peak)
and its hottest links and busiest cores.

Input: `Stats`; output: `Quantity` rows and top-N tables that the report, the diff and `summary.txt` print.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from tensix.stats import CoreStats, Link, Stats
from tensix.trace import Trace

from .report_ops import link_ops, loaders_text
from .runfiles import Run
from .sram_map import fmt_kib, peak_use
from .units import coord_list, fmt_bytes, fmt_coord, fmt_int, fmt_pct, fmt_rate, fmt_seconds
from .verdict import compute_share, hottest_link, limit_sentences, link_name, noc_balance


@dataclass(frozen=True, slots=True)
class Quantity:
    """One headline number: its name, value, how to print the value, and a note (units, where)."""

    name: str
    value: float
    fmt: Callable[[float], str]
    note: str = ""

    def text(self) -> str:
        return self.fmt(self.value)


def run_seconds(stats: Stats) -> float:
    return stats.total_cycles / stats.device.clock_hz


def peak_flops_per_s(stats: Stats) -> float:
    """The matrix engines' peak over the cores the program used, each at the fidelity it was charged, x clock."""
    return stats.peak_flops_per_cycle * stats.device.clock_hz


def _cycles(v: float) -> str:
    return f"{fmt_int(v)} cycles"


def quantities(stats: Stats) -> list[Quantity]:
    """The summary rows, in the order the report shows them."""
    dev, seconds = stats.device, run_seconds(stats)
    achieved = stats.flops / seconds if seconds else 0.0
    peak = peak_flops_per_s(stats)
    rows = [
        Quantity("run length", stats.total_cycles, _cycles, "simulated device cycles"),
        Quantity("run time", seconds, fmt_seconds, f"cycles at the {dev.clock_hz / 1e9:g} GHz device clock"),
        Quantity("work done", stats.flops, lambda v: f"{fmt_int(v)} FLOP", "floating-point operations (2 per MAC)"),
        Quantity("achieved compute", achieved, fmt_rate, "FLOP / run time"),
        Quantity("peak compute", peak, fmt_rate, f"{len(stats.cores)} cores used x their FLOP/cycle at the fidelity "
                 "charged x clock"),
        Quantity("compute utilization", stats.utilization, fmt_pct, stats.utilization_text()),
        Quantity("core compute time", compute_share(stats), fmt_pct,
                 "share of the run the compute kernels worked (mean over cores); the rest they waited"),
    ]
    if stats.zero_skip is not None:
        rows.append(_zero_skip_quantity(stats))
    link = hottest_link(stats)
    if link is not None:
        rows.append(Quantity("busiest link", link_utilization(link, stats), fmt_pct,
                             f"{link_name(link)}: busy cycles / run cycles"))
    rows += [Quantity(f"NoC {n} bytes", b, fmt_bytes, f"{fmt_int(b)} bytes carried over NoC {n} links (bytes x hops)")
             for n, b in enumerate(stats.noc_bytes)]
    rows.append(Quantity("NoC transfers", stats.transfers, fmt_int, "reads, writes, multicasts, semaphore updates"))
    banks = f"summed over {len(stats.dram)} DRAM bank(s)"
    rows.append(Quantity("DRAM read", sum(b.bytes_read for b in stats.dram), fmt_bytes,
                         f"data the cores fetched, {banks}"))
    rows.append(Quantity("DRAM written", sum(b.bytes_written for b in stats.dram), fmt_bytes,
                         f"results the cores wrote back, {banks}"))
    peak_core = peak_use(stats)
    if peak_core is not None:
        c = peak_core.core
        rows.append(Quantity("SRAM peak", c.sram_high_water, fmt_bytes,
                             f"high-water on core {fmt_coord(c.core)}: {fmt_pct(peak_core.fraction)} of "
                             f"{fmt_kib(c.sram_capacity)}"))
    return rows


def _zero_skip_quantity(stats: Stats) -> Quantity:
    """End to end against the dense run of the same plan when one was made; else the per-core sum, named an
    estimate."""
    saved = stats.zero_skip.saved(stats)
    if saved is not None:
        dense = fmt_int(stats.zero_skip.dense.cycles)
        return Quantity("zero skipping saved", saved.cycles, _cycles,
                        f"end to end: {dense} cycles for the same plan with skipping off")
    if not stats.zero_skip.ops:
        return Quantity("zero skipping saved", 0, _cycles, "nothing to skip: no op of this program looks for zeros")
    return Quantity("zero skipping saved", stats.zero_skip.totals.cycles_skipped, _cycles,
                    "an estimate: core cycles saved net, summed over cores (tensix run --compare-dense measures it)")


def link_utilization(link: Link, stats: Stats) -> float:
    return link.busy_cycles / max(1, stats.total_cycles)


def top_links(stats: Stats, n: int = 10) -> list[Link]:
    """The n links that carried the most bytes (ties: most busy cycles, then NoC, position)."""
    return sorted(stats.links, key=lambda ln: (-ln.nbytes, -ln.busy_cycles, ln.noc, ln.src[::-1], ln.dir))[:n]


def top_cores(stats: Stats, n: int = 10) -> list[CoreStats]:
    """The n cores with the highest busy fraction."""
    return sorted(stats.cores, key=lambda c: (-c.busy_fraction, c.core[::-1]))[:n]


def core_groups(stats: Stats, n: int = 10) -> list[list[CoreStats]]:
    """The n busiest groups of cores with identical figures (busy fraction and busy cycles per kernel)."""
    groups: dict[tuple, list[CoreStats]] = {}
    for c in sorted(stats.cores, key=lambda c: (-c.busy_fraction, c.core[::-1])):
        groups.setdefault((c.busy_fraction, c.busy_cycles), []).append(c)
    return list(groups.values())[:n]


LINK_HEADER = ("#", "NoC", "from", "to", "direction", "bytes", "busy cycles", "utilization")
LOADED_BY = "loaded by (op, source line, share of the link's bytes)"
CORE_HEADER = ("#", "core (logical)", "NoC position", "busy", "busy cycles by kernel")


def link_rows(stats: Stats, n: int = 10, trace: Trace | None = None) -> list[tuple[str, ...]]:
    """Table rows of the hottest links; with the `trace`, a last column (LOADED_BY) names the ops that loaded each."""
    loads = link_ops(trace) if trace is not None else None
    return [(str(i + 1), str(ln.noc), fmt_coord(ln.src), fmt_coord(ln.dst) + (" (wraps)" if ln.wraps else ""),
             ln.dir, f"{fmt_int(ln.nbytes)} ({fmt_bytes(ln.nbytes)})", fmt_int(ln.busy_cycles),
             fmt_pct(link_utilization(ln, stats)))
            + ((loaders_text(trace, loads.get((ln.noc, *ln.src, ln.dir))),) if loads is not None else ())
            for i, ln in enumerate(top_links(stats, n))]


def core_rows(stats: Stats, n: int = 10) -> list[tuple[str, ...]]:
    """Table rows of the busiest cores; cores with identical figures share a row."""
    rows = []
    for i, group in enumerate(core_groups(stats, n)):
        c = group[0]
        cores = coord_list([g.core for g in group])
        if len(group) > 1:
            cores = f"{len(group)} cores with identical figures: {cores}"
        rows.append((str(i + 1), cores, coord_list([g.noc for g in group]), fmt_pct(c.busy_fraction),
                     ", ".join(f"{role} {fmt_int(cycles)}" for role, cycles in c.busy_cycles)))
    return rows


def text_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Rows as aligned plain text."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in [header, *rows]]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def summary_text(stats: Stats, n: int = 10, *, run: Run | None = None) -> str:
    """The whole summary as plain text (written as `summary.txt`); with the `run`, also what limits it."""
    head = f"Run on {stats.device.name} ({stats.device.width}x{stats.device.height} NoC grid)"
    rows = [(q.name, q.text(), q.note) for q in quantities(stats)]
    if run is not None:
        head = f"Run of {run.title} on" + head.removeprefix("Run on") if run.title else head
        found = [*limit_sentences(run), noc_balance(run) or ""]
        head += "\n\nWhat limits this run:\n" + "\n".join(textwrap.fill(t, 110) for t in found if t)
    links = text_table(LINK_HEADER, link_rows(stats, n)) if run is None else text_table(
        (*LINK_HEADER, LOADED_BY), link_rows(stats, n, run.trace))
    return "\n\n".join([head, text_table(("quantity", "value", "note"), rows), f"Top {n} hottest links", links,
                        f"Top {n} busiest cores", text_table(CORE_HEADER, core_rows(stats, n))]) + "\n"
