"""The discrete-event engine: the one place simulated time advances.

Kernels run as greenlets. Each keeps a local clock that runs ahead while it only computes; before it
touches shared state (a circular buffer, the NoC, a semaphore) it syncs, i.e. yields until global time
reaches its clock. Events are ordered by (cycle, sequence number), so every run is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush

import greenlet

from tensix.collector import paused
from tensix.errors import DeadlockError, TensixError


class Engine:
    """Event queue of (cycle, seq, callback); `run` drains it and reports kernels left blocked."""

    def __init__(self, max_cycles: int = 10**12):
        self.now = 0
        self.max_cycles = max_cycles
        self.heap: list[tuple[int, int, Callable[[], object]]] = []
        self._seq = 0
        self.main = greenlet.getcurrent()
        self.processes: list = []

    def at(self, t: int, fn: Callable[[], object]) -> None:
        """Call fn when global time reaches cycle t (t >= now)."""
        self._seq += 1
        heappush(self.heap, (t, self._seq, fn))

    def run(self) -> int:
        """Run until no event is left; returns the final cycle. Raises DeadlockError if a process is still blocked.
        The cyclic garbage collector is paused meanwhile (tensix/collector.py)."""
        with paused():
            return self._run()

    def _run(self) -> int:
        heap = self.heap
        while heap:
            t, _, fn = heappop(heap)
            if t > self.max_cycles:
                raise TensixError(
                    f"simulation passed {self.max_cycles} cycles; a kernel may be polling forever; still running:\n"
                    f"{self._describe(p for p in self.processes if not p.done)}"
                )
            self.now = t
            fn()
        blocked = [p for p in self.processes if not p.done]
        if blocked:
            raise DeadlockError(
                f"deadlock at cycle {self.now}: no kernel can progress; {len(blocked)} blocked:\n"
                f"{self._describe(blocked)}"
            )
        return self.now

    @staticmethod
    def _describe(procs) -> str:
        return "\n".join(f"  {p.role} kernel on core {p.core} waits in {p.blocked_on or 'nothing'}" for p in procs)
