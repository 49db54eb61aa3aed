"""DPRINT's TileSlice: a strided window of a tile in a CB, printed as rows of values (tt-metal's
`TileSlice(cb, tile, SliceRange{.h0, .h1, .hs, .w0, .w1, .ws}, TSLICE_INPUT_CB, TSLICE_WR_PTR, endl_rows,
print_untilized)`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ml_dtypes import bfloat16

from tensix.errors import KernelError

TSLICE_INPUT_CB, TSLICE_OUTPUT_CB = 0, 1
TSLICE_RD_PTR, TSLICE_WR_PTR = 0, 1

_DTYPES = {"bf16": bfloat16, "fp32": np.float32, "uint32": np.uint32, "int32": np.int32, "uint16": np.uint16,
           "uint8": np.uint8}


@dataclass(frozen=True, slots=True, kw_only=True)
class SliceRange:
    """Rows h0..h1 (exclusive) step hs, columns w0..w1 step ws, of a 32x32 tile."""

    h0: int = 0
    h1: int = 32
    hs: int = 1
    w0: int = 0
    w1: int = 32
    ws: int = 1


def tile_slice(ctx, cb_id: int, tile_idx: int, sr: SliceRange, cb_type: int = TSLICE_INPUT_CB,
               ptr_type: int = TSLICE_WR_PTR, endl_rows: bool = True, print_untilized: bool = True) -> str:
    """The text of a TileSlice: the values of the window, one line per row (or space separated)."""
    cb = ctx.device.cores[ctx.core].cbs.get(int(cb_id))
    if cb is None:
        raise KernelError(f"{ctx.where()}: TileSlice of CB {int(cb_id)}, which this core does not have")
    dtype = _DTYPES.get(cb.fmt)
    if dtype is None:
        raise KernelError(f"{ctx.where()}: TileSlice cannot print CB {int(cb_id)} of format {cb.fmt}")
    if not (0 <= sr.h0 < sr.h1 <= 32 and 0 <= sr.w0 < sr.w1 <= 32 and sr.hs > 0 and sr.ws > 0):
        raise KernelError(f"{ctx.where()}: TileSlice range {sr} is not inside a 32x32 tile")
    base = ctx.get_write_ptr(cb_id) if ptr_type == TSLICE_WR_PTR else ctx.get_read_ptr(cb_id)
    n = 1024 * np.dtype(dtype).itemsize
    raw = ctx.l1_words(base + int(tile_idx) * cb.page_nbytes, n // np.dtype(dtype).itemsize, dtype)
    tile = raw.reshape(2, 2, 16, 16).transpose(0, 2, 1, 3).reshape(32, 32) if print_untilized else raw.reshape(32, 32)
    rows = [" ".join(f"{float(v):g}" if dtype in (bfloat16, np.float32) else str(int(v))
                     for v in tile[h, sr.w0:sr.w1:sr.ws]) for h in range(sr.h0, sr.h1, sr.hs)]
    return ("\n" if endl_rows else " ").join(rows)


class TileSlice:
    """The printable slice; DPRINT renders it with str()."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text

    __format__ = lambda self, spec: self.text  # noqa: E731
