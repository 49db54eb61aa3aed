"""Tile data formats: bytes per tile, pack/unpack of one tile, tilize/untilize of a matrix, quantize.

The public entry to the format kernels in tensix.kernels; numpy arrays in, numpy arrays out.

Layout (as on Tenstorrent hardware). A 32x32 tile is four 16x16 faces: face 0 top-left, 1 top-right,
2 bottom-left, 3 bottom-right. Values are stored face by face, row-major within a face, so value
index ``i`` is face ``i // 256``, face row ``(i // 16) % 16``, column ``i % 16``. Multi-byte
fields are little-endian.

- ``fp32``   4096 B: 1024 IEEE float32.
- ``bf16``   2048 B: 1024 bfloat16 (the top 16 bits of fp32), rounded to nearest even, bit-identical
  to ``ml_dtypes.bfloat16``; NaN becomes the quiet NaN 0x7FC0 with its sign.
- ``bfp8_b`` 1088 B: 64 shared exponents (one byte per face row of 16 values, in value order), then
  1024 bytes, one per value: bit 7 the sign, bits 6..0 the magnitude ``m``. The value is
  ``(-1)^sign * m * 2^(shared - 127 - 6)``.
- ``bfp4_b``  576 B: 64 shared exponents, then 512 bytes of two 4-bit codes each (the even-indexed
  value in the low nibble): bit 3 the sign, bits 2..0 ``m``; value ``(-1)^sign * m * 2^(shared - 127 - 2)``.

Block-float encoding: the shared exponent is the largest biased fp32 exponent of the 16 values.
Each value's 24-bit mantissa (with the implicit one) is shifted right by ``shared - own exponent``
and rounded to 7 (bfp8) / 3 (bfp4) bits, ties away from zero, saturating at the largest magnitude.
The sign is kept, so -0.0 stays -0.0. fp32 denormals flush to zero. Infinities decode as inf; NaN has
no block-float encoding and decodes as inf of its sign (its row scales as if its exponent were 255).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

import numpy as np

from tensix import kernels
from tensix.errors import ConfigError
from tensix.kernels import ops

TILE = 32
FACE = 16
FORMATS = ("fp32", "bf16", "bfp8_b", "bfp4_b")

_NBYTES = {"fp32": 4096, "bf16": 2048, "bfp8_b": 64 + 1024, "bfp4_b": 64 + 512}
_PACK: dict[str, Callable[[np.ndarray, np.ndarray], None]] = {
    "fp32": kernels.pack_fp32,
    "bf16": kernels.pack_bf16,
    "bfp8_b": kernels.pack_bfp8,
    "bfp4_b": kernels.pack_bfp4,
}
_UNPACK: dict[str, Callable[[np.ndarray, np.ndarray], None]] = {
    "fp32": kernels.unpack_fp32,
    "bf16": kernels.unpack_bf16,
    "bfp8_b": kernels.unpack_bfp8,
    "bfp4_b": kernels.unpack_bfp4,
}


def _check_format(fmt: str) -> None:
    if fmt in _NBYTES:
        return
    close = difflib.get_close_matches(str(fmt), FORMATS, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ConfigError(f"unknown data format {fmt!r}{hint}; known formats: {', '.join(FORMATS)}")


def tile_nbytes(fmt: str) -> int:
    """Bytes of one 32x32 tile in format `fmt` (one of FORMATS)."""
    _check_format(fmt)
    return _NBYTES[fmt]


def _check_array(name: str, a: np.ndarray, shape: tuple[int, ...], dtype: type) -> None:
    if a.shape != shape or a.dtype != dtype:
        raise ValueError(f"{name} must be a {np.dtype(dtype).name} array of shape {shape}, got {a.dtype} {a.shape}")


def pack_tile(tile: np.ndarray, fmt: str, out: np.ndarray) -> np.ndarray:
    """Encode a (32, 32) tile into `out`, a uint8 array of tile_nbytes(fmt) (e.g. a view of SRAM).

    Returns `out`.
    """
    _check_format(fmt)
    tile = np.ascontiguousarray(tile, dtype=np.float32)
    _check_array("tile", tile, (TILE, TILE), np.float32)
    _check_array("out", out, (_NBYTES[fmt],), np.uint8)
    _PACK[fmt](tile, out)
    return out


def unpack_tile(src: np.ndarray, fmt: str, out: np.ndarray) -> np.ndarray:
    """Decode `src`, a uint8 array of tile_nbytes(fmt), into `out`, a (32, 32) float32 array.

    Returns `out`.
    """
    _check_format(fmt)
    _check_array("src", src, (_NBYTES[fmt],), np.uint8)
    _check_array("out", out, (TILE, TILE), np.float32)
    _UNPACK[fmt](src, out)
    return out


def unpack_tiles(pages: np.ndarray, fmt: str) -> np.ndarray:
    """Decode n stored tiles, a (n, tile_nbytes(fmt)) uint8 array (e.g. a view of SRAM), into a new
    (n, 32, 32) float32 array: one kernel call for a whole band of tiles."""
    _check_format(fmt)
    if pages.dtype != np.uint8 or pages.ndim != 2 or pages.shape[1] != _NBYTES[fmt]:
        raise ValueError(f"pages must be uint8 of shape (n, {_NBYTES[fmt]}) for {fmt}, got {pages.dtype}{pages.shape}")
    out = np.empty((pages.shape[0], TILE, TILE), np.float32)
    kernels.unpack_pages(pages, ops.FORMAT[fmt], out)
    return out


def _tiles(n: int) -> int:
    return -(-n // TILE)


def bf16_bits(a: np.ndarray) -> np.ndarray:
    """The bf16 bit patterns (uint16, same shape) of a float32 array, rounded as a packed bf16 tile is
    (row-major bf16 data on the host side; the tile kernels round the same way)."""
    import ml_dtypes  # here, not at the top: its import takes seconds, and most runs never come here

    a = np.asarray(a, dtype=np.float32)
    with np.errstate(invalid="ignore"):  # NaN casts quietly; fixed just below
        bits = a.astype(ml_dtypes.bfloat16).view(np.uint16)
    nan = np.isnan(a)
    if nan.any():  # the one place ml_dtypes differs: it keeps NaN payloads, the packers store 0x7FC0
        bits[nan] = (a[nan].view(np.uint32) >> 16 & 0x8000).astype(np.uint16) | 0x7FC0
    return bits


def tilize(a: np.ndarray, fmt: str) -> np.ndarray:
    """Encode a 2-D array as pages of tiles: uint8 of shape (ntiles, tile_nbytes(fmt)).

    Rows and columns are zero-padded to multiples of 32; tile (r, c) is page ``r * ncols_tiles + c``.
    """
    _check_format(fmt)
    a = np.asarray(a)
    if a.ndim != 2:
        raise ValueError(f"tilize needs a 2-D array, got shape {a.shape}")
    rows, cols = _tiles(a.shape[0]), _tiles(a.shape[1])
    if a.shape == (rows * TILE, cols * TILE):
        padded = np.ascontiguousarray(a, dtype=np.float32)  # already whole tiles: no padded copy
    else:
        padded = np.zeros((rows * TILE, cols * TILE), np.float32)
        padded[: a.shape[0], : a.shape[1]] = a
    pages = np.empty((rows * cols, _NBYTES[fmt]), np.uint8)
    kernels.tilize_pages(padded, ops.FORMAT[fmt], pages)
    return pages


def untilize(pages: np.ndarray, shape: tuple[int, int], fmt: str) -> np.ndarray:
    """Decode pages made by `tilize` (any uint8 array of the right size) into a float32 array of `shape`."""
    _check_format(fmt)
    if len(shape) != 2:
        raise ValueError(f"untilize needs a 2-D shape, got {tuple(shape)}")
    rows, cols = _tiles(shape[0]), _tiles(shape[1])
    nbytes = _NBYTES[fmt]
    pages = np.ascontiguousarray(pages, dtype=np.uint8)
    if pages.size != rows * cols * nbytes:
        raise ValueError(
            f"shape {tuple(shape)} in {fmt} needs {rows * cols} pages of {nbytes} bytes, got {pages.size} bytes"
        )
    padded = np.empty((rows * TILE, cols * TILE), np.float32)
    kernels.untilize_pages(pages.reshape(rows * cols, nbytes), ops.FORMAT[fmt], padded)
    if padded.shape == tuple(shape):
        return padded
    return np.ascontiguousarray(padded[: shape[0], : shape[1]])


def quantize(a: np.ndarray, fmt: str) -> np.ndarray:
    """The float32 values the device stores for `a` in format `fmt` (a round trip through the format).

    The last two axes are tiled (a 1-D array is one row); leading axes are independent matrices.
    """
    _check_format(fmt)
    a = np.asarray(a, dtype=np.float32)
    if fmt == "fp32" or a.size == 0:
        return a.copy()
    mats = a.reshape(-1, *a.shape[-2:]) if a.ndim >= 2 else a.reshape(1, 1, -1)
    out = np.stack([untilize(tilize(m, fmt), m.shape, fmt) for m in mats])
    return out.reshape(a.shape)


ALL_FACES = 0b1111


def face_nbytes(fmt: str) -> int:
    """Bytes one 16x16 face takes in a stored tile (block floats: its magnitudes and its 16 shared exponents)."""
    return tile_nbytes(fmt) // 4


def live_faces(page: np.ndarray, fmt: str) -> int:
    """Bit f set when face f of a stored tile holds a nonzero value (+0.0 and -0.0 are zero)."""
    out = np.empty(1, np.uint8)
    kernels.live_faces_pages(page.reshape(1, -1), ops.FORMAT[fmt], out)
    return int(out[0])


def live_faces_pages(pages: np.ndarray, fmt: str) -> np.ndarray:
    """live_faces of every page of a (npages, page_nbytes) uint8 array, as uint8 face bits."""
    out = np.empty(pages.shape[0], np.uint8)
    kernels.live_faces_pages(np.ascontiguousarray(pages), ops.FORMAT[fmt], out)
    return out


def is_zero_page(page: np.ndarray, fmt: str) -> bool:
    """Whether a stored tile holds only zeros (+0.0 or -0.0), looking at its bytes in format `fmt`."""
    return live_faces(page, fmt) == 0
