"""Emulator speed benchmarks: functional work (elementwise, compiled matmul, row ops) against numpy on the same
data, and the costs around a run (`tensix run` against `Mesh.run` alone; a fresh process's first run).

Each yields one row with `emulator_s`, `baseline_s` and `ratio` (emulator / baseline), medians of runs taken
in turn with their baseline (a shared machine's speed drifts).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import numpy as np

from tensix.lang.compiler import compile_file, compile_source
from tensix.lang.driver import device_feed, make_inputs, run_file
from tensix.lang.params import materialize
from tensix.mesh import Mesh
from tensix.tools.gpt2 import gpt2_source
from tensix.tools.measure import alternating_medians

ELTWISE = """\
input a: bf16[2048, 2048]
input b: bf16[2048, 2048]
input c: bf16[2048, 2048]
output y = a * b + c
"""

MATMUL = """\
input a: bf16[1024, 1024]
param w: bf16[1024, 1024] = random(seed=1, std=0.03)
output y = a @ w
"""

ROWS = """\
input x: bf16[2048, 2048]
param g: bf16[2048] = random(seed=1, std=1.0)
param b: bf16[2048] = random(seed=2, std=1.0)
output s = softmax(x)
output n = layernorm(x, g, b)
"""


def _device_vs_numpy(name: str, source: str, numpy_fn, repeat: int) -> dict:
    """Mesh.run of the compiled source on random inputs against numpy_fn(inputs, params) in float32."""

    compiled = compile_source(source, f"{name}.tdf", "wormhole_n150")
    inputs = make_inputs(compiled.graph, 0)
    params = materialize(compiled.graph)
    feed = device_feed(compiled, inputs, params)
    mesh = Mesh(compiled.device)
    (emu_s, result), (base_s, _) = alternating_medians(
        [lambda: mesh.run(compiled.program, feed), lambda: numpy_fn(inputs, params)], repeat, settle=frozenset({1}))
    return {"name": name, "emulator_s": emu_s, "baseline_s": base_s, "ratio": emu_s / base_s,
            "cycles": result.cycles, "transfers": len(result.trace.transfers)}


def _softmax_layernorm(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    s = e / e.sum(axis=-1, keepdims=True)
    c = x - x.mean(axis=-1, keepdims=True)
    n = c / np.sqrt((c * c).mean(axis=-1, keepdims=True) + np.float32(1e-5)) * g + b
    return s, n


def bench_eltwise_2048(repeat: int) -> Iterator[dict]:
    """y = a * b + c over 2048x2048 bf16 on the default grid, Mesh.run only; baseline numpy in float32."""
    yield _device_vs_numpy("eltwise_2048", ELTWISE, lambda i, p: i["a"] * i["b"] + i["c"], repeat)


def bench_matmul_1024_compiled(repeat: int) -> Iterator[dict]:
    """The compiled y = a @ w, 1024^3 bf16, Mesh.run only; baseline numpy a @ w in float32."""
    yield _device_vs_numpy("matmul_1024_compiled", MATMUL, lambda i, p: i["a"] @ p["w"], repeat)


def bench_softmax_layernorm_2048(repeat: int) -> Iterator[dict]:
    """A fused softmax and a fused layernorm over the rows of one 2048x2048 bf16 x, Mesh.run only; baseline
    the same two in numpy, float32."""
    yield _device_vs_numpy("softmax_layernorm_2048", ROWS,
                           lambda i, p: _softmax_layernorm(i["x"], p["g"], p["b"]), repeat)


def bench_run_overhead(repeat: int) -> Iterator[dict]:
    """`tensix run` of a GPT-2 block (compile, inputs, params, reference check, run, save; no pictures) against
    Mesh.run of the same program and feed alone."""

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gpt2_block.tdf"
        path.write_text(gpt2_source(1))
        compiled = compile_file(str(path), zero_skip=True)  # as `tensix run` compiles and runs it
        feed = device_feed(compiled, make_inputs(compiled.graph, 0), materialize(compiled.graph))
        mesh = Mesh(compiled.device, zero_skip=True)
        (run_s, _), (mesh_s, _) = alternating_medians(
            [lambda: run_file(str(path), out=str(Path(tmp) / "run")), lambda: mesh.run(compiled.program, feed)],
            max(1, repeat // 2))
    yield {"name": "run_overhead", "emulator_s": run_s, "baseline_s": mesh_s, "ratio": run_s / mesh_s}


_FIRST_RUN = """\
import json, sys, tempfile, time
t0 = time.perf_counter()
from tensix.lang.driver import run_default
with tempfile.TemporaryDirectory() as tmp:
    t1 = time.perf_counter(); run_default(out=tmp + "/a"); t2 = time.perf_counter()
    run_default(out=tmp + "/b"); t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "first_s": t2 - t1, "second_s": t3 - t2}))
"""


def bench_first_run(repeat: int) -> Iterator[dict]:
    """A fresh process's first `tensix run` of the default example (no pictures) against its second: what a
    user waits for beyond a warm run. The Numba disk cache is the one the install uses."""
    rows = [json.loads(subprocess.run([sys.executable, "-c", _FIRST_RUN], capture_output=True, text=True,
                                      check=True, env=os.environ.copy()).stdout.splitlines()[-1])
            for _ in range(max(1, repeat // 2))]
    first = float(np.median([r["first_s"] for r in rows]))
    second = float(np.median([r["second_s"] for r in rows]))
    yield {"name": "first_run", "emulator_s": first, "baseline_s": second, "ratio": first / second,
           "import_s": float(np.median([r["import_s"] for r in rows])), "example": _default_example()}


def _default_example() -> str:
    from tensix.lang.driver import DEFAULT_EXAMPLE

    return str(resources.files("tensix.examples") / DEFAULT_EXAMPLE).rsplit("/", 1)[-1]


SPEED = {
    "eltwise_2048": bench_eltwise_2048,
    "matmul_1024_compiled": bench_matmul_1024_compiled,
    "softmax_layernorm_2048": bench_softmax_layernorm_2048,
    "run_overhead": bench_run_overhead,
    "first_run": bench_first_run,
}
