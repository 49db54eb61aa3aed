"""The discrete-event engine: the one place simulated time advances.

Kernels run as greenlets. Each keeps a local clock that runs ahead while it only computes; before it
touches shared state (a circular buffer, the NoC, a semaphore) it syncs, i.e. yields until global time
reaches its clock. Events are ordered by (cycle, sequence number), so every run is deterministic.
An event either calls a function or resumes a kernel; a kernel that yields hands control straight to
the next kernel due (one greenlet switch, not two through the main loop), in the same event order.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush, heapreplace

import greenlet

from tensix.collector import paused
from tensix.errors import DeadlockError, TensixError


class Engine:
    """Event queue of (cycle, seq, callback); `run` drains it and reports kernels left blocked."""

    def __init__(self, max_cycles: int = 10**12):
        self.now = 0
        self.max_cycles = max_cycles
        # (cycle, seq, function to call or None, kernel greenlet to resume or None)
        self.heap: list[tuple[int, int, Callable[[], object] | None, object]] = []
        self._seq = 0
        self.main = greenlet.getcurrent()
        self.processes: list = []

    def at(self, t: int, fn: Callable[[], object]) -> None:
        """Call fn when global time reaches cycle t (t >= now)."""
        self._seq += 1
        heappush(self.heap, (t, self._seq, fn, None))

    def resume_at(self, t: int, glet) -> None:
        """Switch to kernel greenlet glet when global time reaches cycle t (t >= now)."""
        self._seq += 1
        heappush(self.heap, (t, self._seq, None, glet))

    def yield_until(self, t: int, glet) -> None:
        """Called by the running kernel glet: it resumes at cycle t, after every event due before."""
        self._seq += 1
        entry = (t, self._seq, None, glet)
        top = self.heap[0]
        # a started kernel is next: switch to it, and in one sift (a kernel starts from the main loop, so that
        # it does not inherit the Python stack depth of the kernel that would start it)
        if top[3] and top[0] <= self.max_cycles:
            heapreplace(self.heap, entry)  # pop it and queue the caller
            self.now = top[0]
            top[3].switch()
        else:
            heappush(self.heap, entry)
            self.main.switch()

    def suspend(self) -> None:
        """Called by the running kernel: it sleeps until an event resumes it (see resume_at)."""
        heap = self.heap
        if heap and heap[0][3] and heap[0][0] <= self.max_cycles:
            top = heappop(heap)
            self.now = top[0]
            top[3].switch()
        else:
            self.main.switch()

    def run(self) -> int:
        """Run until no event is left; returns the final cycle. Raises DeadlockError if a process is still blocked.
        The cyclic garbage collector is paused meanwhile (tensix/collector.py)."""
        with paused():
            return self._run()

    def _run(self) -> int:
        heap = self.heap
        while heap:
            t, _, fn, glet = heappop(heap)
            if t > self.max_cycles:
                raise TensixError(
                    f"simulation passed {self.max_cycles} cycles; a kernel may be polling forever; still running:\n"
                    f"{self._describe(p for p in self.processes if not p.done)}"
                )
            self.now = t
            if glet is None:
                fn()
            else:
                glet.switch()
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
