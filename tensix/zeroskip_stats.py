"""The stats' zero_skip section (tensix/stats.py): what zero skipping saw and saved per op and core, its totals, the
dense run it is measured against, and the run-time plan choices of skipping decode matmuls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from tensix.jsondoc import Coord


class Stats(Protocol):
    """What the savings are computed from: a run's stats (tensix.stats.Stats, which imports this module)."""

    total_cycles: int
    noc_bytes: tuple[int, ...]
    dram_bytes: int


@dataclass(frozen=True, slots=True)
class ZeroSkipOp:
    """What skipping saw and saved for one op on one core."""

    op: str
    core: Coord
    macs_skipped: int
    macs_total: int
    noc_bytes_skipped: int
    dram_bytes_skipped: int
    zero_fraction: float
    cycles_avoided: int  # work not done
    cycles_overhead: int  # the zero checks that found it
    # a skipping decode matmul's run-time plan choice, per k step of each block: live weight rows gathered, or
    # tiles streamed as the dense plan does (the activation was too dense there for gathering to pay)
    steps_gathered: int = 0
    steps_streamed: int = 0

    @property
    def cycles_skipped(self) -> int:
        """Net core cycles: avoided minus overhead."""
        return self.cycles_avoided - self.cycles_overhead


@dataclass(frozen=True, slots=True, kw_only=True)
class ZeroSkipTotals:
    """What skipping saved summed over rows of `ZeroSkipOp` (one op's cores, or the whole run: op `all`)."""

    op: str = "all"
    cores: int  # distinct cores among the rows
    macs_total: int
    macs_skipped: int
    noc_bytes_skipped: int
    dram_bytes_skipped: int
    cycles_avoided: int
    cycles_overhead: int

    @staticmethod
    def of(rows: tuple[ZeroSkipOp, ...] | list[ZeroSkipOp], op: str = "all") -> ZeroSkipTotals:
        names = ("macs_total", "macs_skipped", "noc_bytes_skipped", "dram_bytes_skipped", "cycles_avoided",
                 "cycles_overhead")
        sums = {f: sum(getattr(z, f) for z in rows) for f in names}
        return ZeroSkipTotals(op=op, cores=len({z.core for z in rows}), **sums)

    @property
    def cycles_skipped(self) -> int:
        """Net core cycles summed over cores: an estimate of the end-to-end saving, not the saving itself
        (cores work in parallel and wait for each other)."""
        return self.cycles_avoided - self.cycles_overhead


@dataclass(frozen=True, slots=True)
class DenseRun:
    """The same compiled plan run with skipping off: the baseline end-to-end savings are measured against."""

    cycles: int
    noc_bytes: int  # bytes x hops, both NoCs
    dram_bytes: int  # read + written


@dataclass(frozen=True, slots=True)
class ZeroSkipStats:
    enabled: bool
    threshold: float  # > 0: values below it were flushed to zero (outputs differ from dense)
    ops: tuple[ZeroSkipOp, ...]
    dense: DenseRun | None = None  # set by `tensix run --compare-dense` (and with a threshold)
    error_vs_dense: tuple[tuple[str, float], ...] | None = None  # per output: max |skipping - dense|

    def saved(self, run: Stats) -> DenseRun | None:
        """End to end, what skipping saved in `run` (these stats) against the dense run: cycles, NoC and DRAM bytes
        (negative: it cost). None when no dense run was made."""
        d = self.dense
        return None if d is None else DenseRun(d.cycles - run.total_cycles, d.noc_bytes - sum(run.noc_bytes),
                                               d.dram_bytes - run.dram_bytes)

    def saving_text(self, run: Stats) -> str:
        """One line for people: end to end against the dense run when there was one, else the per-core estimate
        named as such."""
        t, saved = self.totals, self.saved(run)
        if not self.ops and saved is None:
            return "nothing to skip: no op of this program looks for zeros (matmuls do, on their activations)"
        chosen = f" (chosen by density: {self.choice_text()})" if self.plan_choices() else ""
        work = (f"{t.macs_skipped:,} of {t.macs_total:,} MACs, {t.noc_bytes_skipped:,} NoC B and "
                f"{t.dram_bytes_skipped:,} DRAM B skipped{chosen}")
        if saved is None:
            return (f"{work}; {t.cycles_skipped:,} core cycles saved net summed over cores, an estimate, not the "
                    f"run's saving (run with --compare-dense to measure it against the dense run)")
        share = saved.cycles / self.dense.cycles if self.dense.cycles else 0.0
        return (f"{saved.cycles:,} cycles ({100 * share:.1f}%) saved end to end: {run.total_cycles:,} against "
                f"{self.dense.cycles:,} dense (same plan, skipping off), {saved.noc_bytes:,} NoC B x hops and "
                f"{saved.dram_bytes:,} DRAM B fewer; per core: {work}, {t.cycles_skipped:,} core cycles net")

    def plan_choices(self) -> tuple[tuple[str, int, int], ...]:
        """Per skipping decode matmul (op, k steps gathered, k steps streamed): how its plan was chosen at run time."""
        ops: dict[str, list[int]] = {}
        for z in self.ops:
            if z.steps_gathered or z.steps_streamed:
                counts = ops.setdefault(z.op, [0, 0])
                counts[0] += z.steps_gathered
                counts[1] += z.steps_streamed
        return tuple((op, g, st) for op, (g, st) in ops.items())

    def choice_text(self) -> str:
        """The run-time plan choices in words ('' when no op made one)."""
        return "; ".join(f"{op} gathered live weight rows in {g:,} of {g + st:,} k steps, streamed the dense plan's "
                         f"tiles in {st:,}" for op, g, st in self.plan_choices())

    @property
    def totals(self) -> ZeroSkipTotals:
        return ZeroSkipTotals.of(self.ops)
