"""Numba format kernels: pack/unpack of one tile in each format, whole tensors to and from pages, and the
live faces of stored tiles. Fast twins of tensix/kernels/ref.py (same names, signatures and results);
outputs are preallocated, nothing is validated.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from tensix.kernels import ops

# error_model="numpy": division by zero gives inf/NaN as on the device instead of raising.
OPTS = dict(cache=True, nogil=True, fastmath=False, error_model="numpy")

_BFP8_BITS = 7  # magnitude bits, including the implicit leading one
_BFP4_BITS = 3
# 2^(e - 127 - (mbits - 1)) for every shared exponent e: the weight of one magnitude step.
_SCALE8 = np.ldexp(1.0, np.arange(256) - 127 - (_BFP8_BITS - 1))
_SCALE4 = np.ldexp(1.0, np.arange(256) - 127 - (_BFP4_BITS - 1))


# --- face order -----------------------------------------------------------------------------------


@njit(**OPTS)
def _to_faces(tile, flat):
    """(32, 32) -> 1024 face-major, row-major within each 16x16 face."""
    for f in range(4):
        r0, c0, base = (f >> 1) * 16, (f & 1) * 16, f * 256
        for r in range(16):
            for c in range(16):
                flat[base + r * 16 + c] = tile[r0 + r, c0 + c]


@njit(**OPTS)
def _from_faces(flat, tile):
    """1024 face-major -> (32, 32)."""
    for f in range(4):
        r0, c0, base = (f >> 1) * 16, (f & 1) * 16, f * 256
        for r in range(16):
            for c in range(16):
                tile[r0 + r, c0 + c] = flat[base + r * 16 + c]


# --- fp32 / bf16 ---------------------------------------------------------------------------------


@njit(**OPTS)
def _bf16_bits(u):
    """fp32 bits -> bf16 bits: round to nearest even; NaN -> quiet NaN of the same sign."""
    u = np.int64(u)
    if (u & 0x7FFFFFFF) > 0x7F800000:
        return ((u >> 16) & 0x8000) | 0x7FC0
    return (u + 0x7FFF + ((u >> 16) & 1)) >> 16


@njit(**OPTS)
def pack_fp32(tile, out_u8):
    """Store a (32, 32) float32 tile as 4096 bytes of face-major fp32."""
    _to_faces(tile, out_u8.view(np.float32))


@njit(**OPTS)
def unpack_fp32(src_u8, out):
    """Load 4096 bytes of face-major fp32 into a (32, 32) float32 tile."""
    _from_faces(src_u8.view(np.float32), out)


@njit(**OPTS)
def pack_bf16(tile, out_u8):
    """Store a tile as 2048 bytes of face-major bf16 (round to nearest even)."""
    flat = np.empty(1024, np.float32)
    _to_faces(tile, flat)
    bits = flat.view(np.uint32)
    dst = out_u8.view(np.uint16)
    for i in range(1024):
        dst[i] = _bf16_bits(bits[i])


@njit(**OPTS)
def unpack_bf16(src_u8, out):
    """Load 2048 bytes of face-major bf16 into a float32 tile (exact)."""
    _bf16_tile(src_u8, out, np.empty(256, np.uint64))


@njit(**OPTS)
def _bf16_tile(src_u8, out, rows):
    """unpack_bf16 with `rows` (256 uint64) as scratch, in two passes LLVM vectorizes: the face rows moved into
    row-major order still as bf16, four values a 64-bit word (16-value runs: a pass straight into the tile's
    float32 bits compiled to scalar code, ~2x the time), then widened in one long loop."""
    words = src_u8.view(np.uint64)
    for f in range(4):
        s0, d0 = f * 64, (f >> 1) * 128 + (f & 1) * 4
        for r in range(16):
            s, d = s0 + r * 4, d0 + r * 8
            rows[d], rows[d + 1], rows[d + 2], rows[d + 3] = words[s], words[s + 1], words[s + 2], words[s + 3]
    bf = rows.view(np.uint16)
    dst = out.reshape(1024).view(np.uint32)
    for i in range(1024):
        dst[i] = np.uint32(bf[i]) << np.uint32(16)


# --- block float ---------------------------------------------------------------------------------


@njit(**OPTS)
def _bfp_encode(tile, mbits, shared_out, codes):
    """Tile -> shared exponent per face row (64) and sign<<mbits | magnitude per value (1024)."""
    flat = np.empty(1024, np.float32)
    _to_faces(tile, flat)
    bits = flat.view(np.uint32)
    top = (1 << mbits) - 1
    for row in range(64):
        shared = 0
        for j in range(16):
            shared = max(shared, (np.int64(bits[row * 16 + j]) >> 23) & 0xFF)
        shared_out[row] = shared
        for j in range(16):
            u = np.int64(bits[row * 16 + j])
            e = (u >> 23) & 0xFF
            mag = 0
            shift = shared - e + 24 - mbits
            if e > 0 and shift < 40:  # fp32 denormals flush to zero
                m24 = (u & 0x7FFFFF) | 0x800000
                mag = min((m24 + (np.int64(1) << (shift - 1))) >> shift, top)  # half away from zero
            codes[row * 16 + j] = ((u >> 31) << mbits) | mag


@njit(**OPTS)
def _bfp_decode(shared, codes, mbits, scale, out):
    """Shared exponents (64) and codes (1024) -> (32, 32) float32 tile (exact)."""
    flat = np.empty(1024, np.float32)
    mask = (1 << mbits) - 1
    for i in range(1024):
        v = (codes[i] & mask) * scale[shared[i >> 4]]
        flat[i] = -v if codes[i] >> mbits else v
    _from_faces(flat, out)


@njit(**OPTS)
def pack_bfp8(tile, out_u8):
    """Store a tile as 1088 bytes of bfp8_b: 64 shared exponents, then 1024 sign+7-bit codes."""
    _bfp_encode(tile, _BFP8_BITS, out_u8[:64], out_u8[64:])


@njit(**OPTS)
def unpack_bfp8(src_u8, out):
    """Load 1088 bytes of bfp8_b into a float32 tile (exact)."""
    _bfp_decode(src_u8[:64], src_u8[64:], _BFP8_BITS, _SCALE8, out)


@njit(**OPTS)
def pack_bfp4(tile, out_u8):
    """Store a tile as 576 bytes of bfp4_b: 64 shared exponents, then 512 bytes of 4-bit codes."""
    codes = np.empty(1024, np.uint8)
    _bfp_encode(tile, _BFP4_BITS, out_u8[:64], codes)
    for i in range(512):  # the even-indexed value in the low nibble
        out_u8[64 + i] = codes[2 * i] | (codes[2 * i + 1] << 4)


@njit(**OPTS)
def unpack_bfp4(src_u8, out):
    """Load 576 bytes of bfp4_b into a float32 tile (exact)."""
    codes = np.empty(1024, np.uint8)
    for i in range(512):
        codes[2 * i] = src_u8[64 + i] & 0x0F
        codes[2 * i + 1] = src_u8[64 + i] >> 4
    _bfp_decode(src_u8[:64], codes, _BFP4_BITS, _SCALE4, out)


@njit(**OPTS)
def _pack(fmt, tile, out_u8):
    if fmt == ops.FP32:
        pack_fp32(tile, out_u8)
    elif fmt == ops.BF16:
        pack_bf16(tile, out_u8)
    elif fmt == ops.BFP8_B:
        pack_bfp8(tile, out_u8)
    else:
        pack_bfp4(tile, out_u8)


@njit(**OPTS)
def _unpack(fmt, src_u8, out):
    if fmt == ops.FP32:
        unpack_fp32(src_u8, out)
    elif fmt == ops.BF16:
        unpack_bf16(src_u8, out)
    elif fmt == ops.BFP8_B:
        unpack_bfp8(src_u8, out)
    else:
        unpack_bfp4(src_u8, out)


@njit(**OPTS)
def pack_pages(tiles, fmt, out_pages):
    """Pack N float32 tiles (N, 32, 32) into N pages (N, page bytes) of format code fmt."""
    for p in range(tiles.shape[0]):
        _pack(fmt, tiles[p], out_pages[p])


@njit(**OPTS)
def unpack_pages(pages, fmt, out):
    """Unpack N pages (N, page bytes) of format code fmt into N float32 tiles out (N, 32, 32)."""
    if fmt == ops.BF16:  # (most matmul operands: one scratch for all the pages)
        rows = np.empty(256, np.uint64)
        for p in range(pages.shape[0]):
            _bf16_tile(pages[p], out[p], rows)
        return
    for p in range(pages.shape[0]):
        _unpack(fmt, pages[p], out[p])


@njit(**OPTS)
def pack_acc_pages(tiles, fmt, pages):
    """The packer's L1 accumulation: each page becomes the float32 sum of what it holds and its tile, packed
    back in fmt."""
    held = np.empty((32, 32), np.float32)
    for p in range(tiles.shape[0]):
        _unpack(fmt, pages[p], held)
        for i in range(32):
            for j in range(32):
                held[i, j] = held[i, j] + tiles[p, i, j]
        _pack(fmt, held, pages[p])


# --- whole tensors: padded 2-D float32 <-> pages (one tile per page, row-major tile order) ---------


@njit(**OPTS)
def tilize_pages(a, fmt, out_pages):
    """Pack a (32*R, 32*C) float32 array into R*C pages; tile (r, c) goes to page r*C + c."""
    cols = a.shape[1] // 32
    tile = np.empty((32, 32), np.float32)
    for p in range(out_pages.shape[0]):
        r, c = (p // cols) * 32, (p % cols) * 32
        tile[:, :] = a[r : r + 32, c : c + 32]
        _pack(fmt, tile, out_pages[p])


@njit(**OPTS)
def untilize_pages(pages, fmt, out):
    """Inverse of tilize_pages: unpack R*C pages into a (32*R, 32*C) float32 array."""
    cols = out.shape[1] // 32
    tile = np.empty((32, 32), np.float32)
    for p in range(pages.shape[0]):
        r, c = (p // cols) * 32, (p % cols) * 32
        _unpack(fmt, pages[p], tile)
        out[r : r + 32, c : c + 32] = tile


# --- live faces (zero skipping: which 16x16 faces of a stored tile hold a nonzero) -------------------------


@njit(**OPTS)
def _face_bits(words, start, step, mask):
    bits = 0
    for f in range(4):
        for i in range(start + f * step, start + (f + 1) * step):
            if words[i] & mask:
                bits |= 1 << f
                break
    return bits


@njit(**OPTS)
def live_faces_pages(pages, fmt, out):
    """out[p]: bit f set when face f of stored tile p (uint8 pages (N, page bytes), format code fmt) holds a
    nonzero value; +0.0 and -0.0 are zero (block floats: a zero magnitude, whatever its sign)."""
    for p in range(pages.shape[0]):
        if fmt == ops.FP32:
            out[p] = _face_bits(pages[p].view(np.uint32), 0, 256, np.uint32(0x7FFFFFFF))
        elif fmt == ops.BF16:
            out[p] = _face_bits(pages[p].view(np.uint16), 0, 256, np.uint16(0x7FFF))
        elif fmt == ops.BFP8_B:
            out[p] = _face_bits(pages[p], 64, 256, np.uint8(0x7F))
        else:  # bfp4_b: two 3-bit magnitudes a byte
            out[p] = _face_bits(pages[p], 64, 128, np.uint8(0x77))
