"""Numba kernels: fast twins of tensix/kernels/ref.py (same names, signatures and results), the only code in
the project that imports numba: formats (pack, unpack, tilize, live faces) and tile_math. Outputs are
preallocated, nothing is validated (startup: what numba loads with the first kernel, made cheaper).
"""

from tensix.kernels.jit import startup  # noqa: F401  (before numba loads its first kernel)
from tensix.kernels.jit.formats import (
    live_faces_pages,
    pack_acc_pages,
    pack_bf16,
    pack_bfp4,
    pack_bfp8,
    pack_fp32,
    pack_pages,
    tilize_pages,
    unpack_bf16,
    unpack_bfp4,
    unpack_bfp8,
    unpack_fp32,
    unpack_pages,
    untilize_pages,
)
from tensix.kernels.jit.tile_math import (
    _matmul_tile,
    binary_dst_page,
    binary_pages,
    eltwise_bcast,
    eltwise_binary,
    matmul_acc,
    matmul_acc_faces,
    matmul_block,
    matmul_faces_step,
    matmul_pairs,
    matmul_steps,
    reduce,
    reduce_sum_acc,
    topk_softmax,
    transpose,
    unary,
    zero_faces,
)

__all__ = [
    "_matmul_tile", "binary_dst_page", "binary_pages", "eltwise_bcast", "eltwise_binary", "live_faces_pages",
    "matmul_acc", "matmul_acc_faces", "matmul_block", "matmul_faces_step", "matmul_pairs", "matmul_steps",
    "pack_acc_pages", "pack_bf16", "pack_bfp4", "pack_bfp8", "pack_fp32", "pack_pages", "reduce", "reduce_sum_acc",
    "tilize_pages", "topk_softmax", "transpose", "unary", "unpack_bf16", "unpack_bfp4", "unpack_bfp8", "unpack_fp32",
    "unpack_pages", "untilize_pages", "zero_faces",
]
