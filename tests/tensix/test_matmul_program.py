"""The tile-by-tile matmul program against numpy, and its one-core one-tile cycle count by hand."""

import numpy as np
import pytest

from tensix import Mesh, MeshConfig, TileKind, TimingModel
from tensix.formats import quantize
from tensix.programs.matmul import matmul_program


def _inputs(m, k, n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)


def test_fp32_matmul_on_8x8_grid_matches_numpy():
    a, b = _inputs(256, 512, 256)
    r = Mesh("wormhole_n150").run(matmul_program(256, 512, 256, grid=(8, 8), dtype="fp32"), {"A": a, "B": b})
    np.testing.assert_allclose(r.outputs["C"], a @ b, rtol=1e-5, atol=1e-4)


def test_bf16_matmul_on_8x8_grid_within_bf16_tolerance():
    a, b = _inputs(256, 256, 512, seed=1)
    r = Mesh().run(matmul_program(256, 256, 512, grid=(8, 8)), {"A": a, "B": b})
    exact = quantize(a, "bf16").astype(np.float64) @ quantize(b, "bf16").astype(np.float64)
    # inputs are rounded to bf16, products accumulate in fp32, the result is rounded to bf16 (2^-8 relative)
    np.testing.assert_allclose(r.outputs["C"], exact, rtol=2 ** -7, atol=1e-2)
    assert not np.array_equal(r.outputs["C"], a @ b)  # the result really is bf16, not fp32


def _tiny_mesh():
    # NoC (0, 0) is a DRAM bank, NoC (1, 0) the only Tensix core; DRAM 24 B/cycle, latency 100
    return MeshConfig(width=2, height=1, tiles={(0, 0): TileKind.DRAM}, dram_banks=((0, 0),))


def test_one_core_one_tile_cycle_count_matches_hand_computation():
    a, b = _inputs(32, 32, 32, seed=2)
    r = Mesh(_tiny_mesh()).run(matmul_program(32, 32, 32, grid=(1, 1)), {"A": a, "B": b})
    # reader (NoC 1), A tile: issue 2 -> request 5 + 1 hop * 9 = 14 -> bank starts at 16, busy 2048/24 = 85.3
    #   cycles (free at 101.3); data leaves after latency 100 at 116: NIU 5 + hop 9 + 65 flits + NIU 5 -> 200;
    #   bank done ceil(101.3) + 100 = 202 -> read ends at 202.
    # B tile: issued at 4, reaches the bank at 18, waits for it until 101.3 (free at 186.7); data leaves at
    #   101 + 100 = 201: 201 + 5 + 9 + 65 + 5 = 285; bank done 187 + 100 = 287 -> barrier releases at 287.
    # compute: matmul HiFi4 64 cycles -> 351, pack 8 -> 359.
    # writer (NoC 0): issue 2 -> 361; 361 + 5 + 9 + 65 + 5 = 445 at the bank; the bank is free, write starts at
    #   440 (the head arrives one NIU delay before the end), done at ceil(440 + 85.3) + 100 = 626.
    assert r.cycles == 626
    np.testing.assert_array_equal(r.outputs["C"], quantize(quantize(a, "bf16") @ quantize(b, "bf16"), "bf16"))


def test_fidelity_changes_compute_cycles_only():
    a, b = _inputs(32, 32, 32, seed=3)
    lofi = Mesh(_tiny_mesh()).run(matmul_program(32, 32, 32, grid=(1, 1), fidelity="LoFi"), {"A": a, "B": b})
    hifi = Mesh(_tiny_mesh()).run(matmul_program(32, 32, 32, grid=(1, 1), fidelity="HiFi4"), {"A": a, "B": b})
    assert hifi.cycles - lofi.cycles == 64 - 16
    np.testing.assert_array_equal(lofi.outputs["C"], hifi.outputs["C"])


@pytest.mark.parametrize("device", ["blackhole_p150", "grayskull_e150"])
def test_other_presets_run_the_same_program(device):
    a, b = _inputs(128, 64, 128, seed=4)
    r = Mesh(device).run(matmul_program(128, 64, 128, grid=(4, 4), dtype="fp32"), {"A": a, "B": b})
    np.testing.assert_allclose(r.outputs["C"], a @ b, rtol=1e-5, atol=1e-4)


def test_two_timing_models_give_identical_outputs_and_different_cycles():
    a, b = _inputs(128, 128, 128, seed=5)
    p = matmul_program(128, 128, 128, grid=(4, 4))
    base = Mesh(timing=TimingModel()).run(p, {"A": a, "B": b})
    slow = Mesh(timing=TimingModel().scaled(4.0)).run(p, {"A": a, "B": b})
    np.testing.assert_array_equal(base.outputs["C"], slow.outputs["C"])
    assert slow.cycles > base.cycles
