"""A core's local SRAM (L1): the bytes themselves, zeroed on demand, and a bump allocator with alignment and
capacity."""

from __future__ import annotations

from tensix import memory
from tensix.errors import SramError
from tensix.memory import MemoryPool
from tensix.stats import Buffer  # one named region of a core's SRAM, as the stats list it


class Sram:
    """The L1 of core `core` (logical x, y): `capacity` bytes, allocations aligned to `alignment`."""

    def __init__(self, core: tuple[int, int], capacity: int, alignment: int, pool: MemoryPool | None = None):
        self.core = core
        self.capacity = capacity
        self.alignment = alignment
        # L1 reads as zero, but only the part a run reaches is cleared: allocations as they are made, and any
        # other access through check() (every path to L1 outside the allocations goes through it), so a
        # program using 200 KB does not memset 1.5 MB on each of its cores
        self.data = pool.take(capacity) if pool is not None else memory.uncleared(capacity)
        self.zeroed = 0  # [0, zeroed) is cleared
        self.allocations: list[Buffer] = []
        self.top = 0
        self.high_water = 0

    def allocate(self, name: str, nbytes: int, kind: str = "l1") -> int:
        """Reserve nbytes for buffer `name`; returns its L1 address. Raises SramError when it does not fit."""
        if nbytes <= 0:
            raise SramError(f"core {self.core}: buffer '{name}' asks for {nbytes} B; sizes must be positive")
        addr = -(-self.top // self.alignment) * self.alignment
        top = addr + nbytes
        if top > self.capacity:
            raise SramError(self._oom_message(name, nbytes))
        self.allocations.append(Buffer(name, kind, addr, nbytes))
        self.top = top
        if top > self.zeroed:
            self._clear(top)
        if top > self.high_water:
            self.high_water = top
        return addr

    def _oom_message(self, name: str, nbytes: int) -> str:
        used = "; ".join(f"{a.kind} '{a.name}' {a.nbytes} B at 0x{a.address:x}" for a in self.allocations) or "nothing"
        return (
            f"core {self.core}: out of SRAM allocating '{name}' ({nbytes} B): capacity {self.capacity} B, "
            f"{self.top} B already allocated ({used}); use fewer or smaller buffers on this core or spread the work "
            f"over more cores"
        )

    def check(self, addr: int, nbytes: int, what: str) -> None:
        """Raise SramError unless [addr, addr + nbytes) lies inside this SRAM."""
        if addr < 0 or nbytes < 0 or addr + nbytes > self.capacity:
            raise SramError(
                f"core {self.core}: {what} touches L1 [0x{addr:x}, 0x{addr + nbytes:x}) outside its "
                f"{self.capacity} B SRAM"
            )
        if addr + nbytes > self.zeroed:
            self._clear(addr + nbytes)

    def _clear(self, end: int) -> None:
        """Zero [zeroed, end), rounded up to 64 KiB so scattered accesses do not clear a few bytes at a time."""
        if end > self.zeroed:
            end = min(self.capacity, -(-end // 65536) * 65536)
            self.data[self.zeroed:end] = 0
            self.zeroed = end
