"""DRAM space shared over time: a buffer the compiler laid over the space of buffers dead before its first write
(lang/passes/alloc_dram.py) is pending until a kernel first touches it; it then takes that space, and touching one
of the buffers it replaced is a DramError, so a reuse the schedule does not order shows up as it runs."""

from __future__ import annotations

from bisect import insort

from tensix.errors import DramError


def end(dram, buf) -> int:
    """The bank offset just past `buf` (the same in every bank of `dram`)."""
    return buf.base + buf.slots_per_bank(len(dram.banks)) * buf.page_nbytes


def overlapping(dram, buf) -> list[tuple[int, str]]:
    """The (base, name) of the buffers holding their space now that `buf` overlaps."""
    stop = end(dram, buf)
    return [(b, n) for b, n in dram._bases if b < stop and buf.base < end(dram, dram.buffers[n])]


def claim(dram, buf) -> None:
    """A kernel touches `buf`, which does not hold its space: a pending buffer takes it (zeroed, as a fresh buffer
    is) and the buffers there lose it; an evicted one is an error."""
    by = dram._unowned[buf.name]
    if by:
        raise DramError(f"DRAM buffer '{buf.name}' is used after '{by}' took its bank space "
                        f"[0x{buf.base:x}, 0x{end(dram, buf):x}); '{by}' may be written only after every "
                        f"kernel reading or writing '{buf.name}' is done (a semaphore chain must order them)")
    for entry in overlapping(dram, buf):
        dram._bases.remove(entry)
        dram._unowned[entry[1]] = buf.name
    del dram._unowned[buf.name]
    insort(dram._bases, (buf.base, buf.name))
    if dram.hold_data:
        start, stop = buf.base, end(dram, buf)
        for bank in dram.banks:
            bank.data[start:stop] = 0
            bank.wrote(start, stop)
