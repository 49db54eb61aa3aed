"""Wall-clock medians for the benchmarks (tools/bench.py, tools/bench_sparse.py): warm up, then time in turn."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall seconds of fn() over `repeat` runs after one warm-up; also the last result."""
    return alternating_medians([fn], repeat)[0]


def alternating_medians(fns: list[Callable[[], object]], repeat: int,
                        settle: frozenset[int] = frozenset()) -> list[tuple[float, object]]:
    """median_seconds of each fn, their runs taken in turn (one warm-up each first): runs to compare meet the
    same phases of a shared machine, whose speed drifts by 2x over minutes. The fns at the indices in `settle`
    run once untimed before each timed run: a numpy baseline right after an emulator run otherwise pays to fault
    back in the memory that run gave back (measured: a 37 ms softmax and layernorm timed at 190-370 ms)."""
    results = [fn() for fn in fns]
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            if i in settle:
                fn()
            t = time.perf_counter()
            results[i] = fn()
            times[i].append(time.perf_counter() - t)
    return [(statistics.median(ts), r) for ts, r in zip(times, results, strict=True)]
