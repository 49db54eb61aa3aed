"""`tensix bench matmul`: one JSON line for one compiled matmul, its figures derived from the run."""

import json

import pytest

from tensix.cli import main
from tensix.mesh import Mesh


def test_bench_matmul_prints_one_line_whose_figures_agree(capsys):
    assert main(["bench", "matmul", "--m", "256", "--k", "128", "--n", "256", "--grid", "2x2",
                 "--fidelity", "hifi2", "--json"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert {k: line[k] for k in ("m", "k", "n", "dtype", "fidelity", "grid", "timing_only")} == {
        "m": 256, "k": 128, "n": 256, "dtype": "bf16", "fidelity": "hifi2", "grid": [2, 2], "timing_only": False}
    assert line["device_us"] == pytest.approx(line["cycles"] / 1000, rel=1e-12)  # wormhole_n150 at 1 GHz
    flops = 2 * 256 * 128 * 256
    assert abs(line["tflops"] - flops / (line["cycles"] * 1e-9) / 1e12) < 1e-9
    # Stats.utilization: a bf16 tile product (2 * 32^3 FLOP) at HiFi2 takes max(2 phases x 16, unpacking B 34) = 34
    # cycles (docs/timing.md), on the 4 cores used
    assert abs(line["utilization"] - flops / (2 * 32**3 / 34 * 4 * line["cycles"])) < 1e-9
    # a 2x2 grid of 4x4-tile blocks: each row's 4x4-tile band of a and each column's 4x4 band of w read once
    assert line["dram_bytes_read"] == (8 * 4 + 4 * 8) * 2048


def test_bench_matmul_with_in0_in_l1_reads_only_the_weights_from_dram(capsys):
    args = ["bench", "matmul", "--m", "256", "--k", "128", "--n", "256", "--grid", "2x2", "--json"]
    assert main([*args, "--in0", "l1", "--out", "l1"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert (line["in0"], line["out"]) == ("l1", "l1")
    # in0 sits block-sharded in the 2x2 grid's L1: only each column's 4x8-tile band of w comes from DRAM
    assert line["dram_bytes_read"] == 4 * 8 * 2048


def test_bench_matmul_refuses_a_grid_larger_than_the_chips_tensix_grid(capsys):
    assert main(["bench", "matmul", "--m", "64", "--k", "64", "--n", "64", "--grid", "9x8"]) == 1
    assert capsys.readouterr().err == ("error: --grid 9x8: wormhole_n150 has 8x10 Tensix cores (8x8 in the "
                                       "preset); give at most 8x10\n")
    assert main(["bench", "matmul", "--m", "64", "--k", "64", "--n", "64", "--grid", "8by8"]) == 1
    assert "give the grid as WxH" in capsys.readouterr().err


def test_bench_matmul_runs_a_grid_past_the_preset_on_its_harvesting_variant(capsys):
    # Blackhole p150 as GEMM_FLOPS.md's 13x10 runs: 10 x 13 blocks of one output tile each
    assert main(["bench", "matmul", "--m", "320", "--k", "64", "--n", "416", "--device", "blackhole_p150", "--grid",
                 "13x10", "--timing-only", "--json"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert (line["device"], line["grid"]) == ("blackhole_p150:13x10", [13, 10])
    # each of the 10 grid rows' 1 x 2-tile band of a and each of the 13 columns' 2 x 1 band of w read once
    assert line["dram_bytes_read"] == (10 * 2 + 13 * 2) * 2048
    assert 0 < line["math_us"] < line["device_us"]  # the output's DRAM writes end the run after the math


def test_math_cycles_end_at_the_last_compute_op_that_is_neither_a_pack_nor_a_wait():
    from tensix.tools.bench_matmul import math_cycles
    from tensix.trace import Trace

    rows = [((0, 0), "compute", "wait:cb_wait_front", 0, 90, 1), ((0, 0), "compute", "matmul_tiles", 90, 154, 1),
            ((0, 0), "compute", "pack_tile", 154, 188, 1), ((1, 0), "compute", "matmul_tiles", 120, 184, 1),
            ((1, 0), "compute", "wait:cb_reserve_back", 184, 400, 1), ((1, 0), "writer", "noc_issue", 400, 700, 1),
            ((1, 0), "packer", "pack_tile", 184, 250, 1)]
    assert math_cycles(Trace(1e9, rows, [])) == 184  # core (1, 0)'s matmul; packs, waits and the writer after it


def test_math_cycles_of_a_run_read_newest_first_equal_the_full_scan():
    """A run's trace keeps each kernel's spans in its log; math_cycles reads them newest first, which must give
    the maximum over every span (here a 4-core matmul whose kernels end with packs, waits and writes)."""
    from tensix.lang.compiler import compile_source
    from tensix.mesh import Mesh
    from tensix.tools.bench_matmul import math_cycles, matmul_source, parse_grid

    cfg, cells = parse_grid("2x2", "wormhole_n150")
    compiled = compile_source(matmul_source(128, 256, 128, "bf16", "wormhole_n150", cells, "dram", "dram"),
                              "m.tdf", cfg)
    trace = Mesh(compiled.device, timing_only=True).run(compiled.program).trace
    got = math_cycles(trace)  # before .spans: that builds the rows and drops the kernels' logs
    every = max(s.end for s in trace.spans if s.role == "compute" and not s.name.startswith(("wait:", "pack")))
    assert got == every > 0
    assert any(s.role == "compute" and s.name.startswith(("wait:", "pack")) and s.end > got for s in trace.spans)


def test_bench_matmul_timing_only_predicts_the_functional_runs_figures(capsys):
    args = ["bench", "matmul", "--m", "64", "--k", "256", "--n", "128", "--grid", "2x2", "--fidelity", "lofi", "--json"]
    assert main(args) == 0
    functional = json.loads(capsys.readouterr().out)
    assert main([*args, "--timing-only"]) == 0
    timing = json.loads(capsys.readouterr().out)
    assert timing.pop("timing_only") is True and functional.pop("timing_only") is False
    del timing["emulator_s"], functional["emulator_s"]
    assert timing == functional


def test_bench_matmul_fidelity_reaches_the_compiled_matmul(capsys):
    cycles = {}
    # one lone tile product of bfp8_b unpacks both tiles, 2 x 2 + 2 x 1088 / 64 = 38 cycles: HiFi2 (32) is
    # unpack-bound, HiFi4 (64) not
    for fidelity in ("hifi2", "hifi4"):
        assert main(["bench", "matmul", "--m", "32", "--k", "32", "--n", "32", "--grid", "1x1", "--fidelity",
                     fidelity, "--dtype", "bfp8_b", "--json", "--timing-only"]) == 0
        cycles[fidelity] = json.loads(capsys.readouterr().out)["cycles"]
    assert cycles["hifi4"] - cycles["hifi2"] == 64 - 38  # one tile product on one core


def test_published_gemm_device_time_is_the_ideal_cycles_over_the_utilization():
    from tensix.tools.bench_matmul import HELD_OUT, PublishedGemm

    # 4096^3: 128^3 = 2,097,152 tile products x 64 cycles (HiFi4) / 64 cores = 2,097,152 cycles at 83.19% -> 1 GHz
    wh = next(p for p in HELD_OUT if (p.m, p.dtype, p.fidelity, p.device) == (4096, "bf16", "hifi4", "wormhole_n150"))
    assert abs(wh.device_us(1e9) - 2_097_152 / 0.8319 / 1e3) < 1e-6
    # Blackhole 11x10: 130 x 110 x 110 tile products x 16 (LoFi) / 110 cores at 85.51%, at 1.35 GHz
    bh = PublishedGemm(4160, 3520, 3520, "bfp4_b", "lofi", "blackhole_p150", (11, 10), 0.8551, "all DRAM")
    assert abs(bh.device_us(1.35e9) - 130 * 110 * 110 * 16 / 110 / 0.8551 / 1.35e3) < 1e-6


def test_a_gemm_point_compares_the_timing_only_prediction_with_the_published_time():
    from tensix.tools.bench_matmul import PublishedGemm, bench_matmul, gemm_rows

    point = PublishedGemm(64, 64, 64, "bf16", "hifi4", "wormhole_n150", (2, 2), 0.5, "all DRAM")
    row, = gemm_rows((point,))
    line = bench_matmul(64, 64, 64, grid="2x2", timing_only=True)
    assert row["published_us"] == 8 * 64 / 4 / 0.5 / 1e3  # 8 tile products x 64 cycles over 4 cores, at 50%
    # the published time is the math kernels' span (TRISC1 kernel duration), so it is held against math_us
    assert row["predicted_us"] == line.math_us and row["error"] == line.math_us / row["published_us"] - 1
    assert row["end_to_end_us"] == line.device_us > line.math_us


def test_the_held_out_blackhole_gemms_include_gemm_flops_13x10_table_on_its_harvesting_variant():
    from tensix.tools.bench_matmul import HELD_OUT

    assert {(p.m, p.k, p.n, p.grid) for p in HELD_OUT if p.device == "blackhole_p150"} == {
        (4160, 3520, 3520, (11, 10)), (4160, 4160, 4160, (13, 10))}
    assert len([p for p in HELD_OUT if p.grid == (13, 10)]) == 5


def test_a_gemm_point_published_with_in0_and_out_in_l1_is_predicted_with_them_in_l1():
    from tensix.tools.bench_matmul import HELD_OUT, PublishedGemm, bench_matmul, gemm_rows

    assert {p.memory for p in HELD_OUT if p.m == 2048} == {("l1", "l1")}  # GEMM_FLOPS: in0 and out L1-sharded
    assert {p.memory for p in HELD_OUT if p.m != 2048} == {("dram", "dram")}
    point = PublishedGemm(64, 64, 64, "bf16", "hifi4", "wormhole_n150", (2, 2), 0.5, "in0, out L1; in1 DRAM")
    row, = gemm_rows((point,))
    assert row["predicted_us"] == bench_matmul(64, 64, 64, grid="2x2", in0="l1", out="l1", timing_only=True).math_us


def test_timing_only_line_reports_the_functional_cycles_against_a_scaled_numpy_baseline(monkeypatch):
    from tensix.tools import bench_timing_only
    from tensix.tools.bench_matmul import bench_matmul

    monkeypatch.setattr(bench_timing_only, "SIDE", 256)  # the line's shape, small enough for a test
    monkeypatch.setattr(bench_timing_only, "BASE_SIDE", 128)
    (row,) = bench_timing_only.bench_timing_only_16384(1)
    functional = bench_matmul(256, 256, 256)
    assert row["name"] == "timing_only_256" and row["runs"] == 1
    assert row["cycles"] == functional.cycles
    assert row["baseline"] == "numpy float32 128^3 matmul x 8"
    assert row["ratio"] == row["emulator_s"] / row["baseline_s"]


def test_decoder_line_times_the_smollm2_prefill_timing_only_with_its_dram_peak(monkeypatch):
    from tensix.lang.models.program import compile_model
    from tensix.tools import bench_timing_only

    monkeypatch.setattr(bench_timing_only, "DECODER_TOKENS", 64)  # the line's model, small enough for a test
    monkeypatch.setattr(bench_timing_only, "DECODER_LAYERS", 2)
    (row,) = bench_timing_only.bench_timing_only_decoder_4k(1)
    compiled = compile_model("smollm.tdf", {"S": 64, "L": 2})
    assert row["cycles"] == Mesh(compiled.device, timing_only=True).run(compiled.program).cycles
    assert (row["tokens"], row["layers"]) == (64, 2)
    assert (row["dram_bank_nbytes"], row["dram_bank_nbytes_unshared"]) == (
        compiled.lowered.meta["dram_nbytes"], compiled.lowered.meta["dram_unshared_nbytes"])
    assert row["dram_bank_nbytes"] < row["dram_bank_nbytes_unshared"]
