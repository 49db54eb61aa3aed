"""Numba tile kernels: fast twins of tensix/kernels/ref.py (same names, signatures and results).

The only module in the project that imports numba. Outputs are preallocated, nothing is validated.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from tensix.kernels import ops

# error_model="numpy": division by zero gives inf/NaN as on the device instead of raising.
_OPTS = dict(cache=True, nogil=True, fastmath=False, error_model="numpy")

_BFP8_BITS = 7  # magnitude bits, including the implicit leading one
_BFP4_BITS = 3
# 2^(e - 127 - (mbits - 1)) for every shared exponent e: the weight of one magnitude step.
_SCALE8 = np.ldexp(1.0, np.arange(256) - 127 - (_BFP8_BITS - 1))
_SCALE4 = np.ldexp(1.0, np.arange(256) - 127 - (_BFP4_BITS - 1))

_RELU, _GELU, _SILU, _EXP, _RECIP, _SQRT = ops.RELU, ops.GELU, ops.SILU, ops.EXP, ops.RECIP, ops.SQRT
_RSQRT, _NEG, _SQUARE, _TANH, _SIGMOID = ops.RSQRT, ops.NEG, ops.SQUARE, ops.TANH, ops.SIGMOID
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_GELU_TANH = ops.GELU_TANH
_SQRT_2_PI = math.sqrt(2.0 / math.pi)


# --- face order -----------------------------------------------------------------------------------


@njit(**_OPTS)
def _to_faces(tile, flat):
    """(32, 32) -> 1024 face-major, row-major within each 16x16 face."""
    for f in range(4):
        r0, c0, base = (f >> 1) * 16, (f & 1) * 16, f * 256
        for r in range(16):
            for c in range(16):
                flat[base + r * 16 + c] = tile[r0 + r, c0 + c]


@njit(**_OPTS)
def _from_faces(flat, tile):
    """1024 face-major -> (32, 32)."""
    for f in range(4):
        r0, c0, base = (f >> 1) * 16, (f & 1) * 16, f * 256
        for r in range(16):
            for c in range(16):
                tile[r0 + r, c0 + c] = flat[base + r * 16 + c]


# --- fp32 / bf16 ---------------------------------------------------------------------------------


@njit(**_OPTS)
def _bf16_bits(u):
    """fp32 bits -> bf16 bits: round to nearest even; NaN -> quiet NaN of the same sign."""
    u = np.int64(u)
    if (u & 0x7FFFFFFF) > 0x7F800000:
        return ((u >> 16) & 0x8000) | 0x7FC0
    return (u + 0x7FFF + ((u >> 16) & 1)) >> 16


@njit(**_OPTS)
def pack_fp32(tile, out_u8):
    """Store a (32, 32) float32 tile as 4096 bytes of face-major fp32."""
    _to_faces(tile, out_u8.view(np.float32))


@njit(**_OPTS)
def unpack_fp32(src_u8, out):
    """Load 4096 bytes of face-major fp32 into a (32, 32) float32 tile."""
    _from_faces(src_u8.view(np.float32), out)


@njit(**_OPTS)
def pack_bf16(tile, out_u8):
    """Store a tile as 2048 bytes of face-major bf16 (round to nearest even)."""
    flat = np.empty(1024, np.float32)
    _to_faces(tile, flat)
    bits = flat.view(np.uint32)
    dst = out_u8.view(np.uint16)
    for i in range(1024):
        dst[i] = _bf16_bits(bits[i])


@njit(**_OPTS)
def unpack_bf16(src_u8, out):
    """Load 2048 bytes of face-major bf16 into a float32 tile (exact)."""
    src = src_u8.view(np.uint16)
    dst = out.view(np.uint32)  # one pass, straight into the tile's bits (no face-major temporary)
    for f in range(4):
        r0, c0, base = (f >> 1) * 16, (f & 1) * 16, f * 256
        for r in range(16):
            for c in range(16):
                dst[r0 + r, c0 + c] = np.uint32(src[base + r * 16 + c]) << 16


# --- block float ---------------------------------------------------------------------------------


@njit(**_OPTS)
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


@njit(**_OPTS)
def _bfp_decode(shared, codes, mbits, scale, out):
    """Shared exponents (64) and codes (1024) -> (32, 32) float32 tile (exact)."""
    flat = np.empty(1024, np.float32)
    mask = (1 << mbits) - 1
    for i in range(1024):
        v = (codes[i] & mask) * scale[shared[i >> 4]]
        flat[i] = -v if codes[i] >> mbits else v
    _from_faces(flat, out)


@njit(**_OPTS)
def pack_bfp8(tile, out_u8):
    """Store a tile as 1088 bytes of bfp8_b: 64 shared exponents, then 1024 sign+7-bit codes."""
    _bfp_encode(tile, _BFP8_BITS, out_u8[:64], out_u8[64:])


@njit(**_OPTS)
def unpack_bfp8(src_u8, out):
    """Load 1088 bytes of bfp8_b into a float32 tile (exact)."""
    _bfp_decode(src_u8[:64], src_u8[64:], _BFP8_BITS, _SCALE8, out)


@njit(**_OPTS)
def pack_bfp4(tile, out_u8):
    """Store a tile as 576 bytes of bfp4_b: 64 shared exponents, then 512 bytes of 4-bit codes."""
    codes = np.empty(1024, np.uint8)
    _bfp_encode(tile, _BFP4_BITS, out_u8[:64], codes)
    for i in range(512):  # the even-indexed value in the low nibble
        out_u8[64 + i] = codes[2 * i] | (codes[2 * i + 1] << 4)


@njit(**_OPTS)
def unpack_bfp4(src_u8, out):
    """Load 576 bytes of bfp4_b into a float32 tile (exact)."""
    codes = np.empty(1024, np.uint8)
    for i in range(512):
        codes[2 * i] = src_u8[64 + i] & 0x0F
        codes[2 * i + 1] = src_u8[64 + i] >> 4
    _bfp_decode(src_u8[:64], codes, _BFP4_BITS, _SCALE4, out)


@njit(**_OPTS)
def _pack(fmt, tile, out_u8):
    if fmt == ops.FP32:
        pack_fp32(tile, out_u8)
    elif fmt == ops.BF16:
        pack_bf16(tile, out_u8)
    elif fmt == ops.BFP8_B:
        pack_bfp8(tile, out_u8)
    else:
        pack_bfp4(tile, out_u8)


@njit(**_OPTS)
def _unpack(fmt, src_u8, out):
    if fmt == ops.FP32:
        unpack_fp32(src_u8, out)
    elif fmt == ops.BF16:
        unpack_bf16(src_u8, out)
    elif fmt == ops.BFP8_B:
        unpack_bfp8(src_u8, out)
    else:
        unpack_bfp4(src_u8, out)


@njit(**_OPTS)
def unpack_pages(pages, fmt, out):
    """Unpack N pages (N, page bytes) of format code fmt into N float32 tiles out (N, 32, 32)."""
    for p in range(pages.shape[0]):
        _unpack(fmt, pages[p], out[p])


# --- whole tensors: padded 2-D float32 <-> pages (one tile per page, row-major tile order) ---------


@njit(**_OPTS)
def tilize_pages(a, fmt, out_pages):
    """Pack a (32*R, 32*C) float32 array into R*C pages; tile (r, c) goes to page r*C + c."""
    cols = a.shape[1] // 32
    tile = np.empty((32, 32), np.float32)
    for p in range(out_pages.shape[0]):
        r, c = (p // cols) * 32, (p % cols) * 32
        tile[:, :] = a[r : r + 32, c : c + 32]
        _pack(fmt, tile, out_pages[p])


@njit(**_OPTS)
def untilize_pages(pages, fmt, out):
    """Inverse of tilize_pages: unpack R*C pages into a (32*R, 32*C) float32 array."""
    cols = out.shape[1] // 32
    tile = np.empty((32, 32), np.float32)
    for p in range(pages.shape[0]):
        r, c = (p // cols) * 32, (p % cols) * 32
        _unpack(fmt, pages[p], tile)
        out[r : r + 32, c : c + 32] = tile


# --- tile math -----------------------------------------------------------------------------------


# Both matmul kernels follow one numeric scheme, so dense and face-skipping runs give the same bits: c[i, j] +=
# a[i, k] * b[k, j] for k ascending, each product and each sum rounded to float32 (no FMA, no reassociation).
# Skipping an exactly-zero term leaves c unchanged, which makes face skipping exact.


@njit(**_OPTS)
def _matmul_tile(a, b, c, faces):
    """c += a @ b for C-contiguous 32x32 float32 tiles, over the faces of `a` whose bit is set in `faces`.

    Eight output rows and eight k terms per pass: the eight running sums stay in registers while the j loop
    runs along contiguous rows of b, which LLVM vectorizes (~1.2 us per tile; four rows took ~1.6 us, sums
    kept in a buffer in memory across k ~3 us). Flat indexing with constant row offsets lets it prove the rows
    do not overlap; with 2-D indexing it gives up and emits scalar code. Each sum still adds its k terms in
    order, so the bits are those of the plain loop.
    """
    af, bf, cf = a.reshape(1024), b.reshape(1024), c.reshape(1024)
    for k0 in range(0, 32, 8):
        for i in range(0, 1024, 256):
            if faces >> (2 * (i >> 9) + (k0 >> 4)) & 1:  # face (row half, k half) of a is live
                for j in range(32):
                    s0 = cf[i + j]
                    s1 = cf[i + 32 + j]
                    s2 = cf[i + 64 + j]
                    s3 = cf[i + 96 + j]
                    s4 = cf[i + 128 + j]
                    s5 = cf[i + 160 + j]
                    s6 = cf[i + 192 + j]
                    s7 = cf[i + 224 + j]
                    for k in range(k0, k0 + 8):
                        bkj = bf[k * 32 + j]
                        s0 += af[i + k] * bkj
                        s1 += af[i + 32 + k] * bkj
                        s2 += af[i + 64 + k] * bkj
                        s3 += af[i + 96 + k] * bkj
                        s4 += af[i + 128 + k] * bkj
                        s5 += af[i + 160 + k] * bkj
                        s6 += af[i + 192 + k] * bkj
                        s7 += af[i + 224 + k] * bkj
                    cf[i + j] = s0
                    cf[i + 32 + j] = s1
                    cf[i + 64 + j] = s2
                    cf[i + 96 + j] = s3
                    cf[i + 128 + j] = s4
                    cf[i + 160 + j] = s5
                    cf[i + 192 + j] = s6
                    cf[i + 224 + j] = s7


@njit(**_OPTS)
def matmul_acc(a, b, c):
    """c += a @ b, float32, C-contiguous; 32x32 tiles take the vectorized tile kernel, other shapes a plain loop."""
    m, kk, n = a.shape[0], a.shape[1], b.shape[1]
    if m == 32 and kk == 32 and n == 32:
        _matmul_tile(a, b, c, 0b1111)
        return
    for i in range(m):
        for k in range(kk):
            aik = a[i, k]
            for j in range(n):
                c[i, j] += aik * b[k, j]


@njit(**_OPTS)
def matmul_block(a, b, dst, ia, ib, idst, ct, rt, kt):
    """tt-metal's matmul_block for one k: dst[idst + i*ct + j] += a[ia + i*kt] @ b[ib + j] for an rt x ct block
    of 32x32 float32 tiles (a's tiles row-major with row stride kt); the same bits as one matmul_acc per tile."""
    for i in range(rt):
        for j in range(ct):
            _matmul_tile(a[ia + i * kt], b[ib + j], dst[idst + i * ct + j], 0b1111)


@njit(**_OPTS)
def matmul_pairs(a, b, dst, triples):
    """dst[d] += a[i] @ b[j] for each row (i, j, d) of triples, in order: a compute kernel's queued
    matmul_tiles calls in one kernel call; the same bits as one matmul_acc per row."""
    for r in range(triples.shape[0]):
        _matmul_tile(a[triples[r, 0]], b[triples[r, 1]], dst[triples[r, 2]], 0b1111)


@njit(**_OPTS)
def eltwise_binary(op, a, b, out):
    """out = a (op) b elementwise, float32; op is ops.ADD, SUB or MUL."""
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            if op == ops.ADD:
                out[i, j] = a[i, j] + b[i, j]
            elif op == ops.SUB:
                out[i, j] = a[i, j] - b[i, j]
            else:
                out[i, j] = a[i, j] * b[i, j]


@njit(**_OPTS)
def _unary1(op, x):
    """One element; transcendentals in float64, rounded to float32 by the caller."""
    d = np.float64(x)
    if op == _RELU:
        return x if x > 0 or x != x else np.float32(0)
    if op == _RECIP:
        return np.float32(1) / x
    if op == _NEG:
        return -x
    if op == _SQUARE:
        return x * x
    if op == _GELU:
        return 0.5 * d * (1.0 + math.erf(d * _INV_SQRT2))
    if op == _GELU_TANH:
        return d / (1.0 + math.exp(-2.0 * _SQRT_2_PI * (d + 0.044715 * d * d * d)))  # = 0.5 d (1 + tanh u), stable
    if op == _SILU:
        return d / (1.0 + math.exp(-d))
    if op == _EXP:
        return math.exp(d)
    if op == _SQRT:
        return math.sqrt(d)
    if op == _RSQRT:
        return 1.0 / math.sqrt(d)
    if op == _TANH:
        return math.tanh(d)
    if op == _SIGMOID:
        return 1.0 / (1.0 + math.exp(-d))
    return x  # IDENTITY


@njit(**_OPTS)
def unary(op, x, out):
    """out = op(x) elementwise; transcendentals are computed in float64 and rounded to float32."""
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = _unary1(op, x[i, j])


@njit(**_OPTS)
def _reduce_into(op, x, r0, r1, c0, c1):
    """SUM (float64 accumulation) or MAX (NaN propagates) of x[r0:r1, c0:c1], as float32."""
    if op == ops.SUM:
        s = 0.0
        for i in range(r0, r1):
            for j in range(c0, c1):
                s += x[i, j]
        return np.float32(s)
    m = x[r0, c0]
    for i in range(r0, r1):
        for j in range(c0, c1):
            v = x[i, j]
            if v > m or v != v:
                m = v
    return m


@njit(**_OPTS)
def reduce(op, dim, x, out):
    """Reduce x along ROW (-> column 0), COL (-> row 0) or SCALAR (-> [0, 0]); rest of out is 0.

    SUM accumulates in float64 and rounds once to float32; MAX propagates NaN.
    """
    rows, cols = x.shape
    out[:, :] = 0
    if dim == ops.ROW:
        for i in range(rows):
            out[i, 0] = _reduce_into(op, x, i, i + 1, 0, cols)
    elif dim == ops.COL:
        for j in range(cols):
            out[0, j] = _reduce_into(op, x, 0, rows, j, j + 1)
    else:
        out[0, 0] = _reduce_into(op, x, 0, rows, 0, cols)


@njit(**_OPTS)
def transpose(x, out):
    """out = x.T."""
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = x[j, i]


@njit(**_OPTS)
def topk_softmax(x, k, width, out):
    """Per row: softmax over the k largest of x[:, :width] (ties: lower column first), 0 elsewhere."""
    for r in range(x.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = 0.0
        taken = np.zeros(width, dtype=np.bool_)
        chosen = np.empty(k, dtype=np.int64)
        for i in range(k):
            best = -1
            for c in range(width):
                if not taken[c] and (best < 0 or x[r, c] > x[r, best]):
                    best = c
            taken[best] = True
            chosen[i] = best
        top = np.float64(x[r, chosen[0]])
        total = 0.0
        for i in range(k):
            total += math.exp(np.float64(x[r, chosen[i]]) - top)
        for i in range(k):
            out[r, chosen[i]] = math.exp(np.float64(x[r, chosen[i]]) - top) / total


@njit(**_OPTS)
def zero_faces(tile):
    """(bit f set when 16x16 face f of the tile has a nonzero, number of exactly-zero elements)."""
    bits = 0
    zeros = 0
    for f in range(4):
        r0, c0 = (f >> 1) * 16, (f & 1) * 16
        for r in range(16):
            for c in range(16):
                if tile[r0 + r, c0 + c] != 0:
                    bits |= 1 << f
                else:
                    zeros += 1
    return bits, zeros


@njit(**_OPTS)
def matmul_acc_faces(a, b, c, faces):
    """c += a @ b for 32x32 tiles, using only the faces of `a` whose bit is set in `faces` (others are zero).

    Each output element adds its remaining k terms in ascending order, as matmul_acc does: the same bits.
    """
    _matmul_tile(a, b, c, faces)

