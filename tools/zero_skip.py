"""Zero-skip view: what skipping zero activations saved, per op and per core (only for runs that skipped).

Input: `Stats.zero_skip`; output: `zero_skip.txt` (table) and `zero_skip.png` (bar charts: MACs, NoC bytes,
DRAM bytes and cycles skipped per op, each bar split into its cores).
"""

from __future__ import annotations

import math
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator

from tensix.stats import Stats, ZeroSkipOp, ZeroSkipTotals

from .summary import text_table
from .units import coord_list, fmt_bytes, fmt_int, fmt_pct

PANELS = (("macs_skipped", "MACs skipped", "multiply-accumulates", "#4c78a8"),
          ("noc_bytes_skipped", "NoC bytes not sent", "bytes", "#f58518"),
          ("dram_bytes_skipped", "DRAM bytes not read", "bytes", "#e45756"),
          ("cycles_skipped", "cycles saved\n(net; grey: lost)", "core cycles", "#54a24b"))


def ops_of(stats: Stats) -> tuple[ZeroSkipOp, ...]:
    """The per-op, per-core rows; none for a run that did not skip."""
    return stats.zero_skip.ops if stats.zero_skip else ()


def op_totals(ops: tuple[ZeroSkipOp, ...]) -> list[ZeroSkipTotals]:
    """Per op (in first-seen order), the sums over its cores."""
    names = list(dict.fromkeys(z.op for z in ops))
    return [ZeroSkipTotals.of([z for z in ops if z.op == name], name) for name in names]


ZERO_SKIP_HEADER = ("op", "core", "MACs skipped", "MACs total", "skipped", "zeros", "NoC bytes skipped",
                    "DRAM bytes skipped", "cycles avoided", "check overhead", "cycles saved (net)")


def _row(op: str, where: str, z: ZeroSkipOp | ZeroSkipTotals, zero: str) -> tuple[str, ...]:
    share = fmt_pct(z.macs_skipped / z.macs_total) if z.macs_total else "-"
    return (op, where, fmt_int(z.macs_skipped), fmt_int(z.macs_total), share, zero, fmt_bytes(z.noc_bytes_skipped),
            fmt_bytes(z.dram_bytes_skipped), fmt_int(z.cycles_avoided), fmt_int(z.cycles_overhead),
            fmt_int(z.cycles_skipped))


def _same(z: ZeroSkipOp) -> tuple:
    """An op row's figures without its core: rows that match are shown once."""
    return (z.op, z.macs_skipped, z.macs_total, z.noc_bytes_skipped, z.dram_bytes_skipped, z.zero_fraction,
            z.cycles_avoided, z.cycles_overhead)


def zero_skip_rows(stats: Stats) -> list[tuple[str, ...]]:
    """Table rows: per op, one row per group of cores with identical figures (figures per core), then a total row
    (core column `total`)."""
    ops, rows = ops_of(stats), []
    for total in op_totals(ops):
        groups: dict[tuple, list[ZeroSkipOp]] = {}
        for z in (z for z in ops if z.op == total.op):
            groups.setdefault(_same(z), []).append(z)
        for members in groups.values():
            where = coord_list([z.core for z in members])
            where = where if len(members) == 1 else f"each of {len(members)} cores: {where}"
            rows.append(_row(total.op, where, members[0], fmt_pct(members[0].zero_fraction, 0)))
        rows.append(_row(total.op, "total", total, ""))
    return rows


def zero_skip_table(stats: Stats) -> str:
    """The savings as text (written as `zero_skip.txt`)."""
    choices = stats.zero_skip.choice_text() if stats.zero_skip else ""
    return ("Zero skipping: work not done because the operands were zero (zeros = share of zero operands)\n\n"
            + text_table(ZERO_SKIP_HEADER, zero_skip_rows(stats)) + "\n"
            + (f"\nPlan chosen at run time by activation density: {choices}\n" if choices else ""))


def _panel(ax, ops: tuple[ZeroSkipOp, ...], names: list[str], key: str, title: str, unit: str, color: str) -> None:
    """One stacked bar per op, a segment per core; net cycles can be negative (the checks cost more than they saved),
    so negative segments stack downwards from zero."""
    ends = {name: [0, 0] for name in names}  # (top of the positive stack, bottom of the negative one)
    edge = 0.8 if len(ops) <= 16 * len(names) else 0.0  # white lines between cores only while they stay visible
    xs, heights, bottoms, colors = [], [], [], []
    for z in ops:  # one stacked segment per core, separated by white edges
        value, end = getattr(z, key), ends[z.op]
        side = 0 if value >= 0 else 1
        xs.append(names.index(z.op))
        heights.append(value)
        bottoms.append(end[side])
        colors.append(color if value >= 0 else "#b0b0b0")
        end[side] += value
    if xs:  # one call for every segment: a bar() per segment cost seconds on a 64-core run
        ax.bar(xs, heights, bottom=bottoms, color=colors, edgecolor="white", linewidth=edge)
    ax.set_xticks(range(len(names)), names, rotation=30 if len(names) > 1 else 0, ha="right" if len(names) > 1
                  else "center", fontsize=10)
    ax.set_title(title, fontsize=12)
    ax.set_ylabel(unit, fontsize=11)
    ax.tick_params(axis="y", labelsize=10)
    top, bottom = max(e[0] for e in ends.values()), min(e[1] for e in ends.values())
    span = (top - bottom) or 1
    ax.set_ylim(bottom - 0.18 * span * (bottom < 0), top + 0.18 * span)
    ax.axhline(0, color="black", linewidth=0.8)
    if unit == "bytes":
        ax.yaxis.set_major_locator(MultipleLocator(2 ** math.ceil(math.log2(span / 5)) if span > 5 else 1))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_bytes(v)))
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_count(v)))
    for i, name in enumerate(names):
        net = sum(ends[name])
        at, va = (ends[name][1], "top") if net < 0 else (ends[name][0], "bottom")
        if net:
            ax.text(i, at, _bar_label(key, net, ops, name), ha="center", va=va, fontsize=10 if len(names) <= 4 else 8)


def fmt_count(v: float) -> str:
    """An axis count without matplotlib's offset text: `12.5M`, `16k`, `250`."""
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= scale:
            return f"{v / scale:g}{suffix}"
    return f"{v:g}"


def _bar_label(key: str, value: int, ops: tuple[ZeroSkipOp, ...], op: str) -> str:
    if key == "macs_skipped":
        total = sum(z.macs_total for z in ops if z.op == op)
        return fmt_pct(value / total) if total else ""
    return fmt_bytes(value) if "bytes" in key else fmt_int(value)


def write_zero_skip(stats: Stats, out_dir: Path) -> list[Path]:
    """Write `zero_skip.txt` and `zero_skip.png`; nothing when the run did not skip zeros."""
    ops = ops_of(stats)
    if not ops:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    text = out_dir / "zero_skip.txt"
    text.write_text(zero_skip_table(stats))
    names = list(dict.fromkeys(z.op for z in ops))
    fig = Figure(figsize=(max(12.0, 2.4 * len(PANELS) + 0.6 * len(names)), 4.6), dpi=100, layout="constrained")
    for ax, (key, title, unit, color) in zip(fig.subplots(1, len(PANELS)), PANELS, strict=True):
        _panel(ax, ops, names, key, title, unit, color)
    split = "white lines split a bar into its cores; " if len(ops) <= 16 * len(names) else ""
    fig.suptitle(f"Zero skipping: work saved per op, summed over cores\n{split}the label on MACs skipped is the share "
                 "of the op's MACs", fontsize=12)
    png = out_dir / "zero_skip.png"
    fig.savefig(png)
    return [text, png]


def zero_skip_summary(stats: Stats) -> str:
    """One paragraph: the mode; what skipping saved end to end against the dense run (or that the per-core sum is
    only an estimate, without one); what work it skipped."""
    ops = ops_of(stats)
    if not ops:
        return ""
    zs, t = stats.zero_skip, ZeroSkipTotals.of(ops)
    mode = (f"values below {zs.threshold:g} were flushed to zero, so the outputs differ slightly from a dense run"
            if zs.threshold else "only exact zeros were skipped, so the outputs are identical to a dense run")
    share = fmt_pct(t.macs_skipped / t.macs_total) if t.macs_total else "0%"
    work = (f"It skipped {share} of the multiply-accumulates ({fmt_int(t.macs_skipped)} of {fmt_int(t.macs_total)}) "
            f"and did not send {fmt_bytes(t.noc_bytes_skipped)} over the NoC or read {fmt_bytes(t.dram_bytes_skipped)} "
            f"from DRAM.")
    return f"Zero skipping was on: {mode}. {_end_to_end(stats)} {work} {_per_core(t)}{_choices(zs)}"


def _choices(zs) -> str:
    """How skipping decode matmuls chose their plan at run time, block by block, from the activation's density."""
    if not zs.plan_choices():
        return ""
    return (" Skipping decode matmuls run on the dense decode plan's cores and pick per k step, by the measured share "
            "of live activation columns (gathering when at most the step's max_density are live, as the schedule "
            "says): " + zs.choice_text() + ".")


def _end_to_end(stats: Stats) -> str:
    saved, dense = stats.zero_skip.saved(stats), stats.zero_skip.dense
    if saved is None:
        return ("No dense run was made, so the end-to-end saving is unknown (rerun with `tensix run --compare-dense` "
                "to run the same plan with skipping off); the per-core sum below only estimates it.")
    faster = "faster" if saved.cycles >= 0 else "slower"
    share = fmt_pct(abs(saved.cycles) / dense.cycles) if dense.cycles else "0%"
    return (f"End to end, the run took {fmt_int(stats.total_cycles)} cycles against {fmt_int(dense.cycles)} for the "
            f"same plan with skipping off: {fmt_int(abs(saved.cycles))} cycles ({share}) {faster}, with "
            f"{fmt_bytes(saved.noc_bytes)} fewer NoC bytes x hops and {fmt_bytes(saved.dram_bytes)} fewer DRAM bytes.")


def _per_core(t: ZeroSkipTotals) -> str:
    cores = t.cores
    overhead = f" after paying {fmt_int(t.cycles_overhead)} for the zero checks" if t.cycles_overhead else ""
    per_core = f"summed over {cores} cores, about {fmt_int(abs(t.cycles_skipped) / cores)} per core"
    if t.cycles_skipped >= 0:
        return (f"Per core, it saved {fmt_int(t.cycles_skipped)} core cycles net{overhead} ({per_core}; cores work in "
                "parallel and wait for each other, so this is not the run's saving).")
    return (f"Per core, it cost {fmt_int(-t.cycles_skipped)} core cycles net ({per_core}): the zero checks took "
            "longer than the work they skipped on those cores.")
