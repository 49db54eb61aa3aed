"""Device buffers as tt-metal lays them out: interleaved page by page over the DRAM banks (or the L1 of every
worker core), or sharded over a grid of cores; each has a real base address, the same in every bank.

Page p of an interleaved buffer is in bank p % banks at base + (p // banks) * aligned page size (tt-metal's
InterleavedAddrGen rule); a sharded buffer's pages sit shard by shard, each shard on one core.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tensix.errors import DramError, ProgramError
from tensix.metal.coords import CoreRangeSet, cores_of
from tensix.metal.enums import BufferType, ShardOrientation, TensorMemoryLayout

# tt-metal Wormhole/Blackhole allocator alignments (hal: DRAM 32 B on Wormhole, L1 16 B)
DRAM_ALIGNMENT = 32
L1_ALIGNMENT = 16


@dataclass(frozen=True, slots=True)
class ShardSpecBuffer:
    """Where the shards go: `grid` cores, `shard_shape` (h, w) in elements, pages of `page_shape` (h, w), the
    tensor being `tensor2d_shape_in_pages` (rows, columns) pages."""

    grid: object
    shard_shape: tuple[int, int]
    orientation: ShardOrientation
    page_shape: tuple[int, int]
    tensor2d_shape_in_pages: tuple[int, int]

    def shape_in_pages(self) -> tuple[int, int]:
        return self.shard_shape[0] // self.page_shape[0], self.shard_shape[1] // self.page_shape[1]


@dataclass(frozen=True, slots=True, kw_only=True)
class InterleavedBufferConfig:
    device: object
    size: int
    page_size: int
    buffer_type: BufferType = BufferType.DRAM


@dataclass(frozen=True, slots=True, kw_only=True)
class ShardedBufferConfig:
    device: object
    size: int
    page_size: int
    buffer_type: BufferType = BufferType.L1
    buffer_layout: TensorMemoryLayout = TensorMemoryLayout.HEIGHT_SHARDED
    shard_parameters: ShardSpecBuffer


def _align(n: int, a: int) -> int:
    return -(-n // a) * a


class Buffer:
    """A buffer on a MetalDevice (tt::tt_metal::Buffer): address, size, page size and where each page lives."""

    def __init__(self, device, size: int, page_size: int, buffer_type: BufferType,
                 layout: TensorMemoryLayout = TensorMemoryLayout.INTERLEAVED, shard: ShardSpecBuffer | None = None):
        if size <= 0 or page_size <= 0 or size % page_size:
            raise ProgramError(f"buffer of {size} B with pages of {page_size} B: sizes must be positive and the "
                               f"size a whole number of pages")
        if shard is not None and buffer_type is BufferType.DRAM:
            raise ProgramError("DRAM-sharded buffers are not supported yet; shard in L1 or interleave in DRAM")
        if layout is not TensorMemoryLayout.INTERLEAVED and shard is None:
            raise ProgramError(f"a {layout.name} buffer needs shard_parameters (a ShardSpecBuffer)")
        self.device, self._size, self._page_size = device, size, page_size
        self._type, self._layout, self.shard = buffer_type, layout, shard
        self.npages = size // page_size
        align = DRAM_ALIGNMENT if buffer_type is BufferType.DRAM else L1_ALIGNMENT
        self._aligned = _align(page_size, align)
        if shard is None:
            self.banks = device.dram_bank_count() if buffer_type is BufferType.DRAM else len(device.l1_banks())
            per_bank = -(-self.npages // self.banks) * self._aligned
        else:
            self._shard_cores = self._order_cores(shard)
            sh, sw = shard.shape_in_pages()
            per_bank = sh * sw * self._aligned
        self._per_bank = per_bank
        self._addr = device.allocate(buffer_type, per_bank, self)

    # --- tt-metal's accessors ----------------------------------------------------------------------------
    def address(self) -> int:
        return self._addr

    def size(self) -> int:
        return self._size

    def page_size(self) -> int:
        return self._page_size

    def aligned_page_size(self) -> int:
        return self._aligned

    def num_pages(self) -> int:
        return self.npages

    def aligned_size_per_bank(self) -> int:
        """Bytes the buffer takes in each bank (each core's shard, when sharded)."""
        return self._per_bank

    def buffer_type(self) -> BufferType:
        return self._type

    def buffer_layout(self) -> TensorMemoryLayout:
        return self._layout

    def is_dram(self) -> bool:
        return self._type is BufferType.DRAM

    def is_l1(self) -> bool:
        return self._type is BufferType.L1

    def is_sharded(self) -> bool:
        return self.shard is not None

    def noc_coordinates(self):
        """NoC position of the bank holding page 0 (tt-metal's older single-bank accessor)."""
        from tensix.metal.coords import CoreCoord
        where, _ = self.page_location(0)
        xy = self.device.cfg.dram_banks[where] if self.is_dram() else self.device.cfg.noc_xy(where)
        return CoreCoord(*xy)

    def cores(self) -> list[tuple[int, int]]:
        """The logical cores holding pages of this L1 buffer."""
        if self.shard is not None:
            return list(self._shard_cores)
        return self.device.l1_banks()[:min(self.npages, self.banks)]

    def get_backing_buffer(self) -> Buffer:
        return self

    # --- layout --------------------------------------------------------------------------------------------
    @staticmethod
    def _order_cores(shard: ShardSpecBuffer) -> list[tuple[int, int]]:
        grid = shard.grid if isinstance(shard.grid, CoreRangeSet) else CoreRangeSet(shard.grid)
        cores = cores_of(grid)
        if shard.orientation is ShardOrientation.COL_MAJOR:
            cores.sort(key=lambda c: (c[0], c[1]))
        return cores

    def page_location(self, page: int) -> tuple[object, int]:
        """(bank, address) of page `page`: bank a DRAM bank index (int) or a logical core (x, y)."""
        if not 0 <= page < self.npages:
            raise DramError(f"buffer at 0x{self._addr:x} has {self.npages} pages; page {page} does not exist")
        if self.shard is None:
            bank = page % self.banks
            where = bank if self.is_dram() else self.device.l1_banks()[bank]
            return where, self._addr + (page // self.banks) * self._aligned
        sh, sw = self.shard.shape_in_pages()
        rows, cols = self.shard.tensor2d_shape_in_pages
        r, c = divmod(page, cols)
        nc = -(-cols // sw)
        shard_r, shard_c = r // sh, c // sw
        if self._layout is TensorMemoryLayout.BLOCK_SHARDED:
            x0, y0 = min(x for x, _ in self._shard_cores), min(y for _, y in self._shard_cores)
            if self.shard.orientation is ShardOrientation.ROW_MAJOR:
                core = (x0 + shard_c, y0 + shard_r)
            else:
                core = (x0 + shard_r, y0 + shard_c)
        else:
            index = shard_r * nc + shard_c
            if index >= len(self._shard_cores):
                raise ProgramError(f"sharded buffer at 0x{self._addr:x}: shard {index} has no core; the grid holds "
                                   f"{len(self._shard_cores)}")
            core = self._shard_cores[index]
        local = (r % sh) * sw + c % sw
        return core, self._addr + local * self._aligned

    # --- host I/O (untimed, as tt-metal's enqueues are for the emulator) ----------------------------------
    def write_bytes(self, data: np.ndarray) -> None:
        """Host write of the whole buffer: `data` its bytes (uint8, size bytes), page by page."""
        if data.size > self._size:
            raise ProgramError(f"writing {data.size} B into a buffer of {self._size} B at 0x{self._addr:x}; the "
                               f"data must fit the buffer")
        if data.size < self._size:  # tt-metal's pointer form writes what the host memory holds: keep the rest
            data = np.concatenate([data, self.read_bytes()[data.size:]])
        pages = data.reshape(self.npages, self._page_size)
        if self.shard is None:
            for b in range(min(self.banks, self.npages)):
                mine = pages[b::self.banks]
                mem, base = self._bank_memory(b), self._addr
                for i, row in enumerate(mine):
                    mem[base + i * self._aligned:base + i * self._aligned + self._page_size] = row
            return
        for p in range(self.npages):
            where, addr = self.page_location(p)
            self.device.memory_of(self._type, where)[addr:addr + self._page_size] = pages[p]

    def read_bytes(self) -> np.ndarray:
        """Host read of the whole buffer as uint8."""
        out = np.empty((self.npages, self._page_size), dtype=np.uint8)
        for p in range(self.npages):
            where, addr = self.page_location(p)
            out[p] = self.device.memory_of(self._type, where)[addr:addr + self._page_size]
        return out.reshape(-1)

    def _bank_memory(self, bank: int) -> np.ndarray:
        where = bank if self.is_dram() else self.device.l1_banks()[bank]
        return self.device.memory_of(self._type, where)


def CreateBuffer(config: InterleavedBufferConfig | ShardedBufferConfig) -> Buffer:
    """tt_metal::CreateBuffer: allocate an interleaved or sharded buffer on config.device."""
    if isinstance(config, ShardedBufferConfig):
        return Buffer(config.device, config.size, config.page_size, config.buffer_type, config.buffer_layout,
                      config.shard_parameters)
    return Buffer(config.device, config.size, config.page_size, config.buffer_type)


def as_bytes(data) -> np.ndarray:
    """Host data as bytes: a numpy array as it is stored, a list of ints as uint32 (std::vector<uint32_t>)."""
    a = np.asarray(data, dtype=np.uint32) if isinstance(data, (list, tuple)) else np.ascontiguousarray(data)
    return a.view(np.uint8).reshape(-1)
