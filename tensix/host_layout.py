"""The host's side of a DRAM buffer: the pages the host writes for an array in the buffer's layout and format, and the
array its pages hold (tilized tiles, or rows of fp32 or bf16)."""

from __future__ import annotations

import math

import numpy as np

from tensix.dram import DramBuffer, _rows_cols, tile_rows_cols
from tensix.formats import bf16_bits, tilize, untilize


def _padded_matrices(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`a` (leading dimensions folded into rows) with each matrix's rows padded with zeros to whole tiles."""
    if len(shape) <= 2 or shape[-2] % 32 == 0:
        return a
    mats = np.asarray(a, dtype=np.float32).reshape(-1, shape[-2], shape[-1])
    padded = np.zeros((mats.shape[0], -(-shape[-2] // 32) * 32, shape[-1]), np.float32)
    padded[:, :shape[-2]] = mats
    return padded.reshape(-1, shape[-1])


def host_pages(buf: DramBuffer, a: np.ndarray) -> np.ndarray:
    """The pages the host writes for array `a` (2-D view of buf's shape) in buf's layout and format."""
    if buf.layout != "rows":
        return tilize(_padded_matrices(a, buf.shape), buf.fmt)
    rows = np.ascontiguousarray(a, dtype=np.float32).reshape(-1, a.shape[-1])
    # bf16 rounds exactly as a packed tile does (the same round-to-nearest-even bit rule)
    raw = (bf16_bits(rows) if buf.fmt == "bf16" else rows).view(np.uint8)
    if raw.shape[1] == buf.page_nbytes:
        return raw
    pages = np.zeros((rows.shape[0], buf.page_nbytes), dtype=np.uint8)
    pages[:, :raw.shape[1]] = raw
    return pages


def host_array(buf: DramBuffer, pages: np.ndarray) -> np.ndarray:
    """The float32 array of buf's shape held by `pages` (the inverse of host_pages)."""
    if buf.layout != "rows":
        shape = buf.shape
        full = untilize(pages, tile_rows_cols(shape), buf.fmt)
        if len(shape) > 2 and shape[-2] % 32:
            full = full.reshape(-1, full.shape[0] // math.prod(shape[:-2]), shape[-1])[:, :shape[-2]]
        return np.ascontiguousarray(full).reshape(shape)
    rows, cols = _rows_cols(buf.shape)
    raw = pages[:, :cols * buf.elem_nbytes]
    if buf.fmt == "bf16":
        values = (raw.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
    else:
        values = raw.view(np.float32)
    return values.reshape(buf.shape).copy()
