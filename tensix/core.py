"""One Tensix core's state during a run: its SRAM, circular buffers and semaphores."""

from __future__ import annotations

import numpy as np

from tensix.cb import CircularBuffer
from tensix.config import MeshConfig
from tensix.errors import KernelError, ProgramError
from tensix.formats import tile_nbytes
from tensix.memory import MemoryPool
from tensix.sram import Sram

SEMAPHORE_NBYTES = 16  # one semaphore word, padded to the NoC alignment


class Core:
    """Logical core `core` at NoC `noc_xy`: Sram, CBs by id, semaphores by id (each a uint32 in L1)."""

    def __init__(self, cfg: MeshConfig, core: tuple[int, int], pool: MemoryPool | None = None):
        self.core = core
        self.noc_xy = cfg.noc_xy(core)
        self.cfg = cfg
        self.sram = Sram(core, cfg.l1_bytes, cfg.l1_alignment, pool)
        self._words = self.sram.data[:cfg.l1_bytes // 4 * 4].view(np.uint32)  # semaphore words, one view
        self.cbs: dict[int, CircularBuffer] = {}
        self.semaphores: dict[int, int] = {}
        self.sem_waiters: list[tuple] = []
        self.l1_buffers: dict[str, int] = {}
        self.sem_base = 0
        self.sem_count = 0

    def add_cb(self, cb_id: int, name: str, fmt: str, num_pages: int, page_nbytes: int | None = None) -> CircularBuffer:
        if not 0 <= cb_id < self.cfg.max_cbs:
            raise ProgramError(f"core {self.core}: CB id {cb_id} outside 0..{self.cfg.max_cbs - 1}")
        if cb_id in self.cbs:
            raise ProgramError(f"core {self.core}: CB {cb_id} is declared twice")
        if num_pages < 1:
            raise ProgramError(f"core {self.core}: CB {cb_id} '{name}' needs at least one page, got {num_pages}")
        if page_nbytes is not None and page_nbytes < 1:
            raise ProgramError(f"core {self.core}: CB {cb_id} '{name}' has pages of {page_nbytes} B; a page needs at "
                               f"least 1 B (or leave page_nbytes out for one {fmt} tile)")
        page = page_nbytes or tile_nbytes(fmt)
        addr = self.sram.allocate(name, page * num_pages, "cb")
        cb = CircularBuffer(core=self.core, cb_id=cb_id, name=name, fmt=fmt, page_nbytes=page, num_pages=num_pages,
                            address=addr, memory=self.sram.data)
        self.cbs[cb_id] = cb
        return cb

    def reserve_semaphores(self, count: int) -> None:
        """The program's semaphore region: semaphore k at the same L1 address on every core (as tt-metal)."""
        self.sem_base = self.sram.allocate("semaphores", count * SEMAPHORE_NBYTES, "semaphore")
        self.sem_count = count

    def add_semaphore(self, sem_id: int, initial: int) -> None:
        if sem_id in self.semaphores:
            raise ProgramError(f"core {self.core}: semaphore {sem_id} is declared twice")
        addr = self.sem_base + sem_id * SEMAPHORE_NBYTES
        self.semaphores[sem_id] = addr
        self._words[self._index(addr)] = initial

    def add_l1_buffer(self, name: str, nbytes: int) -> int:
        if name in self.l1_buffers:
            raise ProgramError(f"core {self.core}: L1 buffer '{name}' is declared twice")
        if nbytes < 1:
            raise ProgramError(f"core {self.core}: L1 buffer '{name}' of {nbytes} B; it needs at least 1 B")
        addr = self.l1_buffers[name] = self.sram.allocate(name, nbytes, "l1")
        return addr

    def semaphore_addr(self, sem_id: int, kernel) -> int:
        """L1 address of semaphore sem_id: program-wide, so valid on any core of a program that declares it."""
        addr = self.semaphores.get(sem_id)
        if addr is None and 0 <= sem_id < self.sem_count:
            addr = self.sem_base + sem_id * SEMAPHORE_NBYTES
        if addr is None:
            raise KernelError(f"{kernel.role} kernel on core {self.core}: no semaphore {sem_id} on this core "
                              f"(declared: {sorted(self.semaphores) or 'none'})")
        return addr

    def _index(self, addr: int) -> int:
        """Index of the 32-bit L1 word at addr (semaphores are word aligned: SEMAPHORE_NBYTES)."""
        if addr % 4 or not 0 <= addr <= 4 * len(self._words) - 4:  # (L1's capacity, words whole: no attribute)
            self.sram.check(addr, 4, "semaphore access")
            raise KernelError(f"core {self.core}: semaphore address 0x{addr:x} is not 4-byte aligned; "
                              f"use the address get_semaphore(id) returns")
        if addr + 4 > self.sram.zeroed:  # a word past what L1 has cleared so far (Sram zeroes on demand)
            self.sram.check(addr, 4, "semaphore access")
        return addr >> 2

    def sem_get(self, addr: int) -> int:
        return int(self._words[self._index(addr)])

    def sem_set(self, addr: int, value: int) -> None:
        self._words[self._index(addr)] = value & 0xFFFFFFFF
        if self.sem_waiters:
            self.notify()

    def sem_apply(self, addr: int, update) -> None:
        """Set the semaphore at addr to update(its value): what an arriving semaphore packet does."""
        i = self._index(addr)
        self._words[i] = update(int(self._words[i])) & 0xFFFFFFFF
        if self.sem_waiters:
            self.notify()

    def notify(self) -> None:
        """Wake kernels whose semaphore condition now holds."""
        if not self.sem_waiters:
            return
        keep = []
        for k, addr, ok in self.sem_waiters:
            if ok(self.sem_get(addr)):
                k.wake()
            else:
                keep.append((k, addr, ok))
        self.sem_waiters = keep
