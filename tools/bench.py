"""Benchmarks: emulator wall time against a baseline measured in the same run; medians of `repeat` runs.

`tensix bench --json` prints one JSON object per benchmark line. Every benchmark warms up once (numba's
compiled-kernel cache, route caches) before it is measured.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator

import numpy as np

from tensix.errors import TensixError
from tensix.mesh import Mesh
from tensix.programs.exchange import exchange_program
from tensix.programs.matmul import matmul_program


def median_seconds(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall seconds of fn() over `repeat` runs after one warm-up; also the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


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
    busiest = max(result.stats["links"], key=lambda lk: lk["busy_cycles"])
    yield {"name": "noc_transfers", "emulator_s": emu_s, "baseline_s": base_s, "ratio": emu_s / base_s,
           "transfers": n, "transfers_per_s": n / emu_s, "cycles": result.cycles,
           "busiest_link_utilization": busiest["busy_cycles"] / result.cycles}


BENCHMARKS: dict[str, Callable[[int], Iterator[dict]]] = {
    "matmul_1024_tile": bench_matmul_1024_tile,
    "noc_transfers": bench_noc_transfers,
}


def register(name: str, fn: Callable[[int], Iterator[dict]]) -> None:
    """Add a benchmark (used by the language and zero-skip benchmarks)."""
    BENCHMARKS[name] = fn


def run_benchmarks(only: str | None = None, repeat: int = 5, as_json: bool = False) -> list[dict]:
    if only is not None and only not in BENCHMARKS:
        raise TensixError(f"unknown benchmark '{only}'; benchmarks: {', '.join(BENCHMARKS)}")
    rows = []
    for name, fn in BENCHMARKS.items():
        if only is None or only == name:
            for row in fn(repeat):
                rows.append(row)
                print(json.dumps(row) if as_json else _human(row), flush=True)
    return rows


def _human(row: dict) -> str:
    rest = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items() if k != "name")
    return f"{row['name']}: {rest}"
