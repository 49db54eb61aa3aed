"""The packer thread (TRISC2) of a compute kernel (tensix/compute_api.py): packs into the kernel's own CBs run on
it beside the math thread, through DST's two halves (tt-metal's default SyncHalf): math fills one half while the
packer drains the other, and waits only when the packer is not yet done with the half it takes next."""

from __future__ import annotations

from tensix.tracelog import SpanLog


class Packer:
    """When the packer is next free, when it is done with each DST half, and its spans (role `packer`)."""

    def __init__(self):
        self.t = 0
        self.halves = [0, 0]  # done with: the half the math thread takes next, the half it released last
        self.done: dict[int, list[int]] = {}  # CB id -> cycle each of its pages was last packed by
        self.spans = SpanLog()
        self.busy_cycles = 0

    def pack(self, cb, first: int, at: int, cycles: int, count: int, op: int) -> None:
        """`count` packs into pages first.. (ring slots) of cb costing `cycles`, issued by the math thread at `at`: in
        order, once the packer is free."""
        start = max(at, self.t)
        self.t = start + cycles
        self.busy_cycles += cycles
        self.spans.add("pack_tile", start, self.t, count, op)
        done = self.done.get(cb.cb_id) or self.done.setdefault(cb.cb_id, [0] * cb.num_pages)
        size, t = cb.num_pages, self.t
        if count >= size:
            done[:] = [t] * size
            return
        first %= size
        end = first + count  # the ring's slots first.., as slices (a slot at a time costs ~10x more)
        if end <= size:
            done[first:end] = [t] * count
        else:
            done[first:] = [t] * (size - first)
            done[:end - size] = [t] * (end - size)

    def ready(self, cb, n: int) -> int:
        """The cycle the first n pages at cb's front have been packed by."""
        done = self.done.get(cb.cb_id)
        if not done:
            return 0
        size, first = cb.num_pages, cb.rd_slot % cb.num_pages
        if n >= size:
            return max(done)
        end = first + n
        return max(done[first:end]) if end <= size else max(max(done[first:]), max(done[:end - size]))

    def release(self) -> None:
        """The math thread hands over its half: the packer is done with it once everything queued so far is packed."""
        self.halves = [self.halves[1], self.t]
