"""The host side of a TT-Metalium device on the emulator: its memories (kept across programs, as a real
device's are), the allocator, the command queue and the Enqueue* / Finish calls.

CreateDevice(0) opens the default preset; TENSIX_DEVICE or the `device` argument picks another.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tensix.errors import DramError, ProgramError, SramError
from tensix.memory import MemoryPool
from tensix.metal import soc
from tensix.metal.buffers import DRAM_ALIGNMENT, L1_ALIGNMENT, Buffer, as_bytes
from tensix.metal.coords import CoreCoord, CoreRange
from tensix.metal.enums import BufferType
from tensix.metal.record import DeviceRecord
from tensix.presets import resolve
from tensix.stats import Stats
from tensix.timing import TimingModel
from tensix.trace import Trace

_L1_POOL = MemoryPool()  # L1 memories of closed devices, for the next device (fresh memory costs page faults)


class MetalDevice:
    """An open device (tt-metal's IDevice): preset, DRAM bank and L1 images, buffers by address."""

    def __init__(self, device_id: int = 0, device=None, *, timing: TimingModel | None = None,
                 run_dir: str | os.PathLike | None = None):
        self.device_id = device_id
        self.cfg = resolve(device or os.environ.get("TENSIX_DEVICE") or None)
        self.timing = timing or TimingModel()
        self.run_dir = Path(run_dir) if run_dir else (Path(os.environ["TENSIX_RUN_DIR"])
                                                      if os.environ.get("TENSIX_RUN_DIR") else None)
        self.dram_mem = [np.zeros(0, dtype=np.uint8) for _ in self.cfg.dram_banks]
        self.dram_top = 0
        self.l1_mem: dict[tuple[int, int], np.ndarray] = {}
        self.l1_zeroed: dict[tuple[int, int], int] = {}  # each L1 is clear below this (cleared on demand)
        self.l1_low = self.cfg.l1_bytes  # L1 buffers grow down from the top, CBs up from the bottom
        self.l1_cores: set[tuple[int, int]] = set()  # cores holding a page of an L1 buffer
        self.l1_bank_xy = [self.cfg.noc_xy(c) for c in self.l1_banks()]  # NoC (x, y) of each L1 bank
        self.buffers: list[Buffer] = []
        self.dprint: dict[tuple[int, int], list[tuple[int, str, str]]] = {}  # core -> (cycle, role, text)
        self.dprint_echo: list[tuple] = []  # (cycle, processor rank, seq, line) echoed under TT_METAL_DPRINT_CORES
        self.last_run: MetalRun | None = None
        self.record = DeviceRecord(self.run_dir) if self.run_dir else None  # for `tensix rerun` (metal/record.py)
        self._cq = CommandQueue(self)
        self.closed = False
        soc.register(self)

    # --- tt-metal's device queries --------------------------------------------------------------------------
    def id(self) -> int:
        return self.device_id

    def command_queue(self, cq_id: int = 0) -> CommandQueue:
        return self._cq

    def compute_with_storage_grid_size(self) -> CoreCoord:
        return CoreCoord(*self.cfg.compute_grid)

    def grid_size(self) -> CoreCoord:
        return CoreCoord(self.cfg.width, self.cfg.height)

    def worker_core_from_logical_core(self, core) -> CoreCoord:
        """The NoC (physical) coordinates of a logical worker core: what kernels address it with."""
        x, y = core
        return CoreCoord(*self.cfg.noc_xy((x, y)))

    def logical_core_from_worker_core(self, core) -> CoreCoord:
        x, y = core
        return CoreCoord(self.cfg.compute_xs.index(x), self.cfg.compute_ys.index(y))

    def dram_bank_count(self) -> int:
        return len(self.cfg.dram_banks)

    def num_dram_channels(self) -> int:
        return len(self.cfg.dram_banks)

    def l1_size_per_core(self) -> int:
        return self.cfg.l1_bytes

    def l1_banks(self) -> list[tuple[int, int]]:
        """The L1 banks of interleaved L1 buffers: every worker core, row by row."""
        return self.cfg.logical_cores()

    def allocator(self) -> Allocator:
        return Allocator()

    def arch(self) -> soc.ARCH:
        return soc.arch_of(self.cfg.name)

    def logical_grid_size(self) -> CoreCoord:
        return CoreCoord(*self.cfg.compute_grid)

    def dram_grid_size(self) -> CoreCoord:
        """DRAM views x ports (one port per view here)."""
        return CoreCoord(len(self.cfg.dram_banks), 1)

    def get_optimal_dram_bank_to_logical_worker_assignment(self, noc=0) -> list[CoreCoord]:
        return soc.optimal_dram_bank_workers(self.cfg, int(noc))

    def flush_dprint(self) -> None:
        """Print the DPRINT lines echoed since the last flush (at Finish, a blocking read or close, as the host
        sees device prints only after the program ran)."""
        for *_, line in sorted(self.dprint_echo):
            print(line)
        self.dprint_echo.clear()

    def close(self) -> bool:
        self.flush_dprint()
        if not self.closed and self.record is not None:
            self.record.save(self)  # with the host's reads after the last program
        if not self.closed:
            _L1_POOL.give(list(self.l1_mem.values()))
            self.l1_mem, self.l1_zeroed = {}, {}
        self.closed = True
        return True

    # --- memory -----------------------------------------------------------------------------------------------
    def allocate(self, buffer_type: BufferType, per_bank: int, buf: Buffer) -> int:
        """Base address of `per_bank` bytes in every bank: DRAM bottom up, L1 top down (as tt-metal's allocator)."""
        if buffer_type is BufferType.DRAM:
            addr = -(-self.dram_top // DRAM_ALIGNMENT) * DRAM_ALIGNMENT
            if addr + per_bank > self.cfg.dram_bank_bytes:
                raise DramError(f"DRAM buffer of {per_bank} B per bank does not fit: banks hold "
                                f"{self.cfg.dram_bank_bytes} B")
            self.dram_top = addr + per_bank
            for i, mem in enumerate(self.dram_mem):
                if mem.size < self.dram_top:
                    grown = np.zeros(max(self.dram_top, 2 * mem.size), dtype=np.uint8)
                    grown[:mem.size] = mem
                    self.dram_mem[i] = grown
        else:
            addr = (self.l1_low - per_bank) // L1_ALIGNMENT * L1_ALIGNMENT
            if addr < 0:
                raise SramError(f"L1 buffer of {per_bank} B per core does not fit in "
                                f"{self.cfg.l1_bytes} B of L1 ({self.cfg.l1_bytes - self.l1_low} B already used by "
                                f"L1 buffers)")
            self.l1_low = addr
        if buf is not None:  # None: a lock-step allocation whose buffer the caller registers (register_buffer)
            self.register_buffer(buf)
        return addr

    def register_buffer(self, buf: Buffer) -> None:
        if buf.is_l1():
            self.l1_cores |= set(buf.cores())
        self.buffers.append(buf)

    def memory_of(self, buffer_type: BufferType, where) -> np.ndarray:
        """The bytes of DRAM bank `where` (an index) or of the L1 of logical core `where`."""
        if buffer_type is BufferType.DRAM:
            return self.dram_mem[where]
        core = tuple(where)
        mem = self.l1(core)
        mem[self.l1_zeroed[core]:] = 0  # the host may touch any of it
        self.l1_zeroed[core] = mem.size
        return mem

    def l1(self, core: tuple[int, int]) -> np.ndarray:
        """The L1 of logical core `core`, cleared only below l1_zeroed[core] (as tensix's Sram: on demand)."""
        mem = self.l1_mem.get(core)
        if mem is None:
            self.cfg.noc_xy(core)  # raises for a core off the grid
            mem = self.l1_mem[core] = _L1_POOL.take(self.cfg.l1_bytes)
            self.l1_zeroed[core] = 0
        return mem

    def buffer_at(self, address: int, is_dram: bool) -> Buffer | None:
        """The buffer whose base address is `address` (how an address generator learns a page size)."""
        for b in self.buffers:
            if b.address() == address and b.is_dram() == is_dram:
                return b
        return None


class Allocator:
    """device->allocator(): the alignments buffers are laid out with."""

    def get_alignment(self, buffer_type: BufferType) -> int:
        return DRAM_ALIGNMENT if buffer_type is BufferType.DRAM else L1_ALIGNMENT


def align(value: int, alignment: int) -> int:
    """tt::align: value rounded up to a multiple of alignment."""
    return -(-value // alignment) * alignment


@dataclass
class MetalRun:
    """The last program run on a device: cycles, stats and trace in tensix's own schema."""

    cycles: int
    stats: Stats
    trace: Trace


class CommandQueue:
    """A device's command queue. Every command runs at once (the emulator has no host/device overlap), so
    Finish only checks the device is open."""

    def __init__(self, device: MetalDevice):
        self.device = device

    def finish(self) -> None:
        Finish(self)


def CreateDevice(device_id: int = 0, device=None, **kwargs) -> MetalDevice:
    """Open device `device_id` as the preset `device` (default: TENSIX_DEVICE, else tensix's default)."""
    return MetalDevice(device_id, device, **kwargs)


def CloseDevice(device: MetalDevice) -> bool:
    return device.close()


def queue_device(cq) -> MetalDevice:
    """The open device of a command queue (a typed error for anything else)."""
    dev = cq.device if isinstance(cq, CommandQueue) else getattr(cq, "device", None)
    if dev is None:
        raise ProgramError(f"{cq!r} is not a command queue; use device.command_queue()")
    if dev.closed:
        raise ProgramError("the device of this command queue is closed")
    return dev


def EnqueueWriteBuffer(cq, buffer: Buffer, data, blocking: bool = False) -> None:
    """Write host data (a numpy array, as stored, or a list of uint32) into the whole buffer."""
    data = as_bytes(data)
    host_wrote(queue_device(cq), buffer, data)
    buffer.get_backing_buffer().write_bytes(data)


def EnqueueReadBuffer(cq, buffer: Buffer, out, blocking: bool = True) -> None:
    """Read the whole buffer into `out`, a preallocated numpy array (filled in place; an empty one, `std::vector<T>
    v;`, is resized to the buffer as tt-metal resizes the vector) or a list (replaced by the buffer's uint32 words)."""
    dev = queue_device(cq)
    data = buffer.get_backing_buffer().read_bytes()
    host_read(dev, buffer, data)
    fill_host(out, data, "EnqueueReadBuffer")


def host_wrote(dev: MetalDevice, buffer, data: np.ndarray) -> None:
    """A host write as the run directory's record keeps it (inputs as fed)."""
    if dev.record is not None:
        dev.record.log.fed(_io_name(buffer), data)


def host_read(dev: MetalDevice, buffer, data: np.ndarray) -> None:
    """A blocking host read: the device's DPRINT lines (a mesh's: every chip's) appear first, as the host sees
    them once the program ran, and the record keeps the bytes read."""
    dev.flush_dprint()
    if dev.record is not None:
        dev.record.log.read(_io_name(buffer), data)


def fill_host(out, data: np.ndarray, call: str) -> None:
    """Put bytes read from a device into the host target: a list (replaced by uint32 words) or a numpy array,
    filled in place (an empty array that owns its memory, as a `std::vector<T> v;` target, is resized first)."""
    if isinstance(out, list):
        out[:] = data.view(np.uint32).tolist()
        return
    if (isinstance(out, np.ndarray) and out.size == 0 and out.base is None and out.flags.owndata
            and data.size % out.itemsize == 0):
        out.resize(data.size // out.itemsize, refcheck=False)
    if not isinstance(out, np.ndarray) or out.nbytes != data.size or not out.flags.c_contiguous:
        raise ProgramError(f"{call}: the target must be a contiguous numpy array of {data.size} B "
                           f"(got {type(out).__name__} of {getattr(out, 'nbytes', '?')} B)")
    out.reshape(-1).view(np.uint8)[:] = data


def _io_name(buffer: Buffer) -> str:
    """A host write or read in the record: the buffer's memory and address."""
    return f"{'dram' if buffer.is_dram() else 'l1'}@0x{buffer.address():x}"


def Finish(cq) -> None:
    queue_device(cq).flush_dprint()


def worker_core_from_logical_core(device: MetalDevice, core) -> CoreCoord:
    return device.worker_core_from_logical_core(core)


__all__ = ["CommandQueue", "CoreRange", "CreateDevice", "CloseDevice", "EnqueueReadBuffer",
           "EnqueueWriteBuffer", "Finish", "MetalDevice", "MetalRun", "worker_core_from_logical_core"]
