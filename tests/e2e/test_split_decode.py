"""The k-split plan of a skipping decode matmul: each core reads its band's live weight rows whole, the cores add
their partials in k order, so skipping gives the bits of the same plan run dense."""

import numpy as np
import pytest

from tensix import Mesh
from tensix.lang.compiler import compile_source
from tensix.lang.driver import device_feed
from tensix.lang.params import materialize

MARKED = """\
input h: {dt}[{m}, {k}] @sparse
param w: {dt}[{k}, {n}] = random(seed=4, std=0.05)
output y = h @ w
"""


def _runs(source: str, h: np.ndarray) -> tuple:
    compiled = compile_source(source, "s.tdf", zero_skip=True)
    feed = device_feed(compiled, {"h": h}, materialize(compiled.graph))
    dense = Mesh(compiled.device, zero_skip=False).run(compiled.program, feed)
    sparse = Mesh(compiled.device, zero_skip=True).run(compiled.program, feed)
    return compiled, feed, dense, sparse


def _sparse(shape: tuple[int, int], zero: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    h = np.abs(rng.standard_normal(shape)).astype(np.float32)
    h[:, rng.random(shape[1]) < zero] = 0.0  # whole columns: the neurons that did not fire for any token
    return h


@pytest.mark.parametrize("m, dt, k, n", [(1, "bf16", 1024, 384), (1, "fp32", 1000, 200)])
def test_skipping_gives_the_dense_bits_and_reads_each_live_row_once_whole(m, dt, k, n):
    h = _sparse((m, k), 0.9)
    compiled, feed, dense, sparse = _runs(MARKED.format(dt=dt, m=m, k=k, n=n), h)
    steps = [s for c in compiled.schedule.cores for s in c.steps if s.op == "matmul_split"]
    assert steps and sum(s.k1 - s.k0 for s in steps) == -(-k // 32)  # every k tile on one core
    np.testing.assert_array_equal(dense.outputs["y"], sparse.outputs["y"])
    want = h.astype(np.float64) @ feed["w"].astype(np.float64)
    np.testing.assert_allclose(sparse.outputs["y"], want, rtol=0.02, atol=0.02)
    row = -(-n * (4 if dt == "fp32" else 2) // 32) * 32
    rows = [t for t in sparse.trace.transfers if t.kind == "read" and t.nbytes == row]
    assert len(rows) == np.count_nonzero(h.any(axis=0))
    assert len([t for t in dense.trace.transfers if t.kind == "read" and t.nbytes == row]) == k
    # the partials: each core writes every reducer its columns once (live token rows in fp32), then signals it
    owners = steps[0].owners
    parts = [t for t in sparse.trace.transfers if t.kind == "write" and t.nbytes in
             {c * m * 128 for *_, c in owners}]
    assert len(parts) == len(steps) * len(owners)
    assert sparse.cycles < dense.cycles


def test_the_numpy_kernels_give_the_same_bits_on_padded_columns(monkeypatch):
    """TENSIX_JIT=0, and a fresh install's stand-ins, run ref.py's kernels: with 200 output columns padded to 224
    they must be handed the shapes the numba kernels are (they once got a padded accumulator and failed)."""
    from tensix import kernels
    from tensix.kernels import ref

    h = _sparse((1, 1000), 0.9)
    source = MARKED.format(dt="fp32", m=1, k=1000, n=200)
    _, _, _, want = _runs(source, h)
    for name in kernels.NAMES:
        monkeypatch.setattr(kernels, name, getattr(ref, name))
    _, _, dense, sparse = _runs(source, h)
    np.testing.assert_array_equal(sparse.outputs["y"], want.outputs["y"])
    np.testing.assert_array_equal(dense.outputs["y"], want.outputs["y"])


def test_an_activation_of_up_to_16_tokens_moves_only_its_live_rows_dense_or_skipping():
    h = _sparse((1, 1024), 0.0)
    compiled, _, dense, sparse = _runs(MARKED.format(dt="bf16", m=1, k=1024, n=384), h)
    # the band's tiles: the token's row of faces 0 and 1 of each (16 bf16 values, 32 B, twice; of 2048 B), in both
    # runs; so at 0% sparsity the skipping run moves what the dense run does
    for run in (dense, sparse):
        band = [t for t in run.trace.transfers if t.kind == "read" and t.nbytes == 32]
        assert len(band) == 2 * 32
    moved = [sum(t.nbytes for t in r.trace.transfers) + r.stats.dram_bytes for r in (dense, sparse)]
    assert moved[0] == moved[1]


@pytest.mark.parametrize("m", [2, 8])
def test_several_tokens_keep_the_column_split_plan(m):
    # a weight row is skipped only when every token's activation is zero there: at 8 tokens the k-split plan lost to
    # the dense decode plan even at half zeros (sparse_down_proj b8), so it is a one-token plan
    source = MARKED.format(dt="bf16", m=m, k=1024, n=384)
    compiled = compile_source(source, "m.tdf", zero_skip=True)
    ops = {s.op for c in compiled.schedule.cores for s in c.steps}
    assert "matmul_rows" in ops and "matmul_split" not in ops


def test_a_matmul_with_a_bias_keeps_the_column_split_plan():
    source = "input h: bf16[1, 1024] @sparse\nparam w: bf16[1024, 512]\nparam b: bf16[512]\noutput y = h @ w + b\n"
    compiled = compile_source(source, "b.tdf", zero_skip=True)
    ops = {s.op for c in compiled.schedule.cores for s in c.steps}
    assert "matmul_rows" in ops and "matmul_split" not in ops


def test_an_all_zero_activation_reads_no_weight_row_and_gives_zeros():
    h = np.zeros((1, 1024), dtype=np.float32)
    _, _, dense, sparse = _runs(MARKED.format(dt="bf16", m=1, k=1024, n=384), h)
    assert len([t for t in dense.trace.transfers if t.kind == "read" and t.nbytes == 768]) == 1024
    assert not [t for t in sparse.trace.transfers if t.kind == "read" and t.nbytes == 768]
    assert not np.any(sparse.outputs["y"])


def test_an_op_reading_the_output_gets_it_and_the_chain_applies():
    source = ("input h: bf16[1, 1024] @sparse\nparam w: bf16[1024, 384] = random(seed=4, std=0.05)\n"
              "let t = relu(h @ w)\noutput y = t + t\n")
    h = _sparse((1, 1024), 0.9)
    compiled, feed, dense, sparse = _runs(source, h)
    assert any(s.op == "matmul_split" and s.chain for c in compiled.schedule.cores for s in c.steps)
    np.testing.assert_array_equal(dense.outputs["y"], sparse.outputs["y"])
    want = 2 * np.maximum(h.astype(np.float64) @ feed["w"].astype(np.float64), 0)
    np.testing.assert_allclose(sparse.outputs["y"], want, rtol=0.02, atol=0.02)


def test_two_split_matmuls_on_the_same_cores_keep_their_partials_apart():
    source = ("input h: bf16[1, 512] @sparse\nparam w1: bf16[512, 256] = random(seed=4, std=0.05)\n"
              "param w2: bf16[512, 256] = random(seed=5, std=0.05)\noutput y = (h @ w1) * (h @ w2)\n")
    h = _sparse((1, 512), 0.8)
    compiled, feed, dense, sparse = _runs(source, h)
    splits = [s for c in compiled.schedule.cores for s in c.steps if s.op == "matmul_split"]
    assert len({(s.sem, s.parts_at) for s in splits}) == 2 and len({s.parts_at for s in splits}) == 2
    np.testing.assert_array_equal(dense.outputs["y"], sparse.outputs["y"])
    h64 = h.astype(np.float64)
    want = (h64 @ feed["w1"].astype(np.float64)) * (h64 @ feed["w2"].astype(np.float64))
    np.testing.assert_allclose(sparse.outputs["y"], want, rtol=0.05, atol=0.02)


@pytest.mark.parametrize("cores, kind", [("0..7, 0..3", "matmul_split"), ("0..1, 0..0", "matmul_rows")])
def test_a_band_too_long_for_l1_keeps_the_column_split_plan(cores, kind):
    # 128 k tiles: on 32 cores 4 a core (128 rows of 768 B); on 2 cores 64 a core, 1.5 MB of rows when all are live
    source = f"input h: bf16[1, 4096] @sparse\nparam w: bf16[4096, 384]\noutput y = h @ w @cores({cores})\n"
    compiled = compile_source(source, "l.tdf", zero_skip=True)
    assert {s.op for c in compiled.schedule.cores for s in c.steps} == {kind}


def test_a_reused_mesh_gives_a_fresh_meshs_outputs_cycles_trace_and_stats_and_follows_new_inputs():
    """A Mesh run again and again (as the benchmarks and a decode loop do) keeps images, memories and the device's
    description between runs: each run must still be the run a fresh Mesh gives, also when the input changes."""
    from tensix.trace_json import trace_json

    source = MARKED.format(dt="bf16", m=1, k=1024, n=384)
    compiled = compile_source(source, "s.tdf", zero_skip=True)
    params = materialize(compiled.graph)

    def record(result) -> tuple:
        return (result.cycles, {k: v.tobytes() for k, v in result.outputs.items()}, trace_json(result.trace),
                result.stats.json_text())

    kept = Mesh(compiled.device, zero_skip=True)
    for zero, seed in ((0.9, 1), (0.9, 1), (0.5, 2), (1.0, 3)):
        feed = device_feed(compiled, {"h": _sparse((1, 1024), zero, seed)}, params)
        fresh = Mesh(compiled.device, zero_skip=True).run(compiled.program, feed)
        assert record(kept.run(compiled.program, feed)) == record(fresh)
