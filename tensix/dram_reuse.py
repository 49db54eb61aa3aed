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
    decode step's program lays ~100 buffers over ~1,000 and claims each once per run."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._order: dict[str, int] = {}
        self._ranges: list[tuple[int, int]] = []
        self._arrays: tuple[np.ndarray, np.ndarray] | None = None  # (bases, ends), built when first asked

    def add(self, name: str, base: int, stop: int) -> None:
        i = self._order.setdefault(name, len(self.names))
        if i == len(self.names):
            self.names.append(name)
            self._ranges.append((base, stop))
        else:  # a name allocated again keeps its place in the order, as the buffers dict does
            self._ranges[i] = (base, stop)
        self._arrays = None

    def overlapping(self, name: str, base: int, stop: int, before: bool = False) -> list[str]:
        """The buffers other than `name` whose range meets [base, stop); `before`: only those allocated before
        `name`."""
        if self._arrays is None:
            self._arrays = np.array(self._ranges, dtype=np.int64).reshape(-1, 2).T.copy()
        bases, ends = self._arrays
        n = self._order[name] if before else len(self.names)
        hit = np.flatnonzero((bases[:n] < stop) & (ends[:n] > base)).tolist()
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
