"""Zero-activation skipping: the run option and the counters of what it saved (docs/architecture.md).

Skipping happens where zeros occur: an all-zero tile crosses the NoC as a header and is not multiplied,
a zero 16x16 activation face is not multiplied, and (decode-sized matmuls) a zero activation column
removes its weight row from DRAM, the NoC and the math. Every check is charged in the timing model, so
the cycles saved are net.
"""

from __future__ import annotations

from dataclasses import dataclass

from tensix.stats import ZeroSkipOp, ZeroSkipStats


@dataclass(frozen=True, slots=True, kw_only=True)
class ZeroSkip:
    """`enabled`: skip exact zeros (outputs identical to dense); `threshold` > 0 also flushes |x| < threshold
    to zero when tiles are packed (outputs change: the run reports the error against dense)."""

    enabled: bool = True
    threshold: float = 0.0


FIELDS = ("activations", "zero_activations", "macs_total", "macs_skipped", "noc_bytes_skipped",
          "dram_bytes_skipped", "cycles_avoided", "cycles_overhead", "steps_gathered", "steps_streamed")
_INDEX = {name: i for i, name in enumerate(FIELDS)}
# indexes into a row (ZeroSkipPolicy.row), for the per-tile paths that add to one in place
ACTIVATIONS, ZERO_ACTIVATIONS = _INDEX["activations"], _INDEX["zero_activations"]
MACS_TOTAL, MACS_SKIPPED = _INDEX["macs_total"], _INDEX["macs_skipped"]
CYCLES_AVOIDED, CYCLES_OVERHEAD = _INDEX["cycles_avoided"], _INDEX["cycles_overhead"]


class ZeroSkipPolicy:
    """Zero skipping during one run: the options kernels consult (`threshold`) and the one place they account what
    skipping saw and saved, per (core, op label). A device holds one when skipping is on (`Device.zero_skip`,
    and a kernel's `skip`), None otherwise."""

    def __init__(self, options: ZeroSkip):
        self.options = options
        self.threshold = options.threshold
        self.rows: dict[tuple[tuple[int, int], str], list[int]] = {}

    def add(self, core: tuple[int, int], op: str, **counts: int) -> None:
        """Add `counts` (names from FIELDS) to the row of `op` on `core`."""
        row = self.row(core, op)
        for name, value in counts.items():
            row[_INDEX[name]] += value

    def row(self, core: tuple[int, int], op: str) -> list[int]:
        """The counters of `op` on `core`, in FIELDS order: a compute kernel's per-tile checks and products add to
        it in place (keyword arguments cost more than the check they count)."""
        row = self.rows.get((core, op))
        if row is None:
            row = self.rows[(core, op)] = [0] * len(FIELDS)
        return row

    def to_stats(self, memo=None) -> ZeroSkipStats:
        """The stats' zero_skip section: per op and core (ops by name, cores by (y, x)). `memo` (a
        tensix.stats.StatsMemo): rows with the same counts as the last run's share their ZeroSkipOp."""
        last, now = (memo.zero_skip, {}) if memo is not None else ({}, {})
        ops = []
        for (core, op), row in sorted(self.rows.items(), key=lambda kv: (kv[0][1], kv[0][0][1], kv[0][0][0])):
            key = (core, op, *row)
            z = last.get(key)
            if z is None:
                d = dict(zip(FIELDS, row, strict=True))
                z = ZeroSkipOp(
                    op=op or "(unlabelled)", core=core, macs_skipped=d["macs_skipped"], macs_total=d["macs_total"],
                    noc_bytes_skipped=d["noc_bytes_skipped"], dram_bytes_skipped=d["dram_bytes_skipped"],
                    zero_fraction=d["zero_activations"] / d["activations"] if d["activations"] else 0.0,
                    cycles_avoided=d["cycles_avoided"], cycles_overhead=d["cycles_overhead"],
                    steps_gathered=d["steps_gathered"], steps_streamed=d["steps_streamed"])
            now[key] = z
            ops.append(z)
        if memo is not None:
            memo.zero_skip = now
        return ZeroSkipStats(self.options.enabled, self.threshold, tuple(ops))
