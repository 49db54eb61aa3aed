"""The packer thread (TRISC2) of a compute kernel (tensix/compute_api.py): packs into the kernel's own CBs run on
it beside the math thread, through DST's two halves (tt-metal's default SyncHalf): math fills one half while the
packer drains the other, and waits only when the packer is not yet done with the half it takes next."""

from __future__ import annotations

from tensix.tracelog import SpanLog


class Packer:
    """When the packer is next free, when it is done with each DST half, and its spans (role `packer`)."""

    def __init__(self, keep_spans: bool = True):
        self.t = 0
        self.halves = [0, 0]  # done with: the half the math thread takes next, the half it released last
        self.done: dict[int, list[int]] = {}  # CB id -> cycle each of its pages was last packed by
        self.spans = SpanLog(keep_spans)
        self.busy_cycles = 0
        self._costs: dict[str, tuple[int, int]] = {}  # CB format -> cycles of one pack (written, accumulated)

    def cost(self, timing, fmt: str, accumulate: bool) -> int:
        """TimingModel.pack of one tile, priced once per format (packs are among a run's most frequent ops)."""
        costs = self._costs.get(fmt)
        if costs is None:
            costs = self._costs[fmt] = (timing.pack(fmt, False), timing.pack(fmt, True))
        return costs[1] if accumulate else costs[0]

    def pack(self, cb, first: int, at: int, cycles: int, count: int, op: int) -> None:
        """`count` packs into pages first.. (ring slots) of cb costing `cycles`, issued by the math thread at `at`: in
        order, once the packer is free."""
        start = max(at, self.t)
        self.t = start + cycles
        self.busy_cycles += cycles
        self.spans.add("pack_tile", start, self.t, count, op)
        done = self.done.get(cb.cb_id) or self.done.setdefault(cb.cb_id, [0] * cb.num_pages)
        size, t = cb.num_pages, self.t  # (t boxed once, not per page, when compiled)
        for p in range(first, first + count):
            done[p % size] = t

    def ready(self, cb, n: int) -> int:
        """The cycle the first n pages at cb's front have been packed by."""
        done = self.done.get(cb.cb_id)
        if not done:
            return 0
        if n < 1:
            return max(done[0:0])  # no pages: max()'s error, as ever
        size, first = cb.num_pages, cb.rd_slot
        latest = done[first % size]
        for i in range(first + 1, first + n):  # a loop in C when compiled (slices of boxed ints cost ~3x)
            v = done[i % size]
            if v > latest:
                latest = v
        return latest

    def release(self) -> None:
        """The math thread hands over its half: the packer is done with it once everything queued so far is packed."""
        self.halves = [self.halves[1], self.t]
