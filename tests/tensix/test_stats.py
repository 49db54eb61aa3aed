"""The typed stats schema (tensix/stats.py): JSON round trip, utilization by hand, and that runs fill it in."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from tensix import Mesh
from tensix.programs.matmul import matmul_program
from tensix.stats import STATS_VERSION, DenseRun, OutputError, Stats, read_stats


def _matmul_run(fidelity: str | None, zero_skip: bool = False):
    rng = np.random.default_rng(11)  # the same inputs every call: skipping and dense runs compare
    a = rng.standard_normal((64, 128), dtype=np.float32)
    b = rng.standard_normal((128, 64), dtype=np.float32)
    a[:32, :32] = 0  # one zero activation tile, for the skipping run
    mesh = Mesh("wormhole_n150", zero_skip=zero_skip)
    return mesh.run(matmul_program(64, 128, 64, grid=(2, 2), fidelity=fidelity), {"A": a, "B": b})


# a 32x32x32 tile with bf16 B costs max(16 cycles per fidelity phase, unpacking B: 2 + 2048 B / 64 B per cycle = 34)
# (docs/timing.md): LoFi (1 phase) and HiFi2 (2) are unpack-bound at 34 cycles, HiFi4 (4) takes 64
@pytest.mark.parametrize(("fidelity", "peak"), [("LoFi", 65536 / 34), ("HiFi2", 65536 / 34), (None, 1024.0)])
def test_utilization_is_flops_over_the_used_cores_peak_at_the_fidelity_charged(fidelity, peak):
    r = _matmul_run(fidelity)
    s = r.stats
    # 2x2 cores, each 1x1 output tile over 4 k-tiles: 16 tile matmuls of 2 * 32^3 FLOP
    assert s.flops == 16 * 65536
    assert [(c.core, c.fidelities, c.peak_flops_per_cycle) for c in s.cores] == [
        ((x, y), (fidelity or "HiFi4",), peak) for y in range(2) for x in range(2)]
    assert s.peak_flops_per_cycle == 4 * peak
    assert s.utilization == 16 * 65536 / (4 * peak * r.cycles)
    assert s.utilization_text() == (f"{100 * 16 * 65536 / (4 * peak * r.cycles):.1f}% of the matrix engines' peak on "
                                    f"the 4 cores used (4 at {fidelity or 'HiFi4'}: {peak:,.0f} FLOP/cycle each)")


def test_the_peak_follows_the_b_format_the_matmuls_were_charged():
    # bfp8_b B tiles unpack in 2 + 1088 B / 64 B per cycle = 19 cycles, more than LoFi's 16 and fewer than bf16's 34
    # (docs/timing.md): a LoFi bfp8_b tile product costs 19 cycles, so the peak is 65,536 / 19 FLOP per cycle
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((64, 128), dtype=np.float32), rng.standard_normal((128, 64), dtype=np.float32)
    r = Mesh("wormhole_n150").run(matmul_program(64, 128, 64, grid=(2, 2), dtype="bfp8_b", fidelity="LoFi"),
                                  {"A": a, "B": b})
    assert {c.peak_flops_per_cycle for c in r.stats.cores} == {65536 / 19}
    assert r.stats.utilization == 16 * 65536 / (4 * 65536 / 19 * r.cycles) <= 1


def test_a_hand_made_stats_utilization():
    s = _matmul_run(None).stats
    two = replace(s, cores=s.cores[:2], flops=2048 * 100, total_cycles=200)
    assert two.utilization == 0.5  # 204,800 FLOP / (2 cores x 1,024 FLOP/cycle at HiFi4 x 200 cycles)
    assert replace(s, total_cycles=0).utilization == 0.0


def test_stats_round_trip_through_json_unchanged(tmp_path):
    r = _matmul_run(None, zero_skip=True)
    dense = _matmul_run(None)
    stats = replace(r.with_dense(dense).stats, reference=(OutputError("C", 0.25, 3.5, 2),))
    assert stats.zero_skip.ops and stats.zero_skip.dense == DenseRun(
        dense.cycles, sum(dense.stats.noc_bytes), dense.stats.dram_bytes)
    stats.save(tmp_path / "stats.json")
    again = read_stats(tmp_path / "stats.json")
    assert again == stats and again.version == STATS_VERSION
    assert again.to_dict() == json.loads((tmp_path / "stats.json").read_text())
    # derived figures are written for other readers and recomputed, not read back
    assert again.to_dict()["utilization"] == stats.utilization
    assert again.to_dict()["zero_skip"]["totals"]["cycles_skipped"] == stats.zero_skip.totals.cycles_skipped


def test_a_run_without_skipping_has_no_zero_skip_section():
    s = _matmul_run(None).stats
    assert isinstance(s, Stats) and s.zero_skip is None and s.reference is None
    assert s.to_dict()["zero_skip"] is None


def test_with_dense_records_both_runs():
    skip, dense = _matmul_run(None, zero_skip=True), _matmul_run(None)
    both = skip.with_dense(dense)
    saved = both.stats.zero_skip.saved(both.stats)
    assert saved.cycles == dense.cycles - skip.cycles
    assert saved.noc_bytes == sum(dense.stats.noc_bytes) - sum(skip.stats.noc_bytes)
    assert both.stats.zero_skip.error_vs_dense == (("C", 0.0),)  # exact zeros: outputs identical
    assert skip.stats.zero_skip.dense is None  # the original result is left as it was (frozen)


def test_the_trace_round_trips_through_json_unchanged(tmp_path):
    from tensix.trace import read_trace

    r = _matmul_run(None, zero_skip=True)
    r.save(tmp_path)
    again = read_trace(tmp_path / "trace.json")
    assert again.to_dict() == r.trace.to_dict() == json.loads((tmp_path / "trace.json").read_text())
    assert again.spans == r.trace.spans and again.transfers == r.trace.transfers
    assert [t.id for t in again.transfers] == list(range(len(r.trace.transfers)))


def test_a_mesh_run_again_gives_the_stats_of_a_fresh_mesh_and_keeps_only_its_last_runs_parts():
    """A Mesh reuses its last run's links and zero-skip rows of equal values (StatsMemo): every run's stats are
    those of the same run on a new Mesh, and what it keeps for the next run is the last run's, not every run's."""
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((64, 128), dtype=np.float32), rng.standard_normal((128, 64), dtype=np.float32)
    a[:32, :32] = 0
    small = matmul_program(64, 128, 64, grid=(2, 2))
    other = matmul_program(64, 64, 64, grid=(1, 2))
    mesh = Mesh("wormhole_n150", zero_skip=True)
    first, again = mesh.run(small, {"A": a, "B": b}), mesh.run(small, {"A": a, "B": b})
    fresh = Mesh("wormhole_n150", zero_skip=True).run(small, {"A": a, "B": b})
    assert first.stats == again.stats == fresh.stats and again.stats.zero_skip.ops and again.stats.links
    switched = mesh.run(other, {"A": a[:, :64], "B": b[:64]})
    assert switched.stats == Mesh("wormhole_n150", zero_skip=True).run(other, {"A": a[:, :64], "B": b[:64]}).stats
    assert sorted(mesh._stats.links.values(), key=repr) == sorted(switched.stats.links, key=repr)
    assert sorted(mesh._stats.zero_skip.values(), key=repr) == sorted(switched.stats.zero_skip.ops, key=repr)
