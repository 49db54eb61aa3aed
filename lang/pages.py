"""Tensors as grids of 32x32 tiles (DRAM pages), and the page maps of data-movement ops.

A tensor of shape (..., R, C) is stored as pages in row-major tile order, leading dimensions folded
into rows; with leading dimensions R must be a multiple of 32 so every matrix starts on a tile row.
"""

from __future__ import annotations

import math

import numpy as np

TILE = 32


def tiles(n: int) -> int:
    return -(-n // TILE)


def grid(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Tile-grid shape: leading dims unchanged, the last two counted in tiles (a 1-D tensor is one row)."""
    if len(shape) == 1:
        return (1, tiles(shape[0]))
    return (*shape[:-2], tiles(shape[-2]), tiles(shape[-1]))


def page_index(shape: tuple[int, ...]) -> np.ndarray:
    """Page numbers laid out on the tile grid of `shape`."""
    g = grid(shape)
    return np.arange(math.prod(g)).reshape(g)


def aligned(shape: tuple[int, ...], axis: int) -> bool:
    """Whether axis (negative: from the end) of shape sits on tile boundaries."""
    return shape[axis] % TILE == 0


def batch_aligned(shape: tuple[int, ...]) -> bool:
    """Leading dimensions fold into rows cleanly (every matrix starts on a tile row)."""
    return len(shape) <= 2 or shape[-2] % TILE == 0


def matrix_pages(shape: tuple[int, ...]) -> int:
    """Pages of one matrix (the last two dims) of shape."""
    g = grid(shape)
    return g[-1] * g[-2]


def move_map(out: np.ndarray, transpose: bool = False) -> list[list[int]]:
    """[input index, page, transpose] for every output page, from an array of tagged source pages.

    `out` holds input_index * 2**32 + page for each output tile in output order.
    """
    flat = out.reshape(-1)
    return [[int(v >> 32), int(v & 0xFFFFFFFF), int(transpose)] for v in flat]


def tagged(index: int, shape: tuple[int, ...]) -> np.ndarray:
    return page_index(shape).astype(np.int64) + (np.int64(index) << 32)
