"""`tensix bench matmul`: one JSON line for one compiled matmul, its figures derived from the run."""

import json

from tensix.cli import main


def test_bench_matmul_prints_one_line_whose_figures_agree(capsys):
    assert main(["bench", "matmul", "--m", "256", "--k", "128", "--n", "256", "--grid", "2x2",
                 "--fidelity", "hifi2", "--json"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert {k: line[k] for k in ("m", "k", "n", "dtype", "fidelity", "grid", "timing_only")} == {
        "m": 256, "k": 128, "n": 256, "dtype": "bf16", "fidelity": "hifi2", "grid": [2, 2], "timing_only": False}
    assert line["device_us"] == line["cycles"] / 1000  # wormhole_n150 at 1 GHz
    flops = 2 * 256 * 128 * 256
    assert abs(line["tflops"] - flops / (line["cycles"] * 1e-9) / 1e12) < 1e-9
    # HiFi2: a tile product's two phases of 16 cycles, 4096 FLOP a cycle a phase, on the 4 cores used
    assert abs(line["utilization"] - flops / (4096 / 2 * 4 * line["cycles"])) < 1e-9
    # a 2x2 grid of 4x4-tile blocks: each row's 4x4-tile band of a and each column's 4x4 band of w read once
    assert line["dram_bytes_read"] == (8 * 4 + 4 * 8) * 2048


def test_bench_matmul_refuses_l1_tensors_and_a_grid_larger_than_the_device(capsys):
    assert main(["bench", "matmul", "--m", "64", "--k", "64", "--n", "64", "--in0", "l1"]) == 1
    assert capsys.readouterr().err == ("error: --in0 l1: L1-resident tensors are not supported yet; every tensor of "
                                       "the compiled program lives in DRAM (use --in0 dram)\n")
    assert main(["bench", "matmul", "--m", "64", "--k", "64", "--n", "64", "--grid", "9x8"]) == 1
    assert capsys.readouterr().err == ("error: --grid 9x8: wormhole_n150 has a 8x8 compute grid; give at most "
                                       "8x8\n")
