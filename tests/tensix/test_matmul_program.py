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
    # NoC (0, 0) is a DRAM bank, NoC (1, 0) the only Tensix core; the Wormhole timing defaults (docs/timing.md)
    return MeshConfig(width=2, height=1, tiles={(0, 0): TileKind.DRAM}, dram_banks=((0, 0),))


def test_one_core_one_tile_cycle_count_matches_hand_computation():
    a, b = _inputs(32, 32, 32, seed=2)
    r = Mesh(_tiny_mesh()).run(matmul_program(32, 32, 32, grid=(1, 1)), {"A": a, "B": b})
    # One hop each way; a one-flit packet NIU to NIU costs 5 + 9 + 5 + 1 (header) = 20.
    # reader (NoC 1), A tile (2048 B): read issue 19; the request reaches the bank at 39; the bank moves 2048 B
    #   at 22.09 B/cycle (92.7 cycles: done 132) and answers after its read latency 143: data leaves at 182 and
    #   would land at 182 + 5 + 9 + 65 flits + 5 = 266, but the last byte leaves the bank at 132 + 143 and
    #   needs 20 more: 295.
    # B tile: issued at 38, at the bank at 58, which is busy until 131.7: it starts then (done 225), answers
    #   at 131 + 143 = 274 (the NIU is free after A's 1 + ceil(2048 / 28.86) = 72 cycles, at 254); the bank
    #   is the bound again: 225 + 143 + 20 = 388 -> the read barrier releases at 388.
    # compute: one lone tile product unpacks its A and its B tile, HiFi4 bf16 max(64 FPU, 2 x 2 + 4096 / 64 = 68
    #   unpack) -> 456, pack bf16 2 + 2048 / 64 = 34 -> 490.
    # writer (NoC 0): write issue 22 -> 512; data lands at 512 + 5 + 9 + 65 + 5 = 596; the bank starts as the
    #   head arrives (512 + 20 = 532), done at ceil(532 + 92.7) = 625; landed after the write latency 133, at
    #   758; the acknowledgement is back 20 later: the write barrier releases at 778.
    assert r.cycles == 778
    np.testing.assert_array_equal(r.outputs["C"], quantize(quantize(a, "bf16") @ quantize(b, "bf16"), "bf16"))


def test_fidelity_changes_compute_cycles_only():
    a, b = _inputs(32, 32, 32, seed=3)
    run = lambda fid, dt: Mesh(_tiny_mesh()).run(  # noqa: E731
        matmul_program(32, 32, 32, grid=(1, 1), fidelity=fid, dtype=dt), {"A": a, "B": b})
    lofi, hifi = run("LoFi", "bfp8_b"), run("HiFi4", "bfp8_b")
    # a lone tile product unpacks its A and its B tile: bfp8_b 2 x 2 + 2 x 1088 / 64 = 38 cycles, so LoFi is bound
    # by the unpackers (38), HiFi4 by the FPU (64); bf16 (2 x 2 + 4096 / 64 = 68) is unpacker-bound at both
    assert hifi.cycles - lofi.cycles == 64 - 38
    np.testing.assert_array_equal(lofi.outputs["C"], hifi.outputs["C"])
    assert run("LoFi", "bf16").cycles == run("HiFi4", "bf16").cycles


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
