"""DRAM space shared over time: a buffer the compiler laid over the space of buffers dead before its first write
(lang/passes/alloc_dram.py) is pending until a kernel first touches it; it then takes that space, and touching one
of the buffers allocated before it there is a DramError, so a reuse the schedule does not order shows up as it runs."""

from __future__ import annotations

from bisect import insort

import numpy as np

from tensix.errors import DramError


class Extents:
    """The bank range [base, end) of each DRAM buffer in allocation order (the same in every bank), kept as arrays
    so that finding the buffers a range overlaps is one vectorized test, not a Python loop over every buffer: a
    decode step's program lays ~100 buffers over ~1,000 and claims each once per run. The arrays grow in place as
    buffers are added (rebuilding them from a list for each laid-over buffer's check cost more than the test)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._order: dict[str, int] = {}
        self._bases = np.zeros(64, dtype=np.int64)
        self._ends = np.zeros(64, dtype=np.int64)

    def add(self, name: str, base: int, stop: int) -> None:
        i = self._order.setdefault(name, len(self.names))
        if i == len(self.names):  # (a name allocated again keeps its place in the order, as the buffers dict does)
            self.names.append(name)
            if i == len(self._bases):
                self._bases = np.concatenate([self._bases, np.zeros_like(self._bases)])
                self._ends = np.concatenate([self._ends, np.zeros_like(self._ends)])
        self._bases[i] = base
        self._ends[i] = stop

    def overlapping(self, name: str, base: int, stop: int, before: bool = False) -> list[str]:
        """The buffers other than `name` whose range meets [base, stop); `before`: only those allocated before
        `name`."""
        n = self._order[name] if before else len(self.names)
        hit = np.flatnonzero((self._bases[:n] < stop) & (self._ends[:n] > base)).tolist()
        return [self.names[i] for i in hit if self.names[i] != name]


def end(dram, buf) -> int:
    """The bank offset just past `buf` (the same in every bank of `dram`)."""
    return buf.base + buf.slots_per_bank(len(dram.banks)) * buf.page_nbytes


def claim(dram, buf) -> None:
    """A kernel touches `buf`, which does not hold its space: a pending buffer takes it (zeroed, as a fresh buffer
    is), and the buffers allocated before it there lose it, whether they held it or never touched it; touching a
    buffer that lost its space is an error."""
    by = dram._unowned[buf.name]
    if by:
        raise DramError(f"DRAM buffer '{buf.name}' is used after '{by}' took its bank space "
                        f"[0x{buf.base:x}, 0x{end(dram, buf):x}); '{by}' may be written only after every "
                        f"kernel reading or writing '{buf.name}' is done (a semaphore chain must order them)")
    for name in dram.extents.overlapping(buf.name, buf.base, end(dram, buf), before=True):
        if name in dram._unowned:
            if not dram._unowned[name]:  # pending, never touched: dead before it
                dram._unowned[name] = buf.name
        else:
            dram._bases.remove((dram.buffers[name].base, name))
            dram._unowned[name] = buf.name
    del dram._unowned[buf.name]
    insort(dram._bases, (buf.base, buf.name))
    if dram.hold_data:
        start, stop = buf.base, end(dram, buf)
        for bank in dram.banks:
            bank.data[start:stop] = 0
            bank.wrote(start, stop)
