"""DRAM space shared over time: a buffer the compiler laid over the space of buffers dead before its first write
(lang/passes/alloc_dram.py) is pending until a kernel first touches it; it then takes that space, and touching one
of the buffers allocated before it there is a DramError, so a reuse the schedule does not order shows up as it runs."""

from __future__ import annotations

from bisect import insort

from tensix.errors import DramError


def end(dram, buf) -> int:
    """The bank offset just past `buf` (the same in every bank of `dram`)."""
    return buf.base + buf.slots_per_bank(len(dram.banks)) * buf.page_nbytes


def overlapping(dram, buf, among) -> list[str]:
    """The names of the DRAM buffers in `among` (names) whose space `buf` overlaps."""
    stop = end(dram, buf)
    out = []
    for name in among:
        other = dram.buffers[name]
        if name != buf.name and other.homes is None and other.base < stop and buf.base < end(dram, other):
            out.append(name)
    return out


def claim(dram, buf) -> None:
    """A kernel touches `buf`, which does not hold its space: a pending buffer takes it (zeroed, as a fresh buffer
    is), and the buffers allocated before it there lose it, whether they held it or never touched it; touching a
    buffer that lost its space is an error."""
    by = dram._unowned[buf.name]
    if by:
        raise DramError(f"DRAM buffer '{buf.name}' is used after '{by}' took its bank space "
                        f"[0x{buf.base:x}, 0x{end(dram, buf):x}); '{by}' may be written only after every "
                        f"kernel reading or writing '{buf.name}' is done (a semaphore chain must order them)")
    earlier = list(dram.buffers)
    earlier = earlier[:earlier.index(buf.name)]
    for name in overlapping(dram, buf, earlier):
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
