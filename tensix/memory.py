"""MemoryPool: the device memories (L1s and DRAM banks) a Mesh hands from one run to the next.

Fresh memory costs a page fault and a page the kernel zeroes per 4 KiB on first touch, which made the memories
of a short run a large part of its time. A recycled memory is not cleared here: its owner clears what a run
can read before writing it (Sram on demand, Dram the buffers the host does not write). A memory some view
still refers to after its run (a kernel kept `ctx.l1(...)`) is never recycled.

The pool also knows which ranges of a memory still hold which host image (weights a run's host wrote, and
nothing wrote over since), so the next run's host write of the same image can leave them in place, as
weights stay in a device's DRAM between calls. Every write to a recycled memory reports its range (`wrote`).
"""

from __future__ import annotations

import sys
from bisect import bisect_right

import numpy as np


def uncleared(nbytes: int) -> np.ndarray:
    """New memory, not cleared: it may hold anything until its owner clears it (tests fill it with garbage)."""
    return np.empty(nbytes, dtype=np.uint8)


class MemoryPool:
    """Finished runs' memories by size, for the next run's memories of the same sizes."""

    def __init__(self):
        self._free: dict[int, list[np.ndarray]] = {}
        # id(memory) -> its ranges holding a host image: start -> (end, image), and the starts in order
        self._images: dict[int, tuple[dict[int, tuple[int, object]], list[int]]] = {}

    def take(self, nbytes: int) -> np.ndarray:
        """nbytes of memory, not cleared: a recycled one of that size (first given, first taken: a run asking
        for memories in the same order gets each one back where it was), or new memory."""
        free = self._free.get(nbytes)
        while free:
            data = free.pop(0)
            if sys.getrefcount(data) == 2:  # only this name and the call hold it
                return data
        data = uncleared(nbytes)
        self._images.pop(id(data), None)  # a dead memory's records would describe this one
        return data

    def holds(self, data: np.ndarray, start: int, end: int, image: object) -> bool:
        """Whether data[start:end] holds `image`, as written last by `wrote(data, start, end, image)`."""
        held = self._images.get(id(data))
        return held is not None and held[0].get(start, (None, None)) == (end, image)

    def wrote(self, data: np.ndarray, start: int, end: int, image: object = None) -> None:
        """data[start:end] was just written: with host image `image` (any object, compared with ==), or with
        anything else (None). Ranges it overlaps no longer hold their images."""
        held = self._images.get(id(data))
        if held is None:
            if image is None or end <= start:
                return  # most writes: nothing held in this memory, nothing to hold
            held = self._images[id(data)] = ({}, [])
        elif end <= start:
            return
        ranges, starts = held
        i = bisect_right(starts, start) - 1
        if i < 0 or ranges[starts[i]][0] <= start:
            i += 1
        while i < len(starts) and starts[i] < end:
            del ranges[starts.pop(i)]
        if image is not None:
            ranges[start] = (end, image)
            starts.insert(bisect_right(starts, start), start)

    def give(self, memories: list[np.ndarray]) -> None:
        """Memories of a finished run (its device gone by the next take)."""
        for data in memories:
            self._free.setdefault(data.size, []).append(data)

    def held(self) -> list[np.ndarray]:
        """The memories waiting for a next run."""
        return [data for free in self._free.values() for data in free]
