"""MemoryPool: the device memories (L1s and DRAM banks) a Mesh hands from one run to the next.

Fresh memory costs a page fault and a page the kernel zeroes per 4 KiB on first touch, which made the memories
of a short run a large part of its time. A recycled memory is not cleared here: its owner clears what a run
can read before writing it (Sram on demand, Dram the buffers the host does not write). A memory some view
still refers to after its run (a kernel kept `ctx.l1(...)`) is never recycled.
"""

from __future__ import annotations

import sys

import numpy as np


def uncleared(nbytes: int) -> np.ndarray:
    """New memory, not cleared: it may hold anything until its owner clears it (tests fill it with garbage)."""
    return np.empty(nbytes, dtype=np.uint8)


class MemoryPool:
    """Finished runs' memories by size, for the next run's memories of the same sizes."""

    def __init__(self):
        self._free: dict[int, list[np.ndarray]] = {}

    def take(self, nbytes: int) -> np.ndarray:
        """nbytes of memory, not cleared: a recycled one of that size, or new memory."""
        free = self._free.get(nbytes)
        while free:
            data = free.pop()
            if sys.getrefcount(data) == 2:  # only this name and the call hold it
                return data
        return uncleared(nbytes)

    def give(self, memories: list[np.ndarray]) -> None:
        """Memories of a finished run (its device gone by the next take)."""
        for data in memories:
            self._free.setdefault(data.size, []).append(data)

    def held(self) -> list[np.ndarray]:
        """The memories waiting for a next run."""
        return [data for free in self._free.values() for data in free]
