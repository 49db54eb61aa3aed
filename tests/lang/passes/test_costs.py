"""Plan cost estimates (lang/passes/costs.py) against hand-derived loads, and the tile pass choosing the plan
with the lowest one."""

from dataclasses import replace
from pathlib import Path

import pytest

import tensix.lang.passes.choose as choose
import tensix.lang.passes.tile as tile_pass
from tensix import Mesh
from tensix.config import MeshConfig, TileKind
from tensix.lang.compiler import compile_file, compile_source
from tensix.lang.passes.costs import Layout, estimate
from tensix.presets import preset
from tensix.schedule.contract import Block, Matmul
from tensix.timing import TimingModel

# a 4 x 2 NoC torus: DRAM banks at NoC (0, 0) and (0, 1), Tensix at x = 1..3
MESH = MeshConfig(width=4, height=2, tiles={(0, 0): TileKind.DRAM, (0, 1): TileKind.DRAM})
WH = preset("wormhole_n150")


def test_the_estimate_of_one_core_reading_its_operands_counts_the_bytes_and_products_by_hand():
    # out [32, 64] = a [32, 64] @ w [64, 64] on logical core (0, 0) (NoC (1, 0)): one 1 x 2 block over 2 k tiles
    step = Matmul(out="c", a="a", b="w", kt=2, b_cols=2, out_cols=2, blocks=(Block(0, 1, 0, 2, 0, 0),))
    lays = {"a": Layout(2, "bf16"), "w": Layout(2, "bf16"), "c": Layout(2, "bf16")}
    e = estimate({(0, 0): step}, lays, MESH)
    assert e.dram_bytes == (2 + 4) * 2048  # a's 2 tiles and w's 4, read once
    # interleaved over 2 banks: each serves 3 of the 6 tiles read and 1 of the 2 written
    assert e.bank == pytest.approx(4 * 2048 / 22.09)
    assert e.compute == 2 * 2 * TimingModel().matmul("HiFi4", "bf16") == 256  # 2 output tiles x 2 k tiles x 64
    # per k tile a read round trip: request and data each NIU, 2 hops (bank (0, 1) to NoC (1, 0) on NoC 1: 1 north,
    # 3 west; on NoC 1 from bank (0, 0): 3 west), NIU, plus the bank's read latency (dram_latency_cycles, 143 on
    # Wormhole, docs/timing.md); the farthest bank sets it
    trip = 2 * (2 * 5 + 4 * 9) + 143
    assert e.serial == pytest.approx(6 * 19 + 2 * trip + 6 * 2048 / 28.86)


@pytest.mark.parametrize("shape", [(128, 256, 256, 2), (256, 512, 512, 4)])
def test_the_tile_pass_takes_the_plan_of_lowest_estimate(shape, monkeypatch):
    m, k, n, g = shape
    seen = []
    real = tile_pass.cheapest

    def spy(options, lays, cfg, fid, memo=None):
        best, costs = real(options, lays, cfg, fid, memo)
        seen.append((options, costs, best))
        return best, costs

    monkeypatch.setattr(tile_pass, "cheapest", spy)
    source = (f"input a: bf16[{m}, {k}]\nparam w: bf16[{k}, {n}] = random(seed=2, std=0.05)\n"
              f"output c = a @ w @cores(0..{g - 1}, 0..{g - 1})\n")
    compiled = compile_source(source, "mm.tdf", WH)
    (options, costs, best), = seen
    assert best == min(range(len(options)), key=lambda i: costs[i].cycles)
    assert len(options) == 1 + len({-(-k // 32 // s) for s in (1, 2, 4)})  # per-core reads; k in 1, 2, 4 steps
    chosen = {cs.core: replace(cs.steps[0], wait=(), signal=(), label="", src="", noc=None, fidelity=None)
              for cs in compiled.schedule.cores}
    strip = {c: replace(s, mcast=replace(s.mcast, a=_bare(s.mcast.a), b=_bare(s.mcast.b)) if s.mcast else None)
             for c, s in chosen.items()}
    assert strip == {c: replace(s, mcast=replace(s.mcast, a=_bare(s.mcast.a), b=_bare(s.mcast.b)) if s.mcast else None)
                     for c, s in options[best].items()}


def _bare(share):
    return share and replace(share, ready=(), valid=())


def test_02_matmul_is_not_slower_than_its_per_core_plan(monkeypatch):
    path = Path(__file__).resolve().parents[3] / "examples" / "02_matmul.tdf"
    chosen = Mesh(WH, timing_only=True).run(compile_file(path).program).cycles
    monkeypatch.setattr(tile_pass, "cheapest", lambda options, *a: (0, []))  # per-core reads
    unicast = Mesh(WH, timing_only=True).run(compile_file(path).program).cycles
    assert chosen <= unicast


def test_a_repeated_layer_reuses_its_estimates_and_they_equal_fresh_ones(monkeypatch):
    """Two layers of the same shapes: the second layer's options differ only in buffer names, so the memo answers
    them, with exactly the estimates a fresh costs.estimate gives for those steps."""
    calls, fresh = [], []
    real_estimate = choose.estimate

    def counting(steps, lays, cfg, **kw):
        calls.append(steps)
        return real_estimate(steps, lays, cfg, **kw)

    real = tile_pass.cheapest

    def spy(options, lays, cfg, fid, memo=None):
        best, costs = real(options, lays, cfg, fid, memo)
        fresh.append(([real_estimate(o, lays, cfg, fidelity=fid) for o in options], costs))
        return best, costs

    monkeypatch.setattr(choose, "estimate", counting)
    monkeypatch.setattr(tile_pass, "cheapest", spy)
    source = ("input a: bf16[256, 512]\nparam w1: bf16[512, 512] = random(seed=2, std=0.05)\n"
              "param w2: bf16[512, 512] = random(seed=3, std=0.05)\n"
              "let h = a @ w1 @cores(0..3, 0..3)\noutput c = h @ w2 @cores(0..3, 0..3)\n")
    compile_source(source, "mm.tdf", WH)
    assert len(fresh) == 2 and len(calls) == len(fresh[0][0])  # the second matmul estimated nothing anew
    for expected, got in fresh:
        assert [e.cycles for e in expected] == [g.cycles for g in got]
