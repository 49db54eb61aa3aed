"""Circular buffers: pages in a core's SRAM passed from a producer kernel to a consumer kernel.

The tt-metal protocol: the producer `cb_reserve_back(n)`, fills pages at `get_write_ptr`, `cb_push_back(n)`;
the consumer `cb_wait_front(n)`, reads at `get_read_ptr`, `cb_pop_front(n)`. Misuse raises CircularBufferError.
A CB one kernel both fills and drains (a compute kernel's intermediates) can be that kernel's own (`claim`): no
other kernel sees its state, so its calls need not sync with the engine (only one that would block does).
"""

from __future__ import annotations

import numpy as np

from tensix import kernels as K
from tensix.errors import CircularBufferError
from tensix.kernels.ops import FORMAT
from tensix.waits import wait_span


class Waiter:
    """What a CB asks of the kernel calling it (tensix.kernel.KernelProcess): compiled, a C base class, so that the
    CB's calls on its kernels are C calls, not methods looked up by name per page moved."""

    def sync(self) -> None:
        raise NotImplementedError

    def block(self, reason, span: str | None = None) -> None:
        raise NotImplementedError

    def wake(self) -> None:
        raise NotImplementedError


class CircularBuffer:
    """CB `cb_id` on core `core`: `num_pages` pages of `page_nbytes` at L1 `address`, holding format `fmt`."""

    def __init__(self, *, core: tuple[int, int], cb_id: int, name: str, fmt: str, page_nbytes: int, num_pages: int,
                 address: int, memory: np.ndarray):
        self.core, self.cb_id, self.name, self.fmt = core, cb_id, name, fmt
        self.page_nbytes, self.num_pages, self.address = page_nbytes, num_pages, address
        self.memory = memory
        self.filled = 0  # pushed and not yet popped
        self.reserved = 0
        self.received = 0  # pages the consumer has waited for and may read
        self.wr_slot = 0
        self.rd_slot = 0
        self.waiters: list[tuple[object, str, int]] = []  # (kernel, "front"|"back", pages)
        self._tiles: dict[int, np.ndarray] = {}  # unpacked front pages, dropped on pop
        self._faces: dict[int, int] = {}  # nonzero-face bits of unpacked front pages (zero skipping)
        # the front window front_tiles unpacks (tiles, one per page waited for) and how many of them it unpacked so
        # far (front_tile looks here first); a pop drops it
        self._window: np.ndarray | None = None
        self._unpacked = 0
        self._pages: np.ndarray | None = None  # the CB's pages as rows (num_pages, page_nbytes), made at first unpack
        self._slot_tiles: list = [None] * num_pages  # per page slot, the array front_tile unpacks it into (reused)
        self._waits: dict[int, tuple[str, str]] = {}  # _wait's key -> its reason and span name, formatted once
        self.owner = None  # the kernel that alone uses this CB (claim), or None: shared by a producer and a consumer
        self._str = f"CB {cb_id} '{name}' on core {core}"  # in every wait's reason: formatted once

    def __str__(self) -> str:
        return self._str

    def _check_count(self, n: int, call: str) -> None:
        if not 0 < n <= self.num_pages:
            raise CircularBufferError(
                f"{self}: {call}({n}) asks for {n} pages but the CB holds {self.num_pages}; "
                f"ask for 1..{self.num_pages} pages or make the CB larger"
            )

    def free_pages(self) -> int:
        return self.num_pages - self.filled

    def claim(self, k) -> None:
        """Make this CB kernel k's own: k is its only producer and consumer, so no other kernel can observe its
        state and k's calls on it need not sync with the engine (the same cycles and trace: syncing only orders
        shared state). Any other kernel's call on it raises."""
        if self.owner is not None and self.owner is not k:
            raise CircularBufferError(f"{self}: claimed by the {k.role} kernel, but the {self.owner.role} kernel "
                                      f"has claimed it")
        if self.filled or self.reserved or self.wr_slot or self.rd_slot:
            raise CircularBufferError(f"{self}: claimed by the {k.role} kernel after pages moved through it; a "
                                      f"kernel claims a CB before any kernel uses it")
        self.owner = k

    def _sync(self, k, call: str) -> None:
        """Sync k before it touches this CB: a shared CB's state is seen by the other kernel, an owned one's only
        by its owner (which needs no sync)."""
        owner = self.owner
        if owner is None:
            k.sync()
        elif owner is not k:
            raise CircularBufferError(f"{self}: {call} from the {k.role} kernel, but the CB belongs to the "
                                      f"{owner.role} kernel alone (it claimed it)")

    def reserve_back(self, k, n: int) -> None:
        self._check_count(n, "cb_reserve_back")
        if self.wr_slot + n > self.num_pages:
            raise CircularBufferError(
                f"{self}: cb_reserve_back({n}) at page {self.wr_slot} of {self.num_pages} would wrap past the end; "
                f"make num_pages a multiple of the pages reserved at once"
            )
        self._sync(k, "cb_reserve_back")
        while self.free_pages() < n:
            self._wait(k, "back", n, self.free_pages())
        self.reserved = n

    def push_back(self, k, n: int) -> None:
        if n > self.reserved:
            raise CircularBufferError(
                f"{self}: cb_push_back({n}) pushes more pages than reserved ({self.reserved}); "
                f"call cb_reserve_back({n}) first"
            )
        self._sync(k, "cb_push_back")
        self.reserved -= n
        self.filled += n
        self.wr_slot = (self.wr_slot + n) % self.num_pages
        self._wake("front", self.filled)

    def wait_front(self, k, n: int) -> None:
        self._check_count(n, "cb_wait_front")
        self._sync(k, "cb_wait_front")
        while self.filled < n:
            self._wait(k, "front", n, self.filled)
        self.received = max(self.received, n)

    def pop_front(self, k, n: int) -> None:
        if n > self.received:
            raise CircularBufferError(
                f"{self}: cb_pop_front({n}) pops more pages than waited for ({self.received}); "
                f"call cb_wait_front({n}) first"
            )
        self._sync(k, "cb_pop_front")
        self._window = None
        if n == self.received:  # every cached page is among those waited for: all of them go
            self._tiles.clear()
            self._faces.clear()
        elif self._tiles or self._faces:
            for i in range(n):
                self._tiles.pop((self.rd_slot + i) % self.num_pages, None)
                self._faces.pop((self.rd_slot + i) % self.num_pages, None)
        self.filled -= n
        self.received -= n
        self.rd_slot = (self.rd_slot + n) % self.num_pages
        self._wake("back", self.free_pages())

    def _wait(self, k, side: str, n: int, have: int) -> None:
        """Block k until `n` pages are filled (side "front") or free ("back"); `have` are now."""
        k.sync()  # an owned CB's call syncs only here: it blocks (for ever: no one else fills or drains it)
        self.waiters.append((k, side, n))
        key = (n * (self.num_pages + 1) + have) * 2 + (side == "back")  # a few per CB, each formatted once
        named = self._waits.get(key)
        if named is None:
            call, what = ("cb_wait_front", "filled") if side == "front" else ("cb_reserve_back", "free")
            reason = f"{call}({n}) on {self} ({have} of {self.num_pages} {what})"
            named = self._waits[key] = (reason, wait_span(reason))  # as KernelProcess.block names it
        k.block(named[0], named[1])

    def _wake(self, side: str, have: int) -> None:
        """Wake, in the order they blocked, the waiters on `side` that `have` pages satisfy (the list in place)."""
        waiters = self.waiters
        i = 0
        while i < len(waiters):
            w = waiters[i]
            if w[1] == side and have >= w[2]:
                del waiters[i]
                k = w[0]  # (compiled: typed, a C call)
                k.wake()
            else:
                i += 1

    def write_ptr(self) -> int:
        return self.address + self.wr_slot * self.page_nbytes

    def read_ptr(self) -> int:
        return self.address + self.rd_slot * self.page_nbytes

    def front_page(self, i: int) -> np.ndarray:
        """Bytes of page i counted from the front (must have been waited for)."""
        if not 0 <= i < self.received:
            raise CircularBufferError(
                f"{self}: reads tile {i} from the front but only {self.received} pages were waited for; "
                f"call cb_wait_front({i + 1}) first"
            )
        start = self.address + ((self.rd_slot + i) % self.num_pages) * self.page_nbytes
        return self.memory[start:start + self.page_nbytes]

    def check_back(self, i: int) -> None:
        """Raise unless page i counted from the back has been reserved."""
        if not 0 <= i < self.reserved:
            raise CircularBufferError(
                f"{self}: writes tile {i} at the back but only {self.reserved} pages are reserved; "
                f"call cb_reserve_back({i + 1}) first"
            )

    def back_page(self, i: int) -> np.ndarray:
        """Bytes of page i counted from the back (must have been reserved)."""
        self.check_back(i)
        start = self.address + ((self.wr_slot + i) % self.num_pages) * self.page_nbytes
        return self.memory[start:start + self.page_nbytes]

    def front_faces(self, i: int) -> int | None:
        """Cached nonzero-face bits of front page i, or None when not checked yet."""
        return self._faces.get((self.rd_slot + i) % self.num_pages)

    def set_front_faces(self, i: int, bits: int) -> None:
        self._faces[(self.rd_slot + i) % self.num_pages] = bits

    def cached_front_tile(self, i: int) -> np.ndarray | None:
        """Page i from the front as an already unpacked tile, or None (the fast path of front_tile)."""
        if i < self.received:
            if self._window is not None and i < self._unpacked:
                return self._window[i]
            return self._tiles.get((self.rd_slot + i) % self.num_pages)
        return None

    def front_tiles(self, n: int) -> np.ndarray:
        """The front pages as float32 tiles (m, 32, 32), at least the first n unpacked: each page is unpacked once
        while it stays in the CB (a later call asking for more unpacks only the rest). Its callers pass no unpacker:
        a call finding the tiles unpacked (most: a matmul asks per tile product) looks nothing up."""
        tiles = self._window  # (only ever of the current front: a pop drops it)
        if tiles is not None and n <= self._unpacked:
            return tiles
        if n > self.received:
            raise CircularBufferError(
                f"{self}: reads tile {n - 1} from the front but only {self.received} pages were waited for; "
                f"call cb_wait_front({n}) first"
            )
        if tiles is None or len(tiles) < n:
            tiles = self._window = np.empty((self.received, 32, 32), dtype=np.float32)
            self._unpacked = 0
        if self._pages is None:
            self._pages = self.memory[self.address:self.address + self.num_pages * self.page_nbytes].reshape(
                self.num_pages, self.page_nbytes)
        lo, code = self._unpacked, FORMAT[self.fmt]
        while lo < n:  # a run of pages up to the end of the CB, then the rest from its start
            slot = (self.rd_slot + lo) % self.num_pages
            hi = min(n, lo + self.num_pages - slot)
            K.unpack_pages(self._pages[slot:slot + hi - lo], code, tiles[lo:hi])
            lo = hi
        if n > self._unpacked:
            self._unpacked = n
        return tiles

    def front_tile(self, i: int, unpack) -> np.ndarray:
        """Page i from the front as a float32 32x32 tile, unpacked once per page while it stays in the CB."""
        tile = self.cached_front_tile(i)
        if tile is None:
            page = self.front_page(i)  # (range-checked first)
            slot = (self.rd_slot + i) % self.num_pages
            tile = self._slot_tiles[slot]
            if tile is None:  # the slot's array, made once: a popped page's tile is never read again
                tile = self._slot_tiles[slot] = np.empty((32, 32), dtype=np.float32)
            unpack(page, tile)
            self._tiles[slot] = tile
        return tile
