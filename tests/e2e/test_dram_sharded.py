"""DRAM-sharded decode matmuls (ttnn's matmul_multi_core_reuse_dram_sharded): the weights laid out a band of tile
columns per DRAM bank by the host, each core reading its band from its bank alone, the activation multicast once;
the same bits as the interleaved plan, every weight byte read once."""

import ml_dtypes
import numpy as np
import pytest

import tensix.lang.passes.tile as tile_pass
from tensix import Mesh
from tensix.dram import shard_map
from tensix.lang.check import check_source
from tensix.lang.compiler import compile_graph, compile_source
from tensix.lang.driver import device_feed, make_inputs
from tensix.lang.params import materialize
from tensix.lang.passes.splitk import column_split
from tensix.presets import preset
from tensix.schedule.text import parse, render

WH = preset("wormhole_n150")
# 1 x 1024 @ 1024 x 1536: 48 tile columns, 4 per bank; 32 k tiles
SOURCE = ("input x: bf16[1, 1024]\nparam w: bf16[1024, 1536] = random(seed=1, std=0.05)\n"
          "output y = x @ w @cores(0..7, 0..7)\n")


def _interleaved(monkeypatch):
    """Compile with no weight sharded: the plan the sharded one replaces."""
    with monkeypatch.context() as m:
        m.setattr(tile_pass, "sharded_weights", lambda *a, **k: ({}, {}))
        return compile_source(SOURCE, "mm.tdf", WH)


def _run(compiled, feed):
    return Mesh(WH).run(compiled.program, feed)


def test_the_weights_lie_a_band_per_bank_and_each_core_reads_its_bank_only(monkeypatch):
    compiled = compile_source(SOURCE, "mm.tdf", WH)
    w = next(b for b in compiled.schedule.buffers if b.name == "w")
    assert (w.layout, w.bank_cols) == ("sharded", (4,) * 12)
    text = render(compiled.schedule)
    assert ('dram name="w" shape=[1024, 1536] dtype="bf16" role="param" layout="sharded" '
            'bank_cols=[run(4, 0, 12)]') in text
    assert parse(text) == compiled.schedule
    steps = {cs.core: cs.steps[0] for cs in compiled.schedule.cores}
    assert len(steps) == 48  # 6 rows of 8: a column each at least; 4 cores per bank, one column each
    for core, s in steps.items():
        (block,) = s.blocks
        bank = block.col // 4
        assert block.cols == 1 and s.kb * 8 == s.kt and s.a_kb == s.kt and s.b_slots == 8  # its whole slice
        assert s.noc in (0, 1) and s.mcast.a.n == 47 and s.mcast.a.rect == (0, 0, 7, 5)
        # every weight page this core reads sits in its bank
        banks = {(x, y) for x, y, _ in (_addr(w, p) for p in range(block.col, 32 * 48, 48))}
        assert banks == {WH.dram_banks[bank]}


def _addr(buf, page: int):
    bank, slot = shard_map((32, 48), buf.bank_cols)[0][page]
    return (*WH.dram_banks[bank], slot)


def test_the_sharded_plan_gives_the_interleaved_plans_bits_reading_each_weight_byte_once(monkeypatch):
    compiled = compile_source(SOURCE, "mm.tdf", WH)
    old = _interleaved(monkeypatch)
    inputs, params = make_inputs(compiled.graph, 0), materialize(compiled.graph)
    new_run = _run(compiled, device_feed(compiled, inputs, params))
    old_run = _run(old, device_feed(old, inputs, params))
    assert new_run.outputs["y"].tobytes() == old_run.outputs["y"].tobytes()
    x, w = (a.astype(ml_dtypes.bfloat16).astype(np.float64) for a in (inputs["x"], params["w"]))
    np.testing.assert_allclose(new_run.outputs["y"], x @ w, rtol=2 ** -7, atol=2e-3)  # bf16 out, fp32 sums
    # each bank: its band of 4 columns x 32 k tiles once, and the activation row's pages it holds (32 tiles
    # interleaved over 12 banks: banks 0-7 hold 3, 8-11 hold 2), read once by the core that multicasts it
    read = [b.bytes_read for b in new_run.stats.dram]
    assert read == [(4 * 32 + (3 if i < 8 else 2)) * 2048 for i in range(12)]
    # hand-derived lower bound: the busiest bank moving its bytes at its rate
    assert new_run.cycles >= max(read) / WH.dram_bank_bytes_per_cycle
    assert new_run.cycles < old_run.cycles


@pytest.mark.slow
def test_a_4096_decode_matmul_runs_at_70_percent_of_the_dram_bound():
    source = ("input x: bf16[1, 4096]\nparam w: bf16[4096, 4096] = random(seed=1, std=0.05)\n"
              "output y = x @ w @cores(0..7, 0..7)\n")
    compiled = compile_source(source, "mm.tdf", WH)
    result = Mesh(WH, timing_only=True).run(compiled.program)
    bound = 4096 * 4096 * 2 / (len(WH.dram_banks) * WH.dram_bank_bytes_per_cycle)
    assert sum(b.bytes_read for b in result.stats.dram) == (4096 * 4096 + 128 * 1024) * 2
    assert bound / result.cycles >= 0.7


@pytest.mark.parametrize("zeros", [0.0, 0.95])
def test_a_skipping_decode_matmul_runs_on_the_sharded_plan_and_gives_the_dense_bits(zeros):
    # the same matmul with its activation marked @sparse: a zero-skipping compile makes it a matmul_rows on the
    # plan a dense compile gets, the weights sharded alike; streamed k steps (0% zeros) read the sharded tiles,
    # gathered ones (95% zeros: at most 12.5% live) the row-major copy; both give the dense run's bits
    source = SOURCE.replace("bf16[1, 1024]", "bf16[1, 1024] @sparse")
    dense = compile_source(source, "mm.tdf", WH)
    skipping = compile_graph(column_split(check_source(source, "mm.tdf")), WH, zero_skip=True)  # (without a bias
    # it would run split over k: tests/e2e/test_split_decode.py)
    bufs = {b.name: (b.layout, b.bank_cols) for b in skipping.schedule.buffers}
    assert bufs["w"] == ("sharded", (4,) * 12) and bufs["w.rows"] == ("rows", ())
    plan = {cs.core: cs.steps[0] for cs in dense.schedule.cores}
    skip = {cs.core: cs.steps[0] for cs in skipping.schedule.cores}
    assert {s.op for s in skip.values()} == {"matmul_rows"}
    assert {c: (s.blocks, s.kb, s.noc, s.mcast.a.sender) for c, s in skip.items()} == {
        c: (s.blocks, s.kb, s.noc, s.mcast.a.sender) for c, s in plan.items()}
    x = np.abs(np.random.default_rng(3).standard_normal((1, 1024))).astype(np.float32)
    x[:, np.random.default_rng(4).random(1024) < zeros] = 0
    params = materialize(dense.graph)
    want = Mesh(WH).run(dense.program, device_feed(dense, {"x": x}, params))
    got = Mesh(WH, zero_skip=True).run(skipping.program, device_feed(skipping, {"x": x}, params))
    assert got.outputs["y"].tobytes() == want.outputs["y"].tobytes()
    xq, w = (a.astype(ml_dtypes.bfloat16).astype(np.float64) for a in (x, params["w"]))
    np.testing.assert_allclose(got.outputs["y"], xq @ w, rtol=2 ** -7, atol=2e-3)
    gathered = sum(z.steps_gathered for z in got.stats.zero_skip.ops)
    streamed = sum(z.steps_streamed for z in got.stats.zero_skip.ops)
    # 48 cores x 8 k steps of one block each: all streamed when dense; when sparse (about 51 of 1024 columns live,
    # so every k step of 128 columns is under 12.5% live) all gathered
    assert (gathered, streamed) == ((48 * 8, 0) if zeros else (0, 48 * 8))
