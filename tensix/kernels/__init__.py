"""Tile kernels in use: the numba twins (jit.py) by default, the numpy spec (ref.py) if TENSIX_JIT=0.

Every kernel takes preallocated outputs and validates nothing; `impl_name` says which set is active.
"""

import os

if os.environ.get("TENSIX_JIT", "1") == "0":
    from tensix.kernels.ref import (
        eltwise_binary,
        live_faces_pages,
        matmul_acc,
        matmul_acc_faces,
        matmul_block,
        matmul_pairs,
        pack_bf16,
        pack_bfp4,
        pack_bfp8,
        pack_fp32,
        reduce,
        tilize_pages,
        topk_softmax,
        transpose,
        unary,
        unpack_bf16,
        unpack_bfp4,
        unpack_bfp8,
        unpack_fp32,
        unpack_pages,
        untilize_pages,
        zero_faces,
    )

    impl_name = "ref"
else:
    from tensix.kernels.jit import (
        eltwise_binary,
        live_faces_pages,
        matmul_acc,
        matmul_acc_faces,
        matmul_block,
        matmul_pairs,
        pack_bf16,
        pack_bfp4,
        pack_bfp8,
        pack_fp32,
        reduce,
        tilize_pages,
        topk_softmax,
        transpose,
        unary,
        unpack_bf16,
        unpack_bfp4,
        unpack_bfp8,
        unpack_fp32,
        unpack_pages,
        untilize_pages,
        zero_faces,
    )

    impl_name = "jit"

__all__ = [
    "eltwise_binary",
    "impl_name",
    "live_faces_pages",
    "matmul_acc",
    "matmul_acc_faces",
    "matmul_block",
    "matmul_pairs",
    "pack_bf16",
    "pack_bfp4",
    "pack_bfp8",
    "pack_fp32",
    "reduce",
    "tilize_pages",
    "topk_softmax",
    "transpose",
    "unary",
    "unpack_bf16",
    "unpack_bfp4",
    "unpack_bfp8",
    "unpack_fp32",
    "unpack_pages",
    "untilize_pages",
    "zero_faces",
]
