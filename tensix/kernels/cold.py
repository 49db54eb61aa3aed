"""Numba kernels not in numba's disk cache yet: run a stand-in with the same bits now, compile after the run.

Compiling a numba kernel at first use costs seconds (the first run after install spent ~50 s on it, the second
~1 s). A cold kernel instead runs as a stand-in that gives the same bits: its numpy twin in ref.py where the
twin is exact (formats, matmuls, elementwise, transpose, zero checks), else the kernel's own Python source
(`py_func`). The calls record the numba signatures they needed; at exit one background process compiles those
into the disk cache (`python -m tensix.kernels.cold FILE`), so the next process runs them compiled. A run long
enough to spend STAND_IN_SECONDS in one stand-in compiles that kernel there and then, as TENSIX_JIT=1 would.
"""

from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np

# ref.py twins that give the jit kernel's bits exactly (integer format codes; float32 products and sums in the
# jit kernels' order); the others (transcendentals, float64 sums) run the kernel's own source instead
EXACT_TWINS = frozenset({
    "binary_dst_page", "binary_pages", "eltwise_bcast", "eltwise_binary", "live_faces_pages", "matmul_acc",
    "matmul_acc_faces", "matmul_block", "matmul_faces_step", "matmul_pairs", "matmul_steps", "pack_bf16", "pack_bfp4",
    "pack_bfp8", "pack_fp32", "pack_pages", "tilize_pages", "transpose", "unpack_bf16", "unpack_bfp4", "unpack_bfp8",
    "unpack_fp32", "unpack_pages", "untilize_pages", "zero_faces",
})
STAND_IN_SECONDS = 3.0  # about what compiling one of the larger kernels takes
_PENDING: dict[str, set] = {}  # kernel name -> numba signatures (tuples of argument types) its calls needed


def while_cold(name: str, fast, twin: Callable) -> Callable:
    """`fast` (a numba dispatcher) if it is cached (its builds load at its first call); otherwise a stand-in with
    its bits that records signatures."""
    from tensix.kernels.jit.cache import cached_signatures, load_at_first_call, signature

    sigs = cached_signatures(fast)
    if sigs:
        load_at_first_call(fast, sigs)
        return fast
    stand_in = twin if name in EXACT_TWINS else fast.py_func
    needed = _PENDING.setdefault(name, set())
    if len(_PENDING) == 1:
        atexit.register(_compile_later)

    spent = [0.0]  # seconds in the stand-in: past STAND_IN_SECONDS compiling now costs less than going on

    def call(*args):
        if spent[0] > STAND_IN_SECONDS:
            return fast(*args)
        needed.add(signature(args))
        start = time.perf_counter()
        with np.errstate(all="ignore"):  # as compiled: overflow to inf and NaN without a warning
            out = stand_in(*args)
        spent[0] += time.perf_counter() - start
        return out

    call.__name__ = call.__qualname__ = name
    call.__doc__ = fast.__doc__
    return call


def _compile_later() -> None:
    """At exit: hand the recorded signatures to one detached process that compiles them into the disk cache."""
    todo = {name: sigs for name, sigs in _PENDING.items() if sigs}
    if not todo:
        return
    fd, path = tempfile.mkstemp(prefix="tensix-jit-", suffix=".pickle")
    with os.fdopen(fd, "wb") as f:
        pickle.dump(todo, f)
    subprocess.Popen([sys.executable, "-m", "tensix.kernels.cold", path], stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                     env={**os.environ, "TENSIX_JIT": "1"})


def compile_into_cache(todo: dict[str, set]) -> None:
    """Compile each kernel for each signature; numba writes every build to its disk cache."""
    from tensix.kernels import jit

    for name, sigs in sorted(todo.items()):
        for sig in sigs:
            getattr(jit, name).compile(sig)


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as f:
        pending = pickle.load(f)
    os.unlink(sys.argv[1])
    compile_into_cache(pending)
