"""A CB's front window (front_tiles): pages unpacked once while they stay, in front order across the ring's end, and
the tiles a later call or a single-tile read (cached_front_tile) sees are those pages' values."""

import numpy as np

from tensix.cb import CircularBuffer
from tensix.formats import pack_tile, tile_nbytes, unpack_tile


def _cb_holding(pages: list[np.ndarray], fmt: str, slot: int) -> CircularBuffer:
    """A 4-page CB whose front is page `slot`, holding `pages` from there round the ring, all waited for."""
    size, base = tile_nbytes(fmt), 64
    memory = np.zeros(base + 4 * size + 64, dtype=np.uint8)
    cb = CircularBuffer(core=(0, 0), cb_id=0, name="in", fmt=fmt, page_nbytes=size, num_pages=4, address=base,
                        memory=memory)
    for i, page in enumerate(pages):
        at = base + (slot + i) % 4 * size
        memory[at:at + size] = page
    cb.rd_slot, cb.filled, cb.received = slot, len(pages), len(pages)  # as cb_wait_front(len(pages)) leaves it
    return cb


def test_the_window_unpacks_the_front_pages_in_order_across_the_end_of_the_ring():
    rng = np.random.default_rng(3)
    size = tile_nbytes("bf16")
    pages = [pack_tile(rng.standard_normal((32, 32)).astype(np.float32), "bf16", np.empty(size, np.uint8))
             for _ in range(3)]
    want = [unpack_tile(p, "bf16", np.empty((32, 32), np.float32)) for p in pages]
    cb = _cb_holding(pages, "bf16", slot=2)  # pages at slots 2, 3, then 0
    assert cb.cached_front_tile(0) is None  # nothing unpacked yet
    first = cb.front_tiles(1)
    np.testing.assert_array_equal(first[0], want[0])
    assert cb.cached_front_tile(1) is None  # only as far as asked
    tiles = cb.front_tiles(3)
    assert tiles is first  # the same window, the rest unpacked into it
    for i in range(3):
        np.testing.assert_array_equal(tiles[i], want[i])
        np.testing.assert_array_equal(cb.cached_front_tile(i), want[i])
    assert cb.front_tiles(2) is tiles  # unpacked already: nothing again
