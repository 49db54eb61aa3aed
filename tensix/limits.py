"""Limits of one run: how long it may simulate and how many transfers its trace may hold.

A kernel that never stops (polling a semaphore that no one sets, reading the NoC in a loop) would otherwise
run for ever, or until its trace fills the machine's memory; each limit stops it with an error naming it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tensix.engine import DEFAULT_MAX_CYCLES
from tensix.errors import LimitError
from tensix.tracelog import TRANSFER_BYTES, TransferLog

# The trace a run may hold, as memory: 1 GiB of transfer rows (TRANSFER_BYTES each) is 33,554,432 transfers. A GPT-2
# block records ~20,000, a 16384^3 matmul ~9 million; a kernel polling the NoC for ever reaches it in minutes.
DEFAULT_TRACE_BYTES = 1 << 30
DEFAULT_MAX_TRANSFERS = DEFAULT_TRACE_BYTES // TRANSFER_BYTES


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


def trace_full(k, transfers: TransferLog) -> None:
    """Raise the error for a trace that reached its bound, naming the kernel that made the last transfer and
    the kernels that made the most."""
    top = ", ".join(f"{role} on core {core}: {n:,}" for (core, role), n in transfers.issuers().most_common(3))
    raise LimitError(
        f"{k.role} kernel on core {k.core}: the trace reached max_transfers={len(transfers):,} NoC transfers "
        f"({_size(len(transfers) * TRANSFER_BYTES)} of trace) at cycle {k.t:,}; a kernel may be polling the NoC "
        f"forever (most transfers: {top}); raise the limit with Mesh(..., max_transfers=N) if the program really "
        f"moves this much (each transfer holds {TRANSFER_BYTES} B of memory until the trace is dropped)"
    )


def _size(nbytes: int) -> str:
    """nbytes as a reader takes it in: 3.1 KiB, 1.0 GiB."""
    size, unit = float(nbytes), "B"
    for bigger in ("KiB", "MiB", "GiB"):
        if size < 1024:
            break
        size, unit = size / 1024, bigger
    return f"{size:.1f} {unit}" if unit != "B" else f"{nbytes} B"
