"""Cold numba kernels (tensix.kernels.cold): the stand-in gives the compiled kernel's bits and records the
signature it needed; compiling those fills numba's disk cache, after which the dispatcher itself is used."""

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tensix.kernels import cold, jit, ops, ref
from tensix.kernels.jit import cache


def _calls(rng: np.random.Generator) -> dict[str, tuple]:
    """One call per kernel kind: arguments (outputs preallocated) for a stand-in and for the jit kernel."""
    x = (rng.standard_normal((32, 32)) * 4).astype(np.float32)
    x[0, :3] = [0.0, -0.0, np.nan]
    y = rng.standard_normal((32, 32)).astype(np.float32)
    pages = np.empty((2, 1088), np.uint8)
    ref.tilize_pages(np.concatenate([x, y], axis=1), ops.BFP8_B, pages)
    return {
        "unary": lambda out: (ops.GELU_TANH, x, out),  # a transcendental: runs the kernel's own source
        "reduce": lambda out: (ops.SUM, ops.ROW, x, out),
        "eltwise_binary": lambda out: (ops.MUL, x, y, out),
        "transpose": lambda out: (x, out),
        "matmul_acc": lambda out: (x, y, out),
        "unpack_bfp8": lambda out: (pages[1], out),
    }


@pytest.mark.parametrize("name", ["unary", "reduce", "eltwise_binary", "transpose", "matmul_acc", "unpack_bfp8"])
def test_a_cold_kernels_stand_in_gives_the_compiled_bits_and_records_its_signature(monkeypatch, name):
    monkeypatch.setattr(cache, "cached_signatures", lambda fn: [])
    monkeypatch.setattr(cold, "_PENDING", {"other": set()})  # registers no exit hook
    stand_in = cold.while_cold(name, getattr(jit, name), getattr(ref, name))
    assert stand_in is not getattr(jit, name) and stand_in.__name__ == name
    args = _calls(np.random.default_rng(4))[name]
    got, want = np.full((32, 32), 3.0, np.float32), np.full((32, 32), 3.0, np.float32)
    stand_in(*args(got))
    getattr(jit, name)(*args(want))
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))
    (sig,) = cold._PENDING[name]
    assert len(sig) == len(args(got)) and str(sig[-1]) == "array(float32, 2d, C)"


def test_a_stand_in_that_ran_long_enough_hands_over_to_the_compiled_kernel(monkeypatch):
    monkeypatch.setattr(cache, "cached_signatures", lambda fn: [])
    monkeypatch.setattr(cold, "_PENDING", {"other": set()})
    monkeypatch.setattr(cold, "STAND_IN_SECONDS", 0.0)
    calls = []
    stand_in = cold.while_cold("transpose", jit.transpose, lambda x, out: calls.append(1) or ref.transpose(x, out))
    x, out = np.arange(1024, dtype=np.float32).reshape(32, 32), np.empty((32, 32), np.float32)
    stand_in(x, out)  # the first call runs the twin ...
    stand_in(x + 1, out)  # ... the second, past the budget, the compiled kernel
    assert calls == [1] and np.array_equal(out, (x + 1).T)


def test_a_cached_kernel_is_the_dispatcher_itself(monkeypatch):
    monkeypatch.setattr(cache, "cached_signatures", lambda fn: ["a signature"])
    monkeypatch.setattr(cache, "load_at_first_call", lambda fn, sigs: calls.append(sigs))
    calls = []
    assert cold.while_cold("transpose", jit.transpose, ref.transpose) is jit.transpose
    assert calls == [["a signature"]]


@pytest.mark.slow
def test_a_cold_cache_runs_stand_ins_and_is_compiled_in_the_background_for_the_next_process(tmp_path):
    code = ("import numpy as np, tensix.kernels as k; x = np.ones((32, 32), np.float32); k.transpose(x, x.copy()); "
            "print(hasattr(k.transpose, 'py_func'))")
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(root)}
    env.pop("TENSIX_JIT", None)

    def run() -> str:
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                              check=True).stdout.strip()

    assert run() == "False"  # cold: the numpy twin ran
    deadline = time.monotonic() + 240
    while not list(tmp_path.rglob("tile_math.transpose-*.nbi")) and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(2)  # the index is written before the build beside it is renamed into place
    assert run() == "True"  # compiled in the background at exit: now the numba kernel


def test_a_cached_kernel_loads_without_numbas_compiler_setup_and_gives_the_same_bits(tmp_path):
    """A process that finds the kernel in the disk cache loads it without importing numba's implementations (the
    setup only compiling needs) and without compiling NRT's functions (their machine code, kept by the process that
    compiled them, loads) and gets the bits the process that compiled it got; new jitted code that calls the loaded
    kernel still links it and NRT (their bitcode, not parsed at load, is parsed then)."""
    code = ("import sys, numpy as np, numba, tensix.kernels as k; from tensix.kernels import jit; "
            "import numba.core.runtime.nrtdynmod as m; made = []; real = m.create_nrt_module; "
            "m.create_nrt_module = lambda ctx: made.append(1) or real(ctx); "
            "x = np.arange(1024, dtype=np.float32).reshape(32, 32) * np.float32(0.1); out = np.empty_like(x); "
            "k.transpose(x, out); light = 'numba.typed.dictimpl' not in sys.modules; "
            "caller = numba.njit(lambda a, o: jit.transpose(a, o)); again = np.empty_like(x); caller(x, again); "
            "print(out.tobytes().hex()[:64], again.tobytes() == out.tobytes(), "
            "sum(k.transpose.stats.cache_hits.values()), light, len(made))")
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(root), "TENSIX_JIT": "1"}

    def run() -> list[str]:
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                              check=True).stdout.split()

    compiled = run()  # cold: compiled at first use (numba's full setup) and written to the cache
    loaded = run()
    want = np.ascontiguousarray((np.arange(1024, dtype=np.float32).reshape(32, 32) * np.float32(0.1)).T)
    assert compiled == [want.tobytes().hex()[:64], "True", "0", "False", "1"]  # NRT compiled, and kept
    assert len(list(tmp_path.rglob("nrt-*.bin"))) == 1
    assert loaded == [want.tobytes().hex()[:64], "True", "1", "True", "0"]  # NRT's machine code loaded


def test_a_process_loads_only_the_kernels_it_runs_and_loads_their_builds_by_signature(tmp_path):
    """tensix.kernels sets a kernel up at its first use and loads its cached builds at its first call: a process
    that runs transpose loads transpose's build and no other kernel's; the build loads by the signature the cache's
    index names, so the call finds it without numba's compile path (which scans installed packages for numba
    extensions)."""
    code = ("import numpy as np, tensix.kernels as k, numba.core.entrypoints as ep; from tensix.kernels import jit; "
            "x = np.arange(1024, dtype=np.float32).reshape(32, 32); out = np.empty_like(x); k.transpose(x, out); "
            "print([n for n in k.NAMES if getattr(jit, n).overloads], k.transpose is jit.transpose, "
            "sum(k.transpose.stats.cache_hits.values()), '_compile_for_args' in vars(k.transpose), "
            "ep._already_initialized, "
            "bool((out == x.T).all()))")
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(root)}

    def run(**more) -> str:
        return subprocess.run([sys.executable, "-c", code], env=env | more, capture_output=True, text=True,
                              check=True).stdout.strip()

    assert run(TENSIX_JIT="1") == "['transpose'] True 0 False True True"  # compiled at first use, into the cache
    env.pop("TENSIX_JIT", None)
    assert run() == "['transpose'] True 1 False False True"  # loaded from the cache by signature, before the call
