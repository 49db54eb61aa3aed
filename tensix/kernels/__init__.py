"""Tile kernels in use: the numba twins (jit/) by default, the numpy spec (ref.py) if TENSIX_JIT=0.

Every kernel takes preallocated outputs and validates nothing; `impl_name` says which set is active. By default
a numba kernel not in numba's disk cache yet runs as a stand-in with the same bits and is compiled after the
run (tensix.kernels.cold), so the first run after install does not wait for the compiler; TENSIX_JIT=1
compiles every kernel at its first use instead. A cached build loads with only what machine code needs
(jit.cache.load_lightly): numba's setup for compiling is paid only when something is compiled.
"""

import os

NAMES = (
    "eltwise_bcast", "eltwise_binary", "live_faces_pages", "matmul_acc", "matmul_acc_faces", "matmul_block",
    "matmul_pairs", "pack_acc_pages", "pack_bf16", "pack_bfp4", "pack_bfp8", "pack_fp32", "pack_pages", "reduce",
    "reduce_sum_acc", "tilize_pages", "topk_softmax", "transpose", "unary", "unpack_bf16", "unpack_bfp4", "unpack_bfp8",
    "unpack_fp32", "unpack_pages", "untilize_pages", "zero_faces",
)
_MODE = os.environ.get("TENSIX_JIT", "")

if _MODE == "0":
    from tensix.kernels import ref as _impl

    globals().update({name: getattr(_impl, name) for name in NAMES})
    impl_name = "ref"
else:
    from tensix.kernels import jit as _impl
    from tensix.kernels.jit.cache import load_lightly

    for _name in NAMES:  # cached builds load without numba's compiler setup (jit/cache.py)
        load_lightly(getattr(_impl, _name))
    del _name
    if _MODE == "1":
        globals().update({name: getattr(_impl, name) for name in NAMES})
    else:
        from tensix.kernels import ref as _ref
        from tensix.kernels.cold import while_cold

        globals().update({name: while_cold(name, getattr(_impl, name), getattr(_ref, name)) for name in NAMES})
    impl_name = "jit"

__all__ = [*NAMES, "impl_name"]
