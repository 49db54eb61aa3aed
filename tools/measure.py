"""Wall-clock medians for the benchmarks (tools/bench.py, tools/bench_sparse.py): warm up, then time in turn."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall seconds of fn() over `repeat` runs after one warm-up; also the last result."""
    return alternating_medians([fn], repeat)[0]


def alternating_medians(fns: list[Callable[[], object]], repeat: int) -> list[tuple[float, object]]:
    """median_seconds of each fn, their runs taken in turn (one warm-up each first): runs to compare meet the
    same phases of a shared machine, whose speed drifts by 2x over minutes."""
    results = [fn() for fn in fns]
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            results[i] = fn()
            times[i].append(time.perf_counter() - t)
    return [(statistics.median(ts), r) for ts, r in zip(times, results, strict=True)]
