# cython: boundscheck=False, wraparound=False
"""The discrete-event engine: the one place simulated time advances.

Kernels run as greenlets. Each keeps a local clock that runs ahead while it only computes; before it
touches shared state (a circular buffer, the NoC, a semaphore) it syncs, i.e. yields until global time
reaches its clock. Events run by cycle, and in the order they were scheduled within a cycle, so every run
is deterministic.
An event either calls a function or resumes a kernel. A kernel that yields runs the events due before the
next kernel itself and hands control straight to that kernel (one greenlet switch, not two or more through
the main loop), in the same event order.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable

import greenlet

from tensix.collector import paused
from tensix.errors import DeadlockError, LimitError
from tensix.waits import reason_text

_GREENLET = greenlet.greenlet  # the type of a kernel event (an event of any other type is a function to call)
_SWITCH = greenlet.greenlet.switch  # called with the greenlet: no method looked up on it per switch
DEFAULT_MAX_CYCLES = 10**10  # 10 s of device time at 1 GHz: far beyond any program here, reached in minutes by a
# kernel that polls forever (each poll advances time), long before its trace fills memory
_SLOTS = 64  # the queue's first capacity (doubled when full): more than most runs have kernels


class Engine:
    """Events by cycle, first come first served within a cycle; `run` drains them and reports kernels left blocked.

    An event is a function to call or a kernel greenlet to resume. The queue is a binary heap ordered by (cycle,
    sequence number), the number counting events as they are scheduled: its keys are int64 arrays (compiled, C
    integers compared and moved, no int objects made or hashed per event; no bounds checked: every index is a heap
    position below size or a slot below capacity), its events a list beside them.
    """

    def __init__(self, max_cycles: int = DEFAULT_MAX_CYCLES):
        self.now = 0
        self.max_cycles = max_cycles
        self.size = 0  # events queued: heap positions [0, size) are in use
        self.seq = 0  # events scheduled so far
        self.running = 0  # the sequence number of the event taken last (resume_next goes right after it)
        self.times = array("q", bytes(8 * _SLOTS))  # per heap position: its event's cycle, sequence number and slot
        self.seqs = array("q", bytes(8 * _SLOTS))
        self.slots = array("q", bytes(8 * _SLOTS))
        self.events: list = [None] * _SLOTS  # by slot: the heap moves integers, not the events (nor their counts)
        self.free = array("q", range(_SLOTS))  # free[size:]: the slots not in use
        self.turns = 0  # times a kernel suspended or the main loop took an event (see suspend)
        self.failure: Exception | None = None  # raised by an event a kernel ran, for the main loop to raise
        self.main = greenlet.getcurrent()
        self.processes: list = []

    def at(self, t: int, fn: Callable[[], object]) -> None:
        """Call fn when global time reaches cycle t (t >= now)."""
        self._push(t, fn)

    def resume_at(self, t: int, glet) -> None:
        """Switch to kernel greenlet glet when global time reaches cycle t (t >= now)."""
        self._push(t, glet)

    def resume_next(self, glet) -> None:
        """Switch to kernel glet right after the event running now, before anything else due this cycle (as if that
        event switched to it): the event issuing the last read of a kernel's gather, which goes on at once, as a
        kernel issuing them in a loop would."""
        self._push(self.now, glet, self.running)

    def _push(self, t: int, event, seq: int = -1) -> None:
        """Queue event at cycle t as the last yet scheduled (seq < 0), or with sequence number seq."""
        i = self.size
        if i == len(self.events):
            self._grow()
        slot = self.free[i]
        self.events[slot] = event
        if seq < 0:
            seq = self.seq
            self.seq = seq + 1
        while i:  # up from the new leaf, past later events (a new number is the largest yet: only later cycles)
            parent = (i - 1) >> 1
            if self.times[parent] < t or self.times[parent] == t and self.seqs[parent] < seq:
                break
            self.times[i] = self.times[parent]
            self.seqs[i] = self.seqs[parent]
            self.slots[i] = self.slots[parent]
            i = parent
        self.times[i] = t
        self.seqs[i] = seq
        self.slots[i] = slot
        self.size += 1

    def _grow(self) -> None:
        """Twice the slots (the queue is full: every slot is in use)."""
        n = len(self.events)
        times, seqs, slots = array("q", bytes(16 * n)), array("q", bytes(16 * n)), array("q", bytes(16 * n))
        for i in range(n):
            times[i] = self.times[i]
            seqs[i] = self.seqs[i]
            slots[i] = self.slots[i]
        self.times, self.seqs, self.slots = times, seqs, slots
        self.free = array("q", range(2 * n))  # (free[:n] is not read: those slots are in use)
        self.events.extend([None] * n)

    def _pop(self):
        """Take the first event (of the earliest cycle, the first scheduled) and move time to its cycle."""
        slot = self.slots[0]
        event = self.events[slot]
        self.events[slot] = None
        self.now = self.times[0]
        self.running = self.seqs[0]
        n = self.size - 1
        self.size = n
        self.free[n] = slot
        if n:  # the last leaf goes down from the root
            t, s, last = self.times[n], self.seqs[n], self.slots[n]
            i, child = 0, 1
            while child < n:
                right = child + 1
                if right < n and (self.times[right] < self.times[child] or
                                  self.times[right] == self.times[child] and self.seqs[right] < self.seqs[child]):
                    child = right
                ct = self.times[child]
                if ct > t or ct == t and self.seqs[child] > s:
                    break
                self.times[i] = ct
                self.seqs[i] = self.seqs[child]
                self.slots[i] = self.slots[child]
                i, child = child, 2 * child + 1
            self.times[i] = t
            self.seqs[i] = s
            self.slots[i] = last
        return event

    def clear(self) -> None:
        """Drop every event (a failed run's: Device.abort)."""
        for i in range(len(self.events)):
            self.events[i] = None
            self.free[i] = i
        self.size = 0

    def sync(self, t: int, glet) -> None:
        """Called by the running kernel glet to reach cycle t (> now): when nothing else is due by then, time moves
        straight there without a switch, still bounded by max_cycles (a lone kernel never returns to the loop that
        checks it); otherwise the kernel resumes at t, after every event due before."""
        if not self.reach(t):
            self.yield_until(t, glet)

    def reach(self, t: int) -> bool:
        """Move time straight to cycle t (> now) when nothing else is due by then, still bounded by max_cycles;
        False: events are due first (the caller waits for t in the queue)."""
        if self.size and self.times[0] <= t:
            return False
        if t > self.max_cycles:
            self._over_limit()
        self.now = t
        return True

    def yield_until(self, t: int, glet) -> None:
        """Called by the running kernel glet: it resumes at cycle t, after every event due before."""
        self._push(t, glet)
        self.suspend(glet)

    def suspend(self, glet) -> None:
        """Called by the running kernel glet: it sleeps until an event resumes it (see resume_at). It runs the
        function events due next itself and hands control straight to the kernel due next: one that has started (a
        kernel starts from the main loop, so that it does not inherit the Python stack depth of another), or goes
        on itself when that is glet (one of those events resumed it); the main loop takes over for anything else (a
        kernel to start, the end, max_cycles passed, an event raising). An event can switch to another kernel: when
        this one is resumed meanwhile (turns moved on: someone suspended or the main loop took an event), it goes
        on."""
        self.turns += 1
        while self.size:
            if self.times[0] > self.max_cycles:
                break
            event = self.events[self.slots[0]]
            if type(event) is _GREENLET:
                if not event:
                    break
                self._pop()
                if event is not glet:
                    _SWITCH(event)
                return
            self._pop()
            turns = self.turns
            try:
                event()
            except Exception as exc:  # raised by the main loop, as if it had called the event
                self.failure = exc
                break
            if self.turns != turns:
                return
        _SWITCH(self.main)

    def run(self) -> int:
        """Run until no event is left; returns the final cycle. Raises DeadlockError if a process is still blocked.
        The cyclic garbage collector is paused meanwhile (tensix/collector.py)."""
        with paused():
            return self._run()

    def _run(self) -> int:
        while self.size:
            if self.times[0] > self.max_cycles:
                self._over_limit()
            self.turns += 1
            event = self._pop()
            if type(event) is _GREENLET:
                _SWITCH(event)
            else:
                event()
            if self.failure is not None:
                failure, self.failure = self.failure, None
                raise failure
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
