"""Tile kernels in use: the numba twins (jit/) by default, the numpy spec (ref.py) if TENSIX_JIT=0.

Every kernel takes preallocated outputs and validates nothing; `impl_name` says which set is active. A kernel is
set up at its first use (`tensix.kernels.NAME` is looked up then), so a process loads only the kernels it runs. By
default a numba kernel's cached builds load at its first call (jit.cache.load_at_first_call), with only what machine
code needs
(jit.cache.load_lightly: numba's setup for compiling is paid only when something is compiled); a kernel not in
numba's disk cache yet runs as a stand-in with the same bits and is compiled after the run (tensix.kernels.cold),
so the first run after install does not wait for the compiler. TENSIX_JIT=1 compiles every kernel at its first use
instead.
"""

import os

NAMES = (
    "binary_dst_page", "binary_pages", "eltwise_bcast", "eltwise_binary", "live_faces_pages", "matmul_acc",
    "matmul_acc_faces", "matmul_block", "matmul_faces_step", "matmul_pairs", "matmul_steps", "pack_acc_pages",
    "pack_bf16", "pack_bfp4", "pack_bfp8", "pack_fp32", "pack_pages", "reduce", "reduce_sum_acc", "tilize_pages",
    "topk_softmax", "transpose", "unary", "unpack_bf16", "unpack_bfp4", "unpack_bfp8", "unpack_fp32", "unpack_pages",
    "untilize_pages", "zero_faces",
)
_MODE = os.environ.get("TENSIX_JIT", "")
impl_name = "ref" if _MODE == "0" else "jit"


def __getattr__(name: str):
    """The kernel `name`, set up at its first use and then a plain attribute of this module (PEP 562)."""
    if name not in NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    kernel = globals()[name] = _set_up(name)
    return kernel


def _set_up(name: str):
    if _MODE == "0":
        from tensix.kernels import ref

        return getattr(ref, name)
    from tensix.kernels import jit
    from tensix.kernels.jit.cache import load_lightly

    fast = getattr(jit, name)
    load_lightly(fast)  # cached builds load without numba's compiler setup (jit/cache.py)
    if _MODE == "1":
        return fast
    from tensix.kernels import ref
    from tensix.kernels.cold import while_cold

    return while_cold(name, fast, getattr(ref, name))


def __dir__() -> list[str]:
    return sorted({*globals(), *NAMES})


__all__ = [*NAMES, "impl_name"]
