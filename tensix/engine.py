"""The discrete-event engine: the one place simulated time advances.

Kernels run as greenlets. Each keeps a local clock that runs ahead while it only computes; before it
touches shared state (a circular buffer, the NoC, a semaphore) it syncs, i.e. yields until global time
reaches its clock. Events run by cycle, and in the order they were scheduled within a cycle, so every run
is deterministic.
An event either calls a function or resumes a kernel; a kernel that yields hands control straight to
the next kernel due (one greenlet switch, not two through the main loop), in the same event order.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush

import greenlet

from tensix.collector import paused
from tensix.errors import DeadlockError, LimitError
from tensix.waits import reason_text

_GREENLET = greenlet.greenlet  # the type of a kernel event (an event of any other type is a function to call)
_SWITCH = greenlet.greenlet.switch  # called with the greenlet: no method looked up on it per switch
DEFAULT_MAX_CYCLES = 10**10  # 10 s of device time at 1 GHz: far beyond any program here, reached in minutes by a
# kernel that polls forever (each poll advances time), long before its trace fills memory


class Engine:
    """Events by cycle, first come first served within a cycle; `run` drains them and reports kernels left blocked.

    An event is a function to call or a kernel greenlet to resume. Each cycle with events has a FIFO queue, and
    a heap holds those cycles: kernels in lockstep share cycles, so most events skip the heap, and the order is
    that of (cycle, sequence number) with no number to compare. A queue is a list (compiled, its appends and pops
    are C calls, not method look-ups; most hold one or a few events, so taking the first moves little).
    """

    def __init__(self, max_cycles: int = DEFAULT_MAX_CYCLES):
        self.now = 0
        self.max_cycles = max_cycles
        self.due: dict[int, list] = {}  # cycle -> its events in the order they were scheduled
        self.cycles: list[int] = []  # heap of the cycles in `due`
        self._spare: list[list] = []  # emptied queues, for the next new cycle (most events open a cycle of their own)
        self.main = greenlet.getcurrent()
        self.processes: list = []

    def at(self, t: int, fn: Callable[[], object]) -> None:
        """Call fn when global time reaches cycle t (t >= now)."""
        self._queue(t).append(fn)

    def resume_at(self, t: int, glet) -> None:
        """Switch to kernel greenlet glet when global time reaches cycle t (t >= now)."""
        self._queue(t).append(glet)

    def _queue(self, t: int) -> list:
        key = t  # (compiled: the cycle made a Python int once, for the dict and the heap)
        queue = self.due.get(key)
        if queue is None:
            spare = self._spare
            queue = self.due[key] = spare.pop() if spare else []
            heappush(self.cycles, key)
        return queue

    def _next(self):
        """Take the first event of the earliest cycle and move time there."""
        t = self.cycles[0]
        queue = self.due[t]
        event = queue.pop(0)
        if not queue:
            del self.due[t]
            heappop(self.cycles)
            self._spare.append(queue)
        self.now = t
        return event

    def sync(self, t: int, glet) -> None:
        """Called by the running kernel glet to reach cycle t (> now): when nothing else is due by then, time moves
        straight there without a switch, still bounded by max_cycles (a lone kernel never returns to the loop that
        checks it); otherwise the kernel resumes at t, after every event due before."""
        if not self.reach(t):
            self.yield_until(t, glet)

    def reach(self, t: int) -> bool:
        """Move time straight to cycle t (> now) when nothing else is due by then, still bounded by max_cycles;
        False: events are due first (the caller waits for t in the queue)."""
        cycles = self.cycles
        if cycles:
            first = cycles[0]  # (compiled: compared as C integers, no int object made for t)
            if first <= t:
                return False
        if t > self.max_cycles:
            self._over_limit()
        self.now = t
        return True

    def yield_until(self, t: int, glet) -> None:
        """Called by the running kernel glet: it resumes at cycle t, after every event due before."""
        self._queue(t).append(glet)
        self.suspend()

    def suspend(self) -> None:
        """Called by the running kernel: it sleeps until an event resumes it (see resume_at); a kernel due next
        gets control straight away (one that has started: a kernel starts from the main loop, so that it does not
        inherit the Python stack depth of another), anything else through the main loop. _next written out: this
        runs at every switch, and the queue it peeks is the one it pops."""
        cycles = self.cycles
        if cycles:
            t = cycles[0]
            when = t  # (compiled: the cycle as a C integer, t the key as it is in `due`)
            if when <= self.max_cycles:
                queue = self.due[t]
                event = queue[0]
                if type(event) is _GREENLET and event:
                    queue.pop(0)
                    if not queue:
                        del self.due[t]
                        heappop(cycles)
                        self._spare.append(queue)
                    self.now = when
                    _SWITCH(event)
                    return
        _SWITCH(self.main)

    def run(self) -> int:
        """Run until no event is left; returns the final cycle. Raises DeadlockError if a process is still blocked.
        The cyclic garbage collector is paused meanwhile (tensix/collector.py)."""
        with paused():
            return self._run()

    def _run(self) -> int:
        while self.cycles:
            first = self.cycles[0]
            if first > self.max_cycles:
                self._over_limit()
            event = self._next()
            if type(event) is _GREENLET:
                _SWITCH(event)
            else:
                event()
        blocked = [p for p in self.processes if not p.done]
        if blocked:
            raise DeadlockError(
                f"deadlock at cycle {self.now}: no kernel can progress; {len(blocked)} blocked:\n"
                f"{self._describe(blocked)}"
            )
        return self.now

    def _over_limit(self) -> None:
        running = [p for p in self.processes if not p.done]
        more = f"\n  and {len(running) - 8} more" if len(running) > 8 else ""
        raise LimitError(
            f"simulation passed max_cycles={self.max_cycles:,}; a kernel may be polling forever (or raise the "
            f"limit: Mesh(..., max_cycles=N), tensix run --max-cycles N); still running:\n"
            f"{self._describe(running[:8])}{more}"
        )

    @staticmethod
    def _describe(procs) -> str:
        return "\n".join(f"  {p.role} kernel on core {p.core} waits in "
                         f"{reason_text(p.blocked_on) if p.blocked_on else 'nothing'}" for p in procs)
