"""Zero-skipping benchmarks: the same program dense and with skipping, at several activation sparsities.

Each point compiles the program twice (zero_skip off: the dense plans; on: the skipping plans) and runs the dense
plan dense, the skipping plan dense (skipping off at run time: where it differs from the dense plan it may be the
better dense plan) and the skipping plan with skipping on, each on its own Mesh, in turn; wall times are medians,
from the same process. The baseline is the best dense run of the two (issue 16: a saving is measured against the
best alternative), and `baseline` says which it was: `cycles_ratio`, `wall_speedup`, `identical` and
`max_abs_diff` are against it. `bytes_saved` is what skipping itself saved: the bytes the skipping plan moves run
dense, less what it moves skipping (at 0% sparsity only the all-zero padding faces of a partial activation tile,
which the column-split plan's dense run moves whole; the k-split plan moves only live faces either way, so 0);
`plan_bytes_saved`
is against the baseline, so it also counts what the plan moves differently (a k-split plan moves tiny tiles).
`identical_to_same_plan`: the skipping run against its own plan run dense. (A plan that adds the partials of its
cores, as the k-split one, sums in another order than one core does: against another plan its outputs may differ by
that rounding, `max_abs_diff`.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from tensix.lang.check import check_source
from tensix.lang.compiler import compile_graph, compile_source
from tensix.lang.driver import device_feed
from tensix.lang.params import materialize
from tensix.lang.passes.splitk import column_split
from tensix.mesh import Mesh
from tensix.programs.stages import build
from tensix.schedule.contract import MatmulRows
from tensix.tools.measure import alternating_medians
from tensix.tools.moe import moe_source

SPARSITIES = (0.0, 0.5, 0.9, 0.99)
BATCHES = (1, 8, 128)

# h is the ReLU output of the layer before, so an input marked @sparse: y = h @ W2 and nothing else
DOWN_PROJ = """\
input h: bf16[{batch}, 3072] @sparse
param w2: bf16[3072, 768] = random(seed=4, std=0.02)
output y = h @ w2
"""

MLP = """\
input x: bf16[{batch}, 768]
param w1: bf16[768, 3072] = random(seed=3, std=0.036)
param b1: bf16[3072]
param w2: bf16[3072, 768] = random(seed=4, std=0.02)
output y = relu(x @ w1 + b1) @ w2
"""


def _compare(source: str, inputs: dict, repeat: int, params: dict | None = None) -> dict:
    """Dense and skipping runs of one program: wall speedup, cycle ratio and bytes saved against the best dense run,
    output difference."""
    runs = []
    for plan, skip in ((False, False), (True, False), (True, True)):
        compiled = compile_source(source, "bench.tdf", "wormhole_n150", zero_skip=plan)
        feed = device_feed(compiled, inputs, materialize(compiled.graph, params))
        mesh = Mesh(compiled.device, zero_skip=skip)
        runs.append(lambda m=mesh, c=compiled, f=feed: m.run(c.program, f))
    (plan_s, plan), (same_s, same), (skip_s, sparse) = alternating_medians(runs, repeat)
    best = "skip_plan_dense" if same.cycles < plan.cycles else "dense_plan"
    dense_s, dense = (same_s, same) if best == "skip_plan_dense" else (plan_s, plan)
    return {
        "emulator_s": skip_s, "baseline_s": dense_s, "ratio": skip_s / dense_s, "wall_speedup": dense_s / skip_s,
        "cycles_ratio": dense.cycles / sparse.cycles, "bytes_saved": _moved(same) - _moved(sparse),
        "plan_bytes_saved": _moved(dense) - _moved(sparse),
        "dense_cycles": dense.cycles, "skip_cycles": sparse.cycles, "baseline": best,
        "dense_plan_cycles": plan.cycles, "skip_plan_dense_cycles": same.cycles,
        "identical": _identical(dense, sparse), "identical_to_same_plan": _identical(same, sparse),
        "max_abs_diff": max(float(np.max(np.abs(dense.outputs[k] - sparse.outputs[k]), initial=0.0))
                            for k in dense.outputs),
    }


def _identical(a, b) -> bool:
    return all(np.array_equal(a.outputs[k], b.outputs[k]) for k in a.outputs)


def _moved(result) -> int:
    """Bytes injected into the NoCs plus bytes the DRAM banks served."""
    return sum(t.nbytes for t in result.trace.transfers) + result.stats.dram_bytes


def _sparse_rows(rng: np.random.Generator, shape: tuple[int, int], sparsity: float) -> np.ndarray:
    """Non-negative activations (a ReLU's output) with a `sparsity` fraction of exact zeros."""
    h = np.abs(rng.standard_normal(shape)).astype(np.float32)
    h[rng.random(shape) < sparsity] = 0.0
    return h


def bench_sparse_down_proj(repeat: int) -> Iterator[dict]:
    """y = h @ W2 (3072 -> 768) with h a ReLU output of the given sparsity, decode batch 1/8 and prefill 128."""
    for batch in BATCHES:
        for sparsity in SPARSITIES:
            h = _sparse_rows(np.random.default_rng(0), (batch, 3072), sparsity)
            row = _compare(DOWN_PROJ.format(batch=batch), {"h": h}, repeat)
            yield {"name": "sparse_down_proj", "sparsity": sparsity, "batch": batch, **row}


def bench_sparse_mlp(repeat: int) -> Iterator[dict]:
    """The ReLU MLP 768 -> 3072 -> 768; the bias b1 sets the hidden sparsity. Only the second matmul can skip,
    so the ideal speedup is 1 / (0.5 + 0.5 * (1 - sparsity))."""
    for batch in BATCHES:
        for sparsity in SPARSITIES:
            rng = np.random.default_rng(1)
            x = rng.standard_normal((batch, 768)).astype(np.float32)
            compiled = compile_source(MLP.format(batch=batch), "mlp.tdf")
            params = materialize(compiled.graph, {"b1": np.zeros(3072, np.float32)})
            pre = x @ params["w1"]
            params["b1"] = np.full(3072, -np.quantile(pre, sparsity), np.float32)  # this fraction falls below 0
            row = _compare(MLP.format(batch=batch), {"x": x}, repeat, params)
            ideal = 1.0 / (0.5 + 0.5 * (1.0 - sparsity))
            yield {"name": "sparse_mlp", "sparsity": sparsity, "batch": batch, "ideal_speedup": ideal,
                   "fraction_of_ideal": row["cycles_ratio"] / ideal, **row}


def bench_moe_top2(repeat: int) -> Iterator[dict]:
    """An 8-expert top-2 MoE layer (d 256, ff 1024, experts on 8 core rows) with and without skipping;
    `sparsity` is the fraction of (expert, token-tile) pairs that got no token."""
    for batch in (1, 8, 128):
        x = np.random.default_rng(2).standard_normal((batch, 256)).astype(np.float32)
        compiled = compile_source(moe_source(batch), "moe.tdf")
        row = _compare(moe_source(batch), {"x": x}, repeat)
        idle = _idle_experts(compiled, x)
        yield {"name": "moe_top2", "batch": batch, "sparsity": idle, **row}


def _idle_experts(compiled, x: np.ndarray) -> float:
    from tensix.lang.reference import evaluate

    params = materialize(compiled.graph)
    gates = np.asarray(evaluate(compiled.graph, {"x": x}, params)["gates"])
    tiles = -(-gates.shape[0] // 32)
    idle = sum(not gates[t * 32:(t + 1) * 32, e].any() for t in range(tiles) for e in range(gates.shape[1]))
    return idle / (tiles * gates.shape[1])


LIVE = (0.03125, 0.0625, 0.09375, 0.125, 0.140625, 0.15625, 0.1875, 0.25, 0.375, 0.5, 1.0)
SHAPES = ((3072, 768), (768, 3072))  # (k, n): sparse_down_proj's, and a wide one (more output tiles a core)
SPARSE_MATMUL = """\
input h: bf16[{batch}, {k}] @sparse
param w: bf16[{k}, {n}] = random(seed=4, std=0.02)
output y = h @ w
"""


def bench_gather_crossover(repeat: int) -> Iterator[dict]:
    """The micro-measurement behind GATHER_PAYS (lang/passes/tile.py): a skipping decode matmul on the column-split
    plan (sparse_down_proj's shape and a wide one) with every k step made to gather its live weight rows
    (max_density 1) and made to stream its tiles (max_density -1), at fractions of live activation columns (chosen
    at random, so k steps vary around it as a ReLU output's do). Cycles are deterministic: one run each, whatever
    `repeat`."""
    for (k, n), batch in ((shape, batch) for shape in SHAPES for batch in (1, 32)):
        source = SPARSE_MATMUL.format(batch=batch, k=k, n=n)
        compiled = compile_graph(column_split(check_source(source, "bench.tdf")), "wormhole_n150", zero_skip=True)
        programs = {way: build.program(_forced(compiled.schedule, density)) for way, density in
                    (("gather", 1.0), ("stream", -1.0))}
        params = materialize(compiled.graph)
        for live in LIVE:
            h = _live_columns(np.random.default_rng(5), (batch, k), live)
            feed = device_feed(compiled, {"h": h}, params)
            runs = {way: Mesh(compiled.device, zero_skip=True).run(p, feed) for way, p in programs.items()}
            gather, stream = runs["gather"], runs["stream"]
            yield {"name": "gather_crossover", "k": k, "n": n, "batch": batch, "live": live,
                   "gather_cycles": gather.cycles, "stream_cycles": stream.cycles,
                   "gather_over_stream": gather.cycles / stream.cycles,
                   "identical": bool(np.array_equal(gather.outputs["y"], stream.outputs["y"]))}


def _forced(schedule, density: float):
    """The schedule with every skipping matmul deciding by `density` (1: always gather, -1: always stream)."""
    cores = tuple(replace(c, steps=tuple(replace(s, max_density=density) if isinstance(s, MatmulRows) else s
                                         for s in c.steps)) for c in schedule.cores)
    return replace(schedule, cores=cores)


def _live_columns(rng: np.random.Generator, shape: tuple[int, int], live: float) -> np.ndarray:
    """Non-negative activations whose columns are nonzero (in every row) for a `live` fraction of them."""
    h = np.abs(rng.standard_normal(shape)).astype(np.float32) + 0.01
    dead = rng.permutation(shape[1])[:shape[1] - round(live * shape[1])]
    h[:, dead] = 0.0
    return h
