"""Benchmarks: emulator wall time against a baseline measured in the same run; medians of `repeat` runs.

`tensix bench --json` prints one JSON object per benchmark line. Every benchmark warms up once (numba's
compiled-kernel cache, route caches) before it is measured. Each line says whether the run-time core ran
compiled (`compiled`, tensix/compiled.py), since its figures depend on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import numpy as np

from tensix.compiled import ACTIVE as COMPILED
from tensix.errors import TensixError
from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs
from tensix.lang.params import materialize
from tensix.lang.reference import evaluate
from tensix.mesh import Mesh
from tensix.programs.exchange import exchange_program
from tensix.programs.matmul import matmul_program
from tensix.tools.bench_dm import bench_dm_calibration
from tensix.tools.bench_matmul import bench_gemm_heldout
from tensix.tools.bench_models import bench_minilm_embed, bench_smollm2_decode
from tensix.tools.bench_sparse import bench_gather_crossover, bench_moe_top2, bench_sparse_down_proj, bench_sparse_mlp
from tensix.tools.bench_speed import SPEED
from tensix.tools.bench_timing_only import bench_timing_only_16384, bench_timing_only_decoder_4k
from tensix.tools.gpt2 import gpt2_source
from tensix.tools.measure import median_seconds
from tensix.tools.metal_examples import bench_metal_examples


def bench_matmul_1024_tile(repeat: int) -> Iterator[dict]:
    """C = A @ B, 1024^3 bf16 over the 8x8 Wormhole grid, tile by tile, timing on; baseline numpy A @ B (fp32)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((1024, 1024), dtype=np.float32)
    b = rng.standard_normal((1024, 1024), dtype=np.float32)
    program = matmul_program(1024, 1024, 1024, grid=(8, 8))
    mesh = Mesh("wormhole_n150")
    emu_s, result = median_seconds(lambda: mesh.run(program, {"A": a, "B": b}), repeat)
    base_s, _ = median_seconds(lambda: a @ b, max(repeat, 5))
    yield {"name": "matmul_1024_tile", "emulator_s": emu_s, "baseline_s": base_s, "ratio": emu_s / base_s,
           "cycles": result.cycles, "transfers": len(result.trace.transfers), "tile_matmuls": 32 ** 3}


def bench_noc_transfers(repeat: int) -> Iterator[dict]:
    """Every core of 8x8 writes on NoC 0 and reads on NoC 1 at once; baseline: numpy copying the same bytes."""
    program = exchange_program((8, 8), tiles=16, rounds=8, shift=(3, 2))
    mesh = Mesh("wormhole_n150")
    emu_s, result = median_seconds(lambda: mesh.run(program), repeat)
    n = len(result.trace.transfers)
    nbytes = sum(t.nbytes for t in result.trace.transfers)
    src = np.zeros(nbytes, dtype=np.uint8)
    dst = np.empty_like(src)
    chunks = [(t.nbytes) for t in result.trace.transfers]

    def copy_all() -> None:
        pos = 0
        for size in chunks:
            dst[pos:pos + size] = src[pos:pos + size]
            pos += size

    base_s, _ = median_seconds(copy_all, repeat)
    busiest = max(result.stats.links, key=lambda lk: lk.busy_cycles)
    yield {"name": "noc_transfers", "emulator_s": emu_s, "baseline_s": base_s, "ratio": emu_s / base_s,
           "transfers": n, "transfers_per_s": n / emu_s, "cycles": result.cycles,
           "busiest_link_utilization": busiest.busy_cycles / result.cycles}


def bench_compile_gpt2_12layer(repeat: int) -> Iterator[dict]:
    """Parse + every pass for 12-layer GPT-2-small (seq 128) onto wormhole_n150; baseline: the same model's
    forward pass in plain numpy (the language's reference semantics)."""
    source = gpt2_source(12)
    compile_s, compiled = median_seconds(lambda: compile_source(source, "gpt2_12layer.tdf", "wormhole_n150"), repeat)
    inputs = make_inputs(compiled.graph, 0)
    params = materialize(compiled.graph)
    base_s, _ = median_seconds(lambda: evaluate(compiled.graph, inputs, params, stored=False), max(1, repeat // 2))
    yield {"name": "compile_gpt2_12layer", "emulator_s": compile_s, "baseline_s": base_s, "ratio": compile_s / base_s,
           "compile_s": compile_s, "ops": len(compiled.graph.nodes), "device_ops": len(compiled.lowered.nodes),
           "kernels": len(compiled.program.kernels)}


def bench_run_gpt2_block(repeat: int) -> Iterator[dict]:
    """One GPT-2-small block (d=768, 12 heads, seq 128) on the emulator with timing, against the same block in
    plain numpy; also reports the error against that numpy result."""
    compiled = compile_source(gpt2_source(1), "gpt2_block.tdf", "wormhole_n150")
    inputs = make_inputs(compiled.graph, 0)
    params = materialize(compiled.graph)
    feed = {k: np.asarray(v, dtype=np.float32) for k, v in inputs.items()} | params | compiled.constants
    mesh = Mesh(compiled.device)
    emu_s, result = median_seconds(lambda: mesh.run(compiled.program, feed), max(1, repeat // 2))
    base_s, expected = median_seconds(lambda: evaluate(compiled.graph, inputs, params, stored=False), repeat)
    err = float(np.max(np.abs(result.outputs["y"] - expected["y"])))
    yield {"name": "run_gpt2_block", "emulator_s": emu_s, "baseline_s": base_s, "ratio": emu_s / base_s,
           "cycles": result.cycles, "simulated_us": result.seconds * 1e6, "transfers": len(result.trace.transfers),
           "max_abs_error": err, "max_abs_output": float(np.max(np.abs(expected["y"])))}


BENCHMARKS: dict[str, Callable[[int], Iterator[dict]]] = {
    "matmul_1024_tile": bench_matmul_1024_tile,
    "noc_transfers": bench_noc_transfers,
    "compile_gpt2_12layer": bench_compile_gpt2_12layer,
    "run_gpt2_block": bench_run_gpt2_block,
    "sparse_down_proj": bench_sparse_down_proj,
    "sparse_mlp": bench_sparse_mlp,
    "gather_crossover": bench_gather_crossover,
    "moe_top2": bench_moe_top2,
    "metal_examples": bench_metal_examples,
    "dm_calibration": bench_dm_calibration,
    "gemm_heldout": bench_gemm_heldout,
    "timing_only_16384": bench_timing_only_16384,
    "timing_only_decoder_4k": bench_timing_only_decoder_4k,
    "minilm_embed": bench_minilm_embed,
    "smollm2_decode": bench_smollm2_decode,
    **SPEED,
}


ON_REQUEST = {"timing_only_decoder_4k"}  # run only when named with --only: each takes tens of minutes


def run_benchmarks(only: str | None = None, repeat: int = 5, as_json: bool = False) -> list[dict]:
    if only is not None and only not in BENCHMARKS:
        raise TensixError(f"unknown benchmark '{only}'; benchmarks: {', '.join(BENCHMARKS)}")
    rows = []
    for name, fn in BENCHMARKS.items():
        if only == name or only is None and name not in ON_REQUEST:
            for row in fn(repeat):
                row["compiled"] = COMPILED
                rows.append(row)
                print(json.dumps(row) if as_json else _human(row), flush=True)
    return rows


def _human(row: dict) -> str:
    rest = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items() if k != "name")
    return f"{row['name']}: {rest}"
