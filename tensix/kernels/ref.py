"""Plain-numpy tile kernels: the executable spec that the numba twins in jit.py must match.

Same names and signatures as jit.py; outputs are preallocated, nothing is validated. Byte layouts
of the formats are described in tensix/formats.py.
"""

from __future__ import annotations

import math

import numpy as np

from tensix.kernels import ops

_BFP8_BITS = 7  # magnitude bits, including the implicit leading one
_BFP4_BITS = 3


# --- face order -----------------------------------------------------------------------------------


def _to_faces(tiles: np.ndarray) -> np.ndarray:
    """(..., 32, 32) -> (..., 1024) face-major, row-major within each 16x16 face."""
    lead = tiles.shape[:-2]
    return np.ascontiguousarray(tiles.reshape(*lead, 2, 16, 2, 16).swapaxes(-3, -2)).reshape(*lead, 1024)


def _from_faces(flat: np.ndarray) -> np.ndarray:
    """(..., 1024) face-major -> (..., 32, 32)."""
    lead = flat.shape[:-1]
    return flat.reshape(*lead, 2, 2, 16, 16).swapaxes(-3, -2).reshape(*lead, 32, 32)


# --- fp32 / bf16 ---------------------------------------------------------------------------------


def _bf16_bits(x: np.ndarray) -> np.ndarray:
    """float32 -> bf16 bit patterns: round to nearest even; NaN -> quiet NaN of the same sign."""
    u = x.view(np.uint32).astype(np.int64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    quiet_nan = ((u >> 16) & 0x8000) | 0x7FC0
    return np.where((u & 0x7FFFFFFF) > 0x7F800000, quiet_nan, rounded).astype(np.uint16)


def _pack_fp32_n(tiles: np.ndarray, out: np.ndarray) -> None:
    out.view(np.float32)[...] = _to_faces(tiles)


def _unpack_fp32_n(src: np.ndarray, out: np.ndarray) -> None:
    out[...] = _from_faces(src.view(np.float32))


def _pack_bf16_n(tiles: np.ndarray, out: np.ndarray) -> None:
    out.view(np.uint16)[...] = _bf16_bits(_to_faces(tiles))


def _unpack_bf16_n(src: np.ndarray, out: np.ndarray) -> None:
    bits = src.view(np.uint16).astype(np.uint32) << 16
    out[...] = _from_faces(bits.view(np.float32))


# --- block float ---------------------------------------------------------------------------------


def _bfp_encode(rows: np.ndarray, mbits: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of 16 float32 -> (shared exponent per row, sign<<mbits | magnitude per value)."""
    u = rows.view(np.uint32).astype(np.int64)
    exp = (u >> 23) & 0xFF
    m24 = np.where(exp > 0, (u & 0x7FFFFF) | 0x800000, 0)  # fp32 denormals flush to zero
    shared = exp.max(axis=-1, keepdims=True)
    # Keep the top `mbits` bits of the aligned 24-bit mantissa, rounding half away from zero;
    # shifts past 40 leave nothing (and keep numpy's shift in range).
    shift = np.minimum(shared - exp + 24 - mbits, 40)
    mag = np.minimum((m24 + (np.int64(1) << (shift - 1))) >> shift, (1 << mbits) - 1)
    codes = ((u >> 31) << mbits) | mag
    return shared[..., 0].astype(np.uint8), codes.astype(np.uint8)


def _bfp_decode(shared: np.ndarray, codes: np.ndarray, mbits: int) -> np.ndarray:
    """Inverse of _bfp_encode: value = (-1)^sign * magnitude * 2^(shared - 127 - (mbits - 1))."""
    scale = np.ldexp(1.0, shared.astype(np.int64) - 127 - (mbits - 1))
    mag = (codes & ((1 << mbits) - 1)) * scale[..., None]
    with np.errstate(over="ignore"):  # shared exponent 255 (inf/NaN in the row) decodes to inf
        return np.where(codes >> mbits, -mag, mag).astype(np.float32)


def _pack_bfp_n(tiles: np.ndarray, out: np.ndarray, mbits: int) -> None:
    n = tiles.shape[0]
    shared, codes = _bfp_encode(_to_faces(tiles).reshape(n, 64, 16), mbits)
    out[:, :64] = shared
    codes = codes.reshape(n, 1024)
    out[:, 64:] = codes if mbits == _BFP8_BITS else codes[:, 0::2] | (codes[:, 1::2] << 4)


def _unpack_bfp_n(src: np.ndarray, out: np.ndarray, mbits: int) -> None:
    n = src.shape[0]
    body = src[:, 64:]
    if mbits == _BFP8_BITS:
        codes = body
    else:  # two 4-bit codes per byte, the even-indexed value in the low nibble
        codes = np.stack([body & 0x0F, body >> 4], axis=-1)
    values = _bfp_decode(src[:, :64], codes.reshape(n, 64, 16), mbits)
    out[...] = _from_faces(values.reshape(n, 1024))


def _pack_bfp8_n(tiles: np.ndarray, out: np.ndarray) -> None:
    _pack_bfp_n(tiles, out, _BFP8_BITS)


def _unpack_bfp8_n(src: np.ndarray, out: np.ndarray) -> None:
    _unpack_bfp_n(src, out, _BFP8_BITS)


def _pack_bfp4_n(tiles: np.ndarray, out: np.ndarray) -> None:
    _pack_bfp_n(tiles, out, _BFP4_BITS)


def _unpack_bfp4_n(src: np.ndarray, out: np.ndarray) -> None:
    _unpack_bfp_n(src, out, _BFP4_BITS)


_PACK_N = {ops.FP32: _pack_fp32_n, ops.BF16: _pack_bf16_n, ops.BFP8_B: _pack_bfp8_n, ops.BFP4_B: _pack_bfp4_n}
_UNPACK_N = {
    ops.FP32: _unpack_fp32_n,
    ops.BF16: _unpack_bf16_n,
    ops.BFP8_B: _unpack_bfp8_n,
    ops.BFP4_B: _unpack_bfp4_n,
}


# --- one tile: (32, 32) float32 <-> uint8 bytes --------------------------------------------------


def pack_fp32(tile: np.ndarray, out_u8: np.ndarray) -> None:
    """Store a (32, 32) float32 tile as 4096 bytes of face-major fp32."""
    _pack_fp32_n(tile[None], out_u8[None])


def unpack_fp32(src_u8: np.ndarray, out: np.ndarray) -> None:
    """Load 4096 bytes of face-major fp32 into a (32, 32) float32 tile."""
    _unpack_fp32_n(src_u8[None], out[None])


def pack_bf16(tile: np.ndarray, out_u8: np.ndarray) -> None:
    """Store a tile as 2048 bytes of face-major bf16 (round to nearest even)."""
    _pack_bf16_n(tile[None], out_u8[None])


def unpack_bf16(src_u8: np.ndarray, out: np.ndarray) -> None:
    """Load 2048 bytes of face-major bf16 into a float32 tile (exact)."""
    _unpack_bf16_n(src_u8[None], out[None])


def pack_bfp8(tile: np.ndarray, out_u8: np.ndarray) -> None:
    """Store a tile as 1088 bytes of bfp8_b: 64 shared exponents, then 1024 sign+7-bit codes."""
    _pack_bfp8_n(tile[None], out_u8[None])


def unpack_bfp8(src_u8: np.ndarray, out: np.ndarray) -> None:
    """Load 1088 bytes of bfp8_b into a float32 tile (exact)."""
    _unpack_bfp8_n(src_u8[None], out[None])


def pack_bfp4(tile: np.ndarray, out_u8: np.ndarray) -> None:
    """Store a tile as 576 bytes of bfp4_b: 64 shared exponents, then 512 bytes of 4-bit codes."""
    _pack_bfp4_n(tile[None], out_u8[None])


def unpack_bfp4(src_u8: np.ndarray, out: np.ndarray) -> None:
    """Load 576 bytes of bfp4_b into a float32 tile (exact)."""
    _unpack_bfp4_n(src_u8[None], out[None])


# --- whole tensors: padded 2-D float32 <-> pages (one tile per page, row-major tile order) ---------


def tilize_pages(a: np.ndarray, fmt: int, out_pages: np.ndarray) -> None:
    """Pack a (32*R, 32*C) float32 array into R*C pages; tile (r, c) goes to page r*C + c."""
    rows, cols = a.shape[0] // 32, a.shape[1] // 32
    tiles = a.reshape(rows, 32, cols, 32).swapaxes(1, 2).reshape(rows * cols, 32, 32)
    _PACK_N[fmt](tiles, out_pages)


def pack_pages(tiles: np.ndarray, fmt: int, out_pages: np.ndarray) -> None:
    """Pack N float32 tiles (N, 32, 32) into N pages (N, page bytes) of format code fmt."""
    _PACK_N[fmt](tiles, out_pages)


def unpack_pages(pages: np.ndarray, fmt: int, out: np.ndarray) -> None:
    """Unpack N pages (N, page bytes) of format code fmt into N float32 tiles out (N, 32, 32)."""
    _UNPACK_N[fmt](pages, out)


def pack_acc_pages(tiles: np.ndarray, fmt: int, pages: np.ndarray) -> None:
    """The packer's L1 accumulation: each page (N, page bytes) of format code fmt becomes the float32 sum of what
    it holds and its tile of tiles (N, 32, 32), packed back in fmt (fp32 exactly; bf16 rounded)."""
    held = np.empty(tiles.shape, np.float32)
    _UNPACK_N[fmt](pages, held)
    _PACK_N[fmt](held + tiles, pages)


def untilize_pages(pages: np.ndarray, fmt: int, out: np.ndarray) -> None:
    """Inverse of tilize_pages: unpack R*C pages into a (32*R, 32*C) float32 array."""
    rows, cols = out.shape[0] // 32, out.shape[1] // 32
    tiles = np.empty((rows * cols, 32, 32), np.float32)
    _UNPACK_N[fmt](pages, tiles)
    out[...] = tiles.reshape(rows, cols, 32, 32).swapaxes(1, 2).reshape(rows * 32, cols * 32)


# --- tile math -----------------------------------------------------------------------------------


def matmul_acc(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
    """c += a @ b, float32, in the jit kernels' numeric scheme: c[i, j] += a[i, k] * b[k, j] for k ascending,
    each product and each sum rounded to float32 (so dense and face-skipping runs agree bit for bit here too)."""
    for k in range(a.shape[1]):
        c += np.multiply.outer(a[:, k], b[k])


def matmul_block(a: np.ndarray, b: np.ndarray, dst: np.ndarray, ia: int, ib: int, idst: int, ct: int, rt: int,
                 kt: int) -> None:
    """dst[idst + i*ct + j] += a[ia + i*kt] @ b[ib + j] for i < rt, j < ct (tiles; one k step of a block)."""
    for i in range(rt):
        for j in range(ct):
            matmul_acc(a[ia + i * kt], b[ib + j], dst[idst + i * ct + j])


def matmul_steps(a: np.ndarray, b: np.ndarray, dst: np.ndarray, ia: int, ib: int, idst: int, ct: int, rt: int,
                 kt: int, kc: int, bstride: int) -> None:
    """matmul_block for k steps kk < kc: A tiles from ia + kk, B tiles from ib + kk * bstride."""
    for kk in range(kc):
        matmul_block(a, b, dst, ia + kk, ib + kk * bstride, idst, ct, rt, kt)


def matmul_pairs(a: np.ndarray, b: np.ndarray, dst: np.ndarray, triples: np.ndarray) -> None:
    """dst[d] += a[i] @ b[j] for each row (i, j, d) of triples, in order (queued matmul_tiles calls)."""
    for i, j, d in triples:
        matmul_acc(a[i], b[j], dst[d])


def eltwise_binary(op: int, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out = a (op) b elementwise, float32; op is ops.ADD, SUB or MUL."""
    if op == ops.ADD:
        np.add(a, b, out=out)
    elif op == ops.SUB:
        np.subtract(a, b, out=out)
    else:
        np.multiply(a, b, out=out)


def binary_pages(op: int, a_u8: np.ndarray, fa: int, b_u8: np.ndarray, fb: int, out: np.ndarray) -> None:
    """out = page a (format code fa) (op) page b (fb), both unpacked."""
    a = np.empty((32, 32), np.float32)
    _UNPACK_N[fa](a_u8[None], a[None])
    _UNPACK_N[fb](b_u8[None], out[None])
    eltwise_binary(op, a, out, out)


def binary_dst_page(op: int, d: np.ndarray, page_u8: np.ndarray, fmt: int, rnd: int, swap: bool,
                    scratch_u8: np.ndarray) -> None:
    """d = d (op) the page unpacked (format fmt), or the page (op) d when swap; d first rounded to format code rnd
    (packed to scratch_u8 and unpacked back) unless rnd < 0."""
    if rnd >= 0:
        _PACK_N[rnd](d[None], scratch_u8[None])
        _UNPACK_N[rnd](scratch_u8[None], d[None])
    t = np.empty((32, 32), np.float32)
    _UNPACK_N[fmt](page_u8[None], t[None])
    eltwise_binary(op, t, d, d) if swap else eltwise_binary(op, d, t, d)


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _unary64(op: int, x: np.ndarray) -> np.ndarray:
    """The transcendental ops, evaluated in float64 (cast to float32 by the caller)."""
    d = x.astype(np.float64)
    if op == ops.GELU:
        return 0.5 * d * (1.0 + _erf(d / math.sqrt(2.0)))
    if op == ops.GELU_TANH:
        # 0.5 d (1 + tanh u) written as d * sigmoid(2u): the tanh form cancels badly for d << 0
        return d / (1.0 + np.exp(-2.0 * math.sqrt(2.0 / math.pi) * (d + 0.044715 * d**3)))
    if op == ops.SILU:
        return d / (1.0 + np.exp(-d))
    if op == ops.EXP:
        return np.exp(d)
    if op == ops.SQRT:
        return np.sqrt(d)
    if op == ops.RSQRT:
        return 1.0 / np.sqrt(d)
    if op == ops.TANH:
        return np.tanh(d)
    return 1.0 / (1.0 + np.exp(-d))  # SIGMOID


def unary(op: int, x: np.ndarray, out: np.ndarray) -> None:
    """out = op(x) elementwise; transcendentals are computed in float64 and rounded to float32."""
    with np.errstate(all="ignore"):  # the device yields inf/NaN silently
        if op == ops.RELU:
            out[...] = np.where((x > 0) | np.isnan(x), x, np.float32(0))
        elif op == ops.RECIP:
            np.divide(np.float32(1), x, out=out)
        elif op == ops.NEG:
            np.negative(x, out=out)
        elif op == ops.SQUARE:
            np.multiply(x, x, out=out)
        elif op == ops.IDENTITY:
            out[...] = x
        elif op == ops.TRUNC:  # as a cast to int32 (x86): out of range and NaN become -2^31
            out[...] = np.where(np.abs(x) < np.float32(2.0**31), np.trunc(x), np.float32(-2.0**31))
        else:
            out[...] = _unary64(op, x).astype(np.float32)


def reduce(op: int, dim: int, x: np.ndarray, out: np.ndarray) -> None:
    """Reduce x along ROW (-> column 0), COL (-> row 0) or SCALAR (-> [0, 0]); rest of out is 0.

    SUM accumulates in float64 and rounds once to float32; MAX propagates NaN.
    """
    axis = {ops.ROW: 1, ops.COL: 0, ops.SCALAR: None}[dim]
    if op == ops.SUM:
        r = x.astype(np.float64).sum(axis=axis).astype(np.float32)
    else:
        r = x.max(axis=axis)
    out[...] = 0
    if dim == ops.ROW:
        out[:, 0] = r
    elif dim == ops.COL:
        out[0, :] = r
    else:
        out[0, 0] = r


def reduce_sum_acc(dim: int, x: np.ndarray, scale: np.float32, out: np.ndarray) -> None:
    """out += reduce(SUM, dim, x) * scale: the reduced tile (zeros but its results) times scale, then added, each in
    float32."""
    tmp = np.empty_like(out)
    reduce(ops.SUM, dim, x, tmp)
    np.multiply(tmp, scale, out=tmp)
    out += tmp


def eltwise_bcast(op: int, dim: int, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out = a (op) broadcast(b): dim ROW repeats b's row 0, COL its column 0, SCALAR b[0, 0] (out may be a)."""
    v = b[0:1, :] if dim == ops.ROW else b[:, 0:1] if dim == ops.COL else b[0:1, 0:1]
    eltwise_binary(op, a, v, out)


def transpose(x: np.ndarray, out: np.ndarray) -> None:
    """out = x.T."""
    out[...] = x.T


def topk_softmax(x: np.ndarray, k: int, width: int, out: np.ndarray) -> None:
    """Per row: softmax over the k largest of x[:, :width] (ties: lower column first), 0 elsewhere.

    The mixture-of-experts gate: columns past `width` (tile padding) are never chosen.
    """
    out[...] = 0
    for r in range(x.shape[0]):
        row = x[r, :width].astype(np.float64)
        chosen = np.argsort(-row, kind="stable")[:k]
        e = np.exp(row[chosen] - row[chosen].max())
        out[r, chosen] = (e / e.sum()).astype(np.float32)


def zero_faces(tile: np.ndarray) -> tuple[int, int]:
    """(bit f set when 16x16 face f of the tile has a nonzero, number of exactly-zero elements)."""
    nonzero = tile.reshape(2, 16, 2, 16).swapaxes(1, 2).reshape(4, 256) != 0
    bits = sum(1 << f for f in range(4) if nonzero[f].any())
    return bits, int(tile.size - np.count_nonzero(tile))


def live_faces_pages(pages: np.ndarray, fmt: int, out: np.ndarray) -> None:
    """out[p]: bit f set when face f of stored tile p holds a nonzero value (+0.0 and -0.0 are zero)."""
    n = pages.shape[0]
    if fmt in (ops.FP32, ops.BF16):
        kind, mask = (np.uint32, 0x7FFFFFFF) if fmt == ops.FP32 else (np.uint16, 0x7FFF)
        nonzero = (pages.view(kind) & kind(mask)).reshape(n, 4, 256).any(axis=2)
    else:  # block floats: magnitudes follow the 64 shared-exponent bytes, face by face
        magnitudes = pages[:, 64:].reshape(n, 4, -1) & np.uint8(0x7F if fmt == ops.BFP8_B else 0x77)
        nonzero = magnitudes.any(axis=2)
    out[:] = (nonzero.astype(np.uint8) << np.arange(4, dtype=np.uint8)).sum(axis=1, dtype=np.uint8)


def matmul_faces_step(a: np.ndarray, b: np.ndarray, dst: np.ndarray, kc: int, ct: int, faces: np.ndarray,
                      zeros: np.ndarray) -> None:
    """One k step with zero skipping: for kk < kc in order, faces[kk], zeros[kk] = zero_faces(a[kk]), then
    dst[j] += a[kk] @ b[kk * ct + j] over its live faces (matmul_acc_faces) for j < ct."""
    for kk in range(kc):
        faces[kk], zeros[kk] = zero_faces(a[kk])
        if faces[kk]:
            for j in range(ct):
                matmul_acc_faces(a[kk], b[kk * ct + j], dst[j], int(faces[kk]))


def matmul_acc_faces(a: np.ndarray, b: np.ndarray, c: np.ndarray, faces: int) -> None:
    """c += a @ b for 32x32 tiles, using only the faces of `a` whose bit is set in `faces` (others are zero);
    the k terms in ascending order, as matmul_acc."""
    for k in range(32):
        for half in range(2):
            if faces >> (2 * half + k // 16) & 1:
                rows = slice(16 * half, 16 * half + 16)
                c[rows] += np.multiply.outer(a[rows, k], b[k])
