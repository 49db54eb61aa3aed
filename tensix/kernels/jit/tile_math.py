"""Numba tile math: matmuls, elementwise and unary ops, reductions, transpose, top-k gating and the
zero-face checks of skipping. Fast twins of tensix/kernels/ref.py (same names, signatures and results);
outputs are preallocated, nothing is validated.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from tensix.kernels import ops
from tensix.kernels.jit.formats import OPTS, _pack, _unpack

_RELU, _GELU, _SILU, _EXP, _RECIP, _SQRT = ops.RELU, ops.GELU, ops.SILU, ops.EXP, ops.RECIP, ops.SQRT
_RSQRT, _NEG, _SQUARE, _TANH, _SIGMOID = ops.RSQRT, ops.NEG, ops.SQUARE, ops.TANH, ops.SIGMOID
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_GELU_TANH, _TRUNC = ops.GELU_TANH, ops.TRUNC
_INT32_MIN = -2.0**31
_SQRT_2_PI = math.sqrt(2.0 / math.pi)


# --- tile math -----------------------------------------------------------------------------------


# Both matmul kernels follow one numeric scheme, so dense and face-skipping runs give the same bits: c[i, j] +=
# a[i, k] * b[k, j] for k ascending, each product and each sum rounded to float32 (no FMA, no reassociation).
# Skipping an exactly-zero term leaves c unchanged, which makes face skipping exact.


@njit(**OPTS)
def _matmul_tile(a, b, c, faces):
    """c += a @ b for C-contiguous 32x32 float32 tiles, over the faces of `a` whose bit is set in `faces`.

    Eight output rows and eight k terms per pass: the eight running sums stay in registers while the j loop
    runs along contiguous rows of b, which LLVM vectorizes (~1.2 us per tile; four rows took ~1.6 us, sums
    kept in a buffer in memory across k ~3 us). Flat indexing with constant row offsets lets it prove the rows
    do not overlap; with 2-D indexing it gives up and emits scalar code. Each sum still adds its k terms in
    order, so the bits are those of the plain loop.
    """
    _matmul_flat(a.reshape(1024), b.reshape(1024), c.reshape(1024), faces)


@njit(**OPTS)
def _matmul_flat(af, bf, cf, faces):
    """_matmul_tile of tiles as flat 1024-value arrays: the block kernels slice them out of their operands reshaped
    once per call (a reshape per tile goes through numba's no-copy reshape helper, ~1.5% of a dense matmul's
    instructions; offsets into the whole operands instead defeat the vectorizer's overlap checks: ~17x slower)."""
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


@njit(**OPTS)
def _t(flat, i):
    """Tile i of tiles flattened (a contiguous 1024-value slice)."""
    return flat[i * 1024:(i + 1) * 1024]


@njit(**OPTS)
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


@njit(**OPTS)
def matmul_block(a, b, dst, ia, ib, idst, ct, rt, kt):
    """tt-metal's matmul_block for one k: dst[idst + i*ct + j] += a[ia + i*kt] @ b[ib + j] for an rt x ct block
    of 32x32 float32 tiles (a's tiles row-major with row stride kt); the same bits as one matmul_acc per tile."""
    af, bf, cf = a.reshape(a.size), b.reshape(b.size), dst.reshape(dst.size)
    for i in range(rt):
        for j in range(ct):
            _matmul_flat(_t(af, ia + i * kt), _t(bf, ib + j), _t(cf, idst + i * ct + j), 0b1111)


@njit(**OPTS)
def matmul_faces_step(a, b, dst, kc, ct, faces, zeros):
    """One k step of a decode matmul with zero skipping, in one call: for kk < kc in order, faces[kk] and zeros[kk]
    of tile a[kk] (as zero_faces), then dst[j] += a[kk] @ b[kk * ct + j] over its live faces for j < ct; the same
    bits as zero_faces and matmul_acc_faces tile by tile (matmul_block where all faces are live)."""
    for kk in range(kc):
        bits, nz = zero_faces(a[kk])
        faces[kk] = bits
        zeros[kk] = nz
        if bits:
            for j in range(ct):
                _matmul_tile(a[kk], b[kk * ct + j], dst[j], bits)


@njit(**OPTS)
def matmul_steps(a, b, dst, ia, ib, idst, ct, rt, kt, kc, bstride):
    """kc k steps of matmul_block in one call: dst[idst + i*ct + j] += a[ia + kk + i*kt] @ b[ib + kk*bstride + j]
    for kk < kc, in that order (the same bits as kc matmul_block calls; k step by k step, so the step's A and B
    tiles are reused across the block while in cache)."""
    af, bf, cf = a.reshape(a.size), b.reshape(b.size), dst.reshape(dst.size)
    for kk in range(kc):
        for i in range(rt):
            for j in range(ct):
                _matmul_flat(_t(af, ia + kk + i * kt), _t(bf, ib + kk * bstride + j), _t(cf, idst + i * ct + j),
                             0b1111)


@njit(**OPTS)
def matmul_pairs(a, b, dst, triples):
    """dst[d] += a[i] @ b[j] for each row (i, j, d) of triples, in order: a compute kernel's queued
    matmul_tiles calls in one kernel call; the same bits as one matmul_acc per row."""
    af, bf, cf = a.reshape(a.size), b.reshape(b.size), dst.reshape(dst.size)
    for r in range(triples.shape[0]):
        _matmul_flat(_t(af, triples[r, 0]), _t(bf, triples[r, 1]), _t(cf, triples[r, 2]), 0b1111)


@njit(**OPTS)
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


@njit(**OPTS)
def binary_pages(op, a_u8, fa, b_u8, fb, out):
    """out = page a (format code fa) (op) page b (fb), both unpacked: unpack, unpack, eltwise_binary in one call."""
    a = np.empty((32, 32), np.float32)
    _unpack(fa, a_u8, a)
    _unpack(fb, b_u8, out)
    eltwise_binary(op, a, out, out)


@njit(**OPTS)
def binary_dst_page(op, d, page_u8, fmt, rnd, swap, scratch_u8):
    """d = d (op) the page unpacked (format fmt), or the page (op) d when swap; d first rounded to format code rnd
    (packed to scratch_u8 and unpacked back) unless rnd < 0. A fused elementwise chain's operand in one call."""
    if rnd >= 0:
        _pack(rnd, d, scratch_u8)
        _unpack(rnd, scratch_u8, d)
    t = np.empty((32, 32), np.float32)
    _unpack(fmt, page_u8, t)
    if swap:
        eltwise_binary(op, t, d, d)
    else:
        eltwise_binary(op, d, t, d)


@njit(**OPTS)
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
    if op == _TRUNC:  # as numpy's cast to int32 on x86: out of range (and NaN) becomes INT32_MIN
        return math.trunc(d) if abs(d) < 2.0**31 else _INT32_MIN
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


@njit(**OPTS)
def _exp(x):
    """exp in float64 (inf past its range): jitted even when unary runs as Python while it compiles (kernels/cold.py),
    where math.exp would raise OverflowError instead."""
    return math.exp(np.float64(x))


@njit(**OPTS)
def unary(op, x, out):
    """out = op(x) elementwise; transcendentals are computed in float64 and rounded to float32."""
    if op == _EXP:  # softmax's: the op tested once, not per element (as _unary1 computes it)
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                out[i, j] = _exp(x[i, j])
        return
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = _unary1(op, x[i, j])


@njit(**OPTS)
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


@njit(**OPTS)
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


@njit(**OPTS)
def reduce_sum_acc(dim, x, scale, out):
    """out += reduce(SUM, dim, x) * scale, as `reduce` into a zeroed tile, that tile times scale (float32) and the
    sum (float32) would give it, element by element (the zeros too: 0 * scale and d + 0 keep their IEEE bits)."""
    rows, cols = x.shape
    zero = np.float32(0.0)
    for i in range(rows):
        for j in range(cols):
            r = zero
            if dim == ops.ROW:
                if j == 0:
                    r = _reduce_into(ops.SUM, x, i, i + 1, 0, cols)
            elif dim == ops.COL:
                if i == 0:
                    r = _reduce_into(ops.SUM, x, 0, rows, j, j + 1)
            elif i == 0 and j == 0:
                r = _reduce_into(ops.SUM, x, 0, rows, 0, cols)
            out[i, j] = out[i, j] + r * scale


@njit(**OPTS)
def eltwise_bcast(op, dim, a, b, out):
    """out = a (op) broadcast(b), float32: dim ROW repeats b's row 0, COL its column 0, SCALAR b[0, 0] (out may be
    a)."""
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            if dim == ops.ROW:
                v = b[0, j]
            elif dim == ops.COL:
                v = b[i, 0]
            else:
                v = b[0, 0]
            if op == ops.ADD:
                out[i, j] = a[i, j] + v
            elif op == ops.SUB:
                out[i, j] = a[i, j] - v
            else:
                out[i, j] = a[i, j] * v


@njit(**OPTS)
def transpose(x, out):
    """out = x.T."""
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = x[j, i]


@njit(**OPTS)
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


@njit(**OPTS)
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


@njit(**OPTS)
def matmul_acc_faces(a, b, c, faces):
    """c += a @ b for 32x32 tiles, using only the faces of `a` whose bit is set in `faces` (others are zero).

    Each output element adds its remaining k terms in ascending order, as matmul_acc does: the same bits.
    """
    _matmul_tile(a, b, c, faces)

