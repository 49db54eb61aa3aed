"""Limits of one run: how long it may simulate and how many transfers its trace may hold.

A kernel that never stops (polling a semaphore that no one sets, reading the NoC in a loop) would otherwise
run for ever, or until its trace fills the machine's memory; each limit stops it with an error naming it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tensix.engine import DEFAULT_MAX_CYCLES
from tensix.errors import LimitError

DEFAULT_MAX_TRANSFERS = 1_000_000  # with their spans ~0.6 GB of trace; a GPT-2 block records ~20,000


@dataclass(frozen=True, slots=True)
class Limits:
    """`max_cycles`: simulated cycles a run may reach; `max_transfers`: NoC transfers its trace may hold."""

    max_cycles: int = DEFAULT_MAX_CYCLES
    max_transfers: int = DEFAULT_MAX_TRANSFERS

    def __post_init__(self):
        for name in ("max_cycles", "max_transfers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise LimitError(f"{name} must be a positive whole number, not {value!r}")


def trace_full(k, transfers: list) -> None:
    """Raise the error for a trace that reached its bound, naming the kernel that made the last transfer and
    the kernels that made the most."""
    counts = Counter((t[2], t[3]) for t in transfers)
    top = ", ".join(f"{role} on core {core}: {n:,}" for (core, role), n in counts.most_common(3))
    raise LimitError(
        f"{k.role} kernel on core {k.core}: the trace reached max_transfers={len(transfers):,} NoC transfers at "
        f"cycle {k.t:,}; a kernel may be polling the NoC forever (most transfers: {top}); raise the limit with "
        f"Mesh(..., max_transfers=N) if the program really moves this much"
    )
