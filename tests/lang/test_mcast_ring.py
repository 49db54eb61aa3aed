"""A grid multicast matmul sharing its cores with a decode matmul whose weights' CB holds more than SLOTS k steps.

The cores of both declare one B CB, sized for the most k steps any of their matmuls keeps in it (the decode's
`b_slots`), so the grid matmul's k steps fill that ring past its SLOTS-th unit. SmolLM2's prefill at S=512 (a
weight matmul, then `last @ x` over 16 k tiles) stopped there with "multicast operand CB ... its cores are out of
step": the receivers checked their write pointer against a ring of SLOTS units.

The shared B CB holds the decode's b_slots k steps of its own band in whole shared units, not b_slots of the
widest grid band: those made SmolLM2's fp32 prefill at S=512 need 1.1 MiB of B CB per core and overflow L1.
"""

import numpy as np
import pytest

from tensix.lang.compiler import compile_source
from tensix.lang.driver import run_compiled
from tensix.lang.models.program import compile_model
from tensix.programs.stages.layout import MM_B, SLOTS, cb_in

SOURCE = """device wormhole_n150
input x: fp32[64, 512]
input last: fp32[1, 64]
param w: fp32[512, 512]
param w2: fp32[512, 4096]
output y = last @ (x @ w) @ w2
"""


def test_grid_multicast_matmul_runs_in_a_b_ring_longer_than_slots_and_matches_numpy():
    compiled = compile_source(SOURCE, "ring.tdf")
    cores = compiled.schedule.cores
    grid = [(c, s) for c in cores for s in c.steps if s.mcast is not None and s.mcast.b is not None]
    decode = [s for c in cores for s in c.steps if s.mcast is not None and s.mcast.b is None]
    assert grid and decode
    # the case itself: the grid matmul takes more k steps than SLOTS in a B CB holding more than SLOTS of its units
    steps = {-(-s.kt // s.kb) for _, s in grid}
    assert min(steps) > SLOTS and max(s.b_slots for s in decode) > SLOTS
    for core, s in grid:
        b = next(cb for cb in core.cbs if cb.id == cb_in(MM_B, "fp32"))
        assert b.pages // core.units.b > SLOTS
        # the decode steps' b_slots of their own bands, in whole units: ceil(8 * 6 / 8) = 6 units, not 8
        own = max(-(-d.b_slots * d.kb * d.blocks[0].cols // core.units.b) for d in decode)
        assert (own, b.pages) == (6, 6 * core.units.b)

    rng = np.random.default_rng(7)
    x = rng.standard_normal((64, 512)).astype(np.float32)
    last = np.zeros((1, 64), np.float32)
    last[0, 37] = 1.0  # one-hot, as the model's `last`
    w = (rng.standard_normal((512, 512)) * 0.05).astype(np.float32)
    w2 = (rng.standard_normal((512, 4096)) * 0.05).astype(np.float32)
    result, _ = run_compiled(compiled, {"x": x, "last": last}, {"w": w, "w2": w2}, check=False)
    expected = last.astype(np.float64) @ (x.astype(np.float64) @ w.astype(np.float64)) @ w2.astype(np.float64)
    np.testing.assert_allclose(result.outputs["y"].reshape(expected.shape), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.slow
def test_smollm2_fp32_prefill_at_512_tokens_fits_l1():
    # one layer: the grid matmuls' widest B band is 36 tiles and the head's decode matmul keeps 3 k steps of 25
    # columns, so the shared B CB holds ceil(3 * 25 / 36) = 3 units (108 pages); b_slots of the widest band was
    # 8 * 36 = 288 pages (the `last @ x` decode keeps 8 k steps of 2 tiles), 1.1 MiB, past L1
    compiled = compile_model("smollm.tdf", {"S": 512, "L": 1})
    pages = {cb.pages for core in compiled.schedule.cores for cb in core.cbs if cb.id == cb_in(MM_B, "fp32")
             and core.units.b == 36}
    assert pages == {108}
