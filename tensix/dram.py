"""DRAM banks at the edge of the mesh: interleaved buffers (page p in bank p % banks), DRAM-sharded buffers (each
bank a contiguous band of tile columns) and bank bandwidth.

A page is one tile. Each bank serves requests one after another at `dram_bank_bytes_per_cycle`, or at
`dram_stream_bytes_per_cycle` for accesses of at least `dram_read/write_stream_bytes` (a write smaller than
`dram_write_burst_bytes` holds it `dram_partial_write_cycles`); reads and writes to one bank contend. A bank starts
a write as its data starts arriving, and its controller accepts (acknowledges) a write once no more than
`dram_write_buffer_bytes` wait ahead of its last byte (the device adds `dram_latency_cycles` to reads and
`dram_write_latency_cycles` to writes).
"""

from __future__ import annotations

from bisect import bisect_right, insort
from dataclasses import dataclass, field

import numpy as np

from tensix import memory
from tensix.config import MeshConfig
from tensix.dram_reuse import Extents, claim
from tensix.errors import DramError
from tensix.formats import ALL_FACES, live_faces_pages, tile_nbytes
from tensix.memory import MemoryPool


@dataclass(frozen=True, slots=True)
class DramBuffer:
    """A tensor in DRAM, page by page across the banks.

    layout "tiles": `tiles` (rows, cols) 32x32 tiles of `fmt`, one per page, in row-major tile order.
    layout "rows": one row of the (rows, cols) matrix per page, elements in order (fp32 or bf16 only) —
    the layout sparse decode matmuls read weight rows from.
    layout "sharded": tiles as "tiles" (the same page numbers), but bank b holds the band of `bank_cols[b]` tile
    columns after the bands of the banks before it, all its tile rows, row by row (ttnn's DRAM-sharded weights:
    a core streaming one band reads one bank). Interleaved layouts spread every band over all banks.
    """

    name: str
    shape: tuple[int, ...]
    fmt: str
    tiles: tuple[int, int]
    page_nbytes: int
    base: int  # bank offset of page 0 (the same in every bank)
    layout: str = "tiles"
    bank_cols: tuple[int, ...] = ()  # layout "sharded": tile columns per bank, in bank order
    # an L1-resident tensor: page p's NoC address (core x, core y, L1 address) in the shard holding it; no DRAM
    homes: tuple[tuple[int, int, int], ...] | None = field(default=None, compare=False)
    npages: int = field(init=False, compare=False)  # looked up on every page address: computed once
    # layout "sharded": per page its (bank, slot); per bank its pages in slot order (None when interleaved)
    where: tuple[tuple[int, int], ...] | None = field(init=False, compare=False, repr=False)
    held: list[np.ndarray] | None = field(init=False, compare=False, repr=False)
    plain: tuple | None = field(init=False, compare=False, repr=False)  # interleaved: (npages, base, page_nbytes)

    def __post_init__(self) -> None:
        npages = self.tiles[0] * self.tiles[1] if self.layout != "rows" else _rows_cols(self.shape)[0]
        object.__setattr__(self, "npages", npages)
        where, held = shard_map(self.tiles, self.bank_cols) if self.layout == "sharded" else (None, None)
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "held", held)
        plain = (npages, self.base, self.page_nbytes) if self.homes is None and where is None else None
        object.__setattr__(self, "plain", plain)

    def slots_per_bank(self, banks: int) -> int:
        """Pages the fullest bank holds."""
        if self.held is not None:
            return max(len(h) for h in self.held)
        return -(-self.npages // banks)

    def bank_pages(self, bank: int, banks: int) -> np.ndarray:
        """The pages bank `bank` (of `banks`) holds, in slot order."""
        return self.held[bank] if self.held is not None else np.arange(bank, self.npages, banks)

    @property
    def elem_nbytes(self) -> int:
        return ROW_FORMATS[self.fmt]


_SHARD_MAPS: dict[tuple, tuple[tuple, list]] = {}  # (tiles, bank_cols) -> shard_map's: shared, never changed


def shard_map(tiles: tuple[int, int], bank_cols: tuple[int, ...]) -> tuple[tuple, list]:
    """A DRAM-sharded buffer of `tiles` (rows, cols): per page (row-major tile order) its (bank, slot), and per bank
    its pages in slot order. Bank b holds columns [c0, c0 + bank_cols[b]) (c0: the widths before it), row by row.
    Made once per shape: a decode step lays the same few weight shapes out again on every run (SmolLM2: 91 buffers
    of 4 shapes, ~10% of a run's load), and its buffers share the (read-only) result."""
    key = (tiles, bank_cols)
    hit = _SHARD_MAPS.get(key)
    if hit is None:
        if len(_SHARD_MAPS) >= 64:  # (a bound: the shapes of the programs run lately)
            _SHARD_MAPS.clear()
        hit = _SHARD_MAPS[key] = _shard_map(tiles, bank_cols)
    return hit


def _shard_map(tiles: tuple[int, int], bank_cols: tuple[int, ...]) -> tuple[tuple, list]:
    rows, cols = tiles
    where: list[tuple[int, int]] = [(0, 0)] * (rows * cols)
    held, c0 = [], 0
    for b, w in enumerate(bank_cols):
        mine = [r * cols + c0 + j for r in range(rows) for j in range(w)]
        for slot, page in enumerate(mine):
            where[page] = (b, slot)
        pages = np.array(mine, dtype=np.int64)
        pages.flags.writeable = False  # shared by every buffer of this shape
        held.append(pages)
        c0 += w
    return tuple(where), held


def describe(name: str, shape: tuple[int, ...], fmt: str, layout: str = "tiles", bank_cols: tuple[int, ...] = (),
             base: int = 0) -> DramBuffer:
    """The DramBuffer of a tensor at bank offset `base` (it takes slots_per_bank(banks) * page_nbytes per bank)."""
    rows, cols = tile_rows_cols(shape)
    tiles = (-(-rows // 32), -(-cols // 32))
    if layout == "rows":
        if fmt not in ROW_FORMATS:
            raise DramError(f"DRAM buffer '{name}': a rows layout holds fp32 or bf16, not {fmt}")
        page = -(-cols * ROW_FORMATS[fmt] // 32) * 32
    else:
        page = tile_nbytes(fmt)
    return DramBuffer(name, tuple(shape), fmt, tiles, page, base, layout, tuple(bank_cols))


NEVER = int(np.iinfo(np.int64).max)
FEW_PAGES = 64  # page_addrs: up to this many pages, Python integers are faster than numpy arrays
ROW_FORMATS = {"fp32": 4, "bf16": 2}  # element sizes of formats a "rows" buffer can hold


class Bank:
    """One DRAM bank: its bytes, its NoC position, and when it is next free."""

    def __init__(self, index: int, noc_xy: tuple[int, int], pool: MemoryPool | None = None):
        self.index = index
        self.noc_xy = noc_xy
        self.x, self.y = noc_xy  # (compiled: C integers, for a page's address with no tuple unpacked)
        self.pool = pool
        self.data = np.zeros(0, dtype=np.uint8)  # capacity; the first `size` bytes are allocated
        self.size = 0
        self.free_at = 0.0
        self.bytes_read = 0
        self.bytes_written = 0

    def check(self, addr: int, nbytes: int, what: str) -> None:
        if addr < 0 or addr + nbytes > self.size:
            raise DramError(
                f"DRAM bank {self.index} at NoC {self.noc_xy}: {what} touches [0x{addr:x}, 0x{addr + nbytes:x}) "
                f"outside its {self.size} allocated bytes"
            )

    def grow(self, size: int, clear: bool = True) -> None:
        """Allocate up to `size` bytes, zeroed unless `clear` is False (the host writes them all before any
        kernel runs). Capacity goes up in powers of two, at least 1 MiB: n buffers cost O(total) copying, and
        a Mesh's next run asks its pool for the same sizes."""
        if size > self.data.size:
            self.reserve(size)
        if clear:
            self.data[self.size:size] = 0
            self.wrote(self.size, size)
        self.size = size

    def reserve(self, size: int) -> None:
        """Capacity for at least `size` bytes, the allocated ones kept: the next power of two, at least 1 MiB.
        Reserving a run's whole size up front (Dram.reserve) spares its growth the copies, and the pool then
        hands back the very memory that still holds the last run's weights."""
        if size <= self.data.size:
            return
        capacity = max(1 << 20, 1 << (max(size, 2 * self.data.size) - 1).bit_length())
        data = self.pool.take(capacity) if self.pool is not None else memory.uncleared(capacity)
        data[:self.size] = self.data[:self.size]
        if self.pool is not None:
            self.pool.wrote(data, 0, self.size)
            if self.data.size:
                self.pool.give([self.data])
        self.data = data

    def wrote(self, start: int, end: int, image: object = None) -> None:
        """data[start:end] was just written, with host image `image` or anything else (see MemoryPool.wrote)."""
        if self.pool is not None:
            self.pool.wrote(self.data, start, end, image)


class Dram:
    """All banks of a device and the buffers allocated across them."""

    def __init__(self, cfg: MeshConfig, pool: MemoryPool | None = None, hold_data: bool = True):
        self.cfg = cfg
        self.hold_data = hold_data  # False (timing-only runs): banks have sizes and timing, no bytes
        self.banks = [Bank(i, xy, pool) for i, xy in enumerate(cfg.dram_banks)]
        self.by_xy = {b.noc_xy: b for b in self.banks}
        self.buffers: dict[str, DramBuffer] = {}
        self.live_faces: dict[str, np.ndarray] = {}  # per buffer and page: faces holding nonzeros (zero skipping)
        # per buffer and page: the cycle its latest kernel write lands (0: the host's; NEVER: not written yet);
        # lists, as every page read looks one up (a numpy element costs a scalar object per look-up)
        self.landed: dict[str, list[int]] = {}
        self._bases: list[tuple[int, str]] = []  # (base, buffer) of the buffers holding their space now, by base
        self._written = 0  # the index in _bases mark_written found last (a stretch of writes goes to one buffer)
        self._unowned: dict[str, str] = {}  # buffer -> "" (pending: claim) or the buffer that evicted it
        self.extents = Extents()  # every DRAM buffer's bank range, for finding what a laid-over buffer overlaps
        self._top = 0
        self.bytes_per_cycle = cfg.dram_bank_bytes_per_cycle
        self.latency = cfg.dram_latency_cycles
        wl = cfg.dram_write_latency_cycles
        self.write_latency = self.latency if wl is None else wl
        self.burst, self.partial = cfg.dram_write_burst_bytes, cfg.dram_partial_write_cycles
        self.began = 0  # the cycle the bank started the last access (occupy)
        self.offset = 0  # the bank offset of the last page `interleaved` found
        self.stream_rate = cfg.dram_stream_bytes_per_cycle
        self.read_stream, self.write_stream = cfg.dram_read_stream_bytes, cfg.dram_write_stream_bytes
        self.write_buffer = cfg.dram_write_buffer_bytes

    @property
    def allocated_nbytes(self) -> int:
        """Bytes allocated in each bank so far (the top of the highest buffer)."""
        return self._top

    def reserve(self, nbytes: int) -> None:
        """Make every bank's memory hold `nbytes` before any buffer is allocated (a Mesh passes its last run's
        size): the buffers then fit without growing it buffer by buffer. Nothing changes what a run reads."""
        if self.hold_data:
            for bank in self.banks:
                bank.reserve(nbytes)

    def allocate(self, name: str, shape: tuple[int, ...], fmt: str, layout: str = "tiles",
                 host_written: bool = False, bank_cols: tuple[int, ...] = (), base: int | None = None) -> DramBuffer:
        """A buffer of `shape` in `fmt` and `layout` after the last (or at bank offset `base`: pending while it
        overlaps others, see claim), zeroed unless `host_written` (the host writes all its pages with write_pages
        before any kernel runs); `bank_cols`: a sharded layout's bands."""
        if not self.banks:
            raise DramError(f"DRAM buffer '{name}': device '{self.cfg.name}' has no DRAM tiles; add some with "
                            f"MeshConfig(tiles={{(x, y): TileKind.DRAM}})")
        if layout == "sharded":
            rows, cols = tile_rows_cols(shape)
            self._check_bands(name, (-(-rows // 32), -(-cols // 32)), tuple(bank_cols))
        buf = describe(name, shape, fmt, layout, bank_cols, self._top if base is None else base)
        end = buf.base + buf.slots_per_bank(len(self.banks)) * buf.page_nbytes
        if end > self.cfg.dram_bank_bytes:
            raise DramError(f"DRAM buffer '{name}' {shape} does not fit: banks hold {self.cfg.dram_bank_bytes} B each")
        if end > self._top:
            self._top = end
            for bank in self.banks:
                if self.hold_data:
                    bank.grow(end, not host_written)
                else:
                    bank.size = end
        self.extents.add(name, buf.base, end)
        pending = base is not None and bool(self.extents.overlapping(name, buf.base, end))
        self.buffers[name] = buf
        self.live_faces[name] = np.full(buf.npages, ALL_FACES, dtype=np.uint8)
        self.landed[name] = [NEVER] * buf.npages
        if pending:  # laid over buffers allocated before it: it takes their space when first touched
            self._unowned[name] = ""
        else:
            insort(self._bases, (buf.base, name))
        return buf

    def place_l1(self, name: str, shape: tuple[int, ...], fmt: str,
                 homes: tuple[tuple[int, int, int], ...]) -> DramBuffer:
        """An L1-resident tensor: registered like a DRAM buffer (page addresses, zero-skip faces, landing
        cycles) but its page p lives at NoC address homes[p], a core's L1 shard; it takes no bank space."""
        rows, cols = tile_rows_cols(shape)
        buf = DramBuffer(name, tuple(shape), fmt, (-(-rows // 32), -(-cols // 32)), tile_nbytes(fmt), -1, "tiles",
                         homes=tuple(homes))
        if len(homes) != buf.npages or None in homes:
            held = sum(h is not None for h in homes[:buf.npages])
            raise DramError(f"L1 tensor '{name}' {list(shape)}: its shards hold {held} of its {buf.npages} pages"
                            f"{'' if len(homes) <= buf.npages else f' and {len(homes) - buf.npages} more'}; give "
                            f"every page one core")
        self.buffers[name] = buf
        self.live_faces[name] = np.full(buf.npages, ALL_FACES, dtype=np.uint8)
        self.landed[name] = [NEVER] * buf.npages
        return buf

    def _check_bands(self, name: str, tiles: tuple[int, int], bank_cols: tuple[int, ...]) -> None:
        if len(bank_cols) != len(self.banks) or sum(bank_cols) != tiles[1] or min(bank_cols, default=0) < 0:
            raise DramError(f"DRAM buffer '{name}': a sharded layout gives each of the {len(self.banks)} banks of "
                            f"'{self.cfg.name}' a band of tile columns, together its {tiles[1]}; got bank_cols="
                            f"{list(bank_cols)}")

    def buffer(self, name: str) -> DramBuffer:
        buf = self.buffers.get(name)
        if buf is None:
            raise DramError(f"no DRAM buffer '{name}'; buffers: {', '.join(self.buffers) or 'none'}")
        return buf

    def page_addr(self, buf: DramBuffer, page: int) -> tuple[int, int, int]:
        """NoC address (x, y, bank offset) of page `page` of buf."""
        bank = self.interleaved(buf, page)
        if bank is None:
            if not 0 <= page < buf.npages:
                raise DramError(f"DRAM buffer '{buf.name}' has {buf.npages} pages; page {page} does not exist")
            if buf.homes is not None:
                return buf.homes[page]
            if self._unowned and buf.name in self._unowned:
                claim(self, buf)
            if buf.where is not None:
                b, slot = buf.where[page]
                x, y = self.banks[b].noc_xy
                return x, y, buf.base + slot * buf.page_nbytes
            bank = self.interleaved(buf, page)  # claimed: it holds its space now
        return bank.x, bank.y, self.offset

    def interleaved(self, buf: DramBuffer, page: int) -> Bank | None:
        """The bank of page `page` of buf when buf is an interleaved DRAM buffer holding its space and the page exists
        (most page reads and writes), its offset there left in `offset` (compiled: C integers, no address tuple made
        on the way to a transfer; read it at once, before the caller can yield to another kernel); None otherwise
        (page_addr's other cases)."""
        plain = buf.plain  # (npages, base, page_nbytes): one attribute, not three
        if plain is None or not 0 <= page < plain[0] or (self._unowned and buf.name in self._unowned):
            return None
        nb = len(self.banks)
        first, step = plain[1], plain[2]
        self.offset = first + page // nb * step
        return self.banks[page % nb]

    def page_addrs(self, buf: DramBuffer, pages: np.ndarray) -> list[tuple[int, int, int]]:
        """page_addr of each page of `pages` (an int array), at once. A few pages (a decode band, its live weight
        rows), and a buffer not interleaved, go one by one through page_addr: for a few, numpy's fixed cost per
        operation is more than that."""
        if len(pages) <= FEW_PAGES or buf.where is not None or buf.homes is not None:
            return [self.page_addr(buf, p) for p in pages.tolist()]
        if not (0 <= pages.min() and pages.max() < buf.npages):
            bad = int(pages[(pages < 0) | (pages >= buf.npages)][0])
            raise DramError(f"DRAM buffer '{buf.name}' has {buf.npages} pages; page {bad} does not exist")
        if self._unowned and buf.name in self._unowned:
            claim(self, buf)
        nb = len(self.banks)
        xy = np.array([b.noc_xy for b in self.banks], dtype=np.int64)[pages % nb]
        addrs = buf.base + (pages // nb) * buf.page_nbytes
        return list(zip(xy[:, 0].tolist(), xy[:, 1].tolist(), addrs.tolist(), strict=True))

    def mark_written(self, bank: Bank, addr: int, nbytes: int, end: int) -> None:
        """A kernel's write of [addr, addr + nbytes) in `bank` lands at cycle `end`: the pages it touches."""
        if self.hold_data:  # (a timing-only run's banks hold no bytes to account)
            bank.wrote(addr, addr + nbytes)
        bases, i = self._bases, self._written
        # the buffer holding addr: the last by base at or below it, the one found last while it still is
        if not (i < len(bases) and bases[i][0] <= addr and (i + 1 == len(bases) or bases[i + 1][0] > addr)):
            i = bisect_right(bases, (addr, "\uffff")) - 1
            if i < 0:
                return
            self._written = i
        buf = self.buffers[bases[i][1]]
        nb, landed, b = len(self.banks), self.landed[buf.name], bank.index
        first = (addr - buf.base) // buf.page_nbytes
        last = (addr + nbytes - 1 - buf.base) // buf.page_nbytes
        if buf.held is not None:  # sharded: the bank's pages in slot order
            held = buf.held[b]
            for slot in range(first, min(last + 1, len(held))):
                landed[int(held[slot])] = end
        else:  # interleaved: page p lives in bank p % banks at slot p // banks (no page list: O(1) per page)
            for page in range(first * nb + b, min((last + 1) * nb, buf.npages), nb):
                landed[page] = end

    def read_too_early(self, name: str, page: int, t: int) -> bool:
        """Whether page `page` of buffer `name` is not (yet) written by cycle t: a reader would race its writer."""
        landed = self.landed[name][page]  # (compiled: compared as a C integer, no int made for t)
        return landed > t

    def write_pages(self, buf: DramBuffer, pages: np.ndarray, faces: np.ndarray | None = None,
                    image: object = None) -> None:
        """Host write: pages (npages, page_nbytes) uint8 into the banks, page p to bank p % banks or its band's
        bank (sharded) (`faces`: their live faces when already known). `image` names these pages (HostImages):
        a bank memory still holding them from an earlier run is left as it is."""
        self.landed[buf.name] = [0] * buf.npages
        if buf.layout != "rows":
            self.live_faces[buf.name] = live_faces_pages(pages, buf.fmt) if faces is None else faces.copy()
        nb = len(self.banks)
        end = buf.base + buf.slots_per_bank(nb) * buf.page_nbytes
        for b, bank in enumerate(self.banks):
            held = None if image is None else (image, b)
            if held is not None and bank.pool is not None and bank.pool.holds(bank.data, buf.base, end, held):
                continue
            mine = pages[b::nb] if buf.held is None else pages[buf.held[b]]
            bank.data[buf.base:buf.base + mine.size] = mine.reshape(-1)
            bank.data[buf.base + mine.size:end] = 0  # a bank holding one page fewer: its last slot
            bank.wrote(buf.base, end, held)

    def read_pages(self, buf: DramBuffer) -> np.ndarray:
        """Host read: all pages of buf as (npages, page_nbytes) uint8."""
        if self._unowned.get(buf.name):
            claim(self, buf)  # evicted: says by which buffer
        nb = len(self.banks)
        out = np.empty((buf.npages, buf.page_nbytes), dtype=np.uint8)
        for b, bank in enumerate(self.banks):
            mine = buf.bank_pages(b, nb) if buf.held is not None else slice(b, None, nb)
            k = len(range(b, buf.npages, nb)) if buf.held is None else len(mine)
            out[mine] = bank.data[buf.base:buf.base + k * buf.page_nbytes].reshape(k, buf.page_nbytes)
        return out

    def occupy(self, bank: Bank, t: int, nbytes: int, write: bool) -> int:
        """Bank timing of one access starting no earlier than cycle t: the cycle the bank has moved the last byte (the
        cycle it started is `began`: no tuple per access). The device adds the latency."""
        start = bank.free_at if bank.free_at > t else t
        busy = nbytes / self.rate(nbytes, write)
        if write:
            bank.bytes_written += nbytes
            if nbytes < self.burst and busy < self.partial:
                busy = self.partial
        else:
            bank.bytes_read += nbytes
        bank.free_at = start + busy
        self.began = int(start)
        end = int(bank.free_at)  # its ceiling (free_at >= 0), with no call to math.ceil when compiled
        return end + 1 if end < bank.free_at else end

    def rate(self, nbytes: int, write: bool) -> float:
        """Bytes per cycle a bank moves for one access of nbytes: large accesses stream at the stream rate."""
        if self.stream_rate and nbytes >= (self.write_stream if write else self.read_stream):
            return self.stream_rate
        return self.bytes_per_cycle

    def accepted(self, bank_done: int, nbytes: int) -> int:
        """The cycle a bank's controller accepts the last byte of a write its bank finishes at bank_done: when
        no more than `dram_write_buffer_bytes` of writing remain ahead of it (bank_done without a buffer)."""
        if not self.write_buffer:
            return bank_done
        return bank_done - int(self.write_buffer / self.rate(nbytes, True))


def _rows_cols(shape: tuple[int, ...]) -> tuple[int, int]:
    """A tensor of any rank as (rows, cols): leading dimensions fold into rows."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return 1, shape[0]
    rows = 1
    for d in shape[:-1]:  # plain ints: this runs on every page address
        rows *= d
    return rows, shape[-1]


def tile_rows_cols(shape: tuple[int, ...]) -> tuple[int, int]:
    """The (rows, cols) matrix a "tiles" buffer of `shape` holds: leading dimensions fold into rows, each matrix
    padded to whole tile rows (so every matrix starts on a tile row, page numbers as lang/pages.grid counts)."""
    if len(shape) <= 2:
        return _rows_cols(shape)
    lead = 1
    for d in shape[:-2]:
        lead *= d
    return lead * (-(-shape[-2] // 32) * 32), shape[-1]
