"""Zero-skip view: what skipping zero activations saved, per op and per core (only for runs that skipped).

Input: `Stats.zero_skip`; output: `zero_skip.txt` (table) and `zero_skip.png` (bar charts: MACs, NoC bytes,
DRAM bytes and cycles skipped per op, each bar split into its cores).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator

from .runfiles import Stats, ZeroSkipOp
from .summary import text_table
from .units import fmt_bytes, fmt_coord, fmt_int, fmt_pct

PANELS = (("macs_skipped", "MACs skipped", "multiply-accumulates", "#4c78a8"),
          ("noc_bytes_skipped", "NoC bytes not sent", "bytes", "#f58518"),
          ("dram_bytes_skipped", "DRAM bytes not read", "bytes", "#e45756"),
          ("cycles_skipped", "cycles saved", "cycles", "#54a24b"))


@dataclass(frozen=True, slots=True)
class OpTotal:
    """One op's savings summed over its cores."""

    op: str
    cores: int
    macs_skipped: int
    macs_total: int
    noc_bytes_skipped: int
    dram_bytes_skipped: int
    cycles_skipped: int


def op_totals(ops: tuple[ZeroSkipOp, ...]) -> list[OpTotal]:
    """Per op (in first-seen order), the sums over its cores."""
    names = list(dict.fromkeys(z.op for z in ops))
    return [OpTotal(name, *_sums([z for z in ops if z.op == name])) for name in names]


def _sums(rows: list[ZeroSkipOp]) -> tuple[int, ...]:
    return (len(rows), sum(z.macs_skipped for z in rows), sum(z.macs_total for z in rows),
            sum(z.noc_bytes_skipped for z in rows), sum(z.dram_bytes_skipped for z in rows),
            sum(z.cycles_skipped for z in rows))


ZERO_SKIP_HEADER = ("op", "core", "MACs skipped", "MACs total", "skipped", "zeros", "NoC bytes skipped",
                    "DRAM bytes skipped", "cycles saved")


def _row(op: str, where: str, macs: int, total: int, zero: str, noc: int, dram: int, cycles: int) -> tuple[str, ...]:
    share = fmt_pct(macs / total) if total else "-"
    return (op, where, fmt_int(macs), fmt_int(total), share, zero, fmt_bytes(noc), fmt_bytes(dram), fmt_int(cycles))


def zero_skip_rows(stats: Stats) -> list[tuple[str, ...]]:
    """Table rows: one per op and core, then a total row per op (core column `total`)."""
    ops, rows = stats.zero_skip or (), []
    for total in op_totals(ops):
        for z in (z for z in ops if z.op == total.op):
            rows.append(_row(z.op, fmt_coord(z.core), z.macs_skipped, z.macs_total, fmt_pct(z.zero_fraction, 0),
                             z.noc_bytes_skipped, z.dram_bytes_skipped, z.cycles_skipped))
        rows.append(_row(total.op, "total", total.macs_skipped, total.macs_total, "", total.noc_bytes_skipped,
                         total.dram_bytes_skipped, total.cycles_skipped))
    return rows


def zero_skip_table(stats: Stats) -> str:
    """The savings as text (written as `zero_skip.txt`)."""
    return ("Zero skipping: work not done because the operands were zero (zeros = share of zero operands)\n\n"
            + text_table(ZERO_SKIP_HEADER, zero_skip_rows(stats)) + "\n")


def _panel(ax, ops: tuple[ZeroSkipOp, ...], names: list[str], key: str, title: str, unit: str, color: str) -> None:
    bottoms = dict.fromkeys(names, 0)
    for z in ops:  # one stacked segment per core, separated by white edges
        value = getattr(z, key)
        ax.bar(names.index(z.op), value, bottom=bottoms[z.op], color=color, edgecolor="white", linewidth=0.8)
        bottoms[z.op] += value
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(unit)
    top = max(bottoms.values(), default=0) or 1
    ax.set_ylim(0, top * 1.18)
    if unit == "bytes":
        ax.yaxis.set_major_locator(MultipleLocator(2 ** math.ceil(math.log2(top / 5)) if top > 5 else 1))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_bytes(v)))
    for i, name in enumerate(names):
        ax.text(i, bottoms[name], _bar_label(key, bottoms[name], ops, name), ha="center", va="bottom", fontsize=7)


def _bar_label(key: str, value: int, ops: tuple[ZeroSkipOp, ...], op: str) -> str:
    if key == "macs_skipped":
        total = sum(z.macs_total for z in ops if z.op == op)
        return fmt_pct(value / total) if total else ""
    return fmt_bytes(value) if "bytes" in key else fmt_int(value)


def write_zero_skip(stats: Stats, out_dir: Path) -> list[Path]:
    """Write `zero_skip.txt` and `zero_skip.png`; nothing when the run did not skip zeros."""
    if not stats.zero_skip:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    text = out_dir / "zero_skip.txt"
    text.write_text(zero_skip_table(stats))
    ops = stats.zero_skip
    names = list(dict.fromkeys(z.op for z in ops))
    fig = Figure(figsize=(max(9.0, 2.2 * len(PANELS) + 0.5 * len(names)), 4.2), dpi=90, layout="constrained")
    for ax, (key, title, unit, color) in zip(fig.subplots(1, len(PANELS)), PANELS, strict=True):
        _panel(ax, ops, names, key, title, unit, color)
    fig.suptitle("Zero skipping: work saved per op (each bar is split into its cores; MAC label = share of the "
                 "op's MACs skipped)", fontsize=11)
    png = out_dir / "zero_skip.png"
    fig.savefig(png)
    return [text, png]
