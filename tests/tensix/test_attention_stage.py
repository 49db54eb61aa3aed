"""The attention stage on a hand-written schedule: one core, one head of 128 rows (4 tile rows), chunks of 2 tile
rows. Its reads, writes and values are counted by hand: causal skipping never reads a key chunk above the
diagonal, the scores never go to DRAM, and timing-only runs charge the same cycles."""

import numpy as np
import pytest

from tensix import Mesh
from tensix.program import BufferSpec
from tensix.programs.stages.build import build_program

RNG = np.random.default_rng(11)
S, D, CH = 128, 64, 2  # 4 tile rows, 2 head-dim tiles, chunks of 2 tile rows
TILE = 4096  # fp32 bytes


def _program(causal: bool):
    bufs = [BufferSpec("q", (1, S, D), "fp32", "input"), BufferSpec("kt", (1, D, S), "fp32", "input"),
            BufferSpec("v", (1, S, D), "fp32", "input"), BufferSpec("o", (1, S, D), "fp32", "output")]
    step = {"op": "attention", "q": "q", "kt": "kt", "v": "v", "out": "o", "scale": 0.125, "nq": 4, "nk": 4,
            "dt": 2, "groups": 1, "chunk": CH, "work": [[0, 0], [0, 1]], "causal": int(causal)}
    if causal:  # the diagonal block: -1e9 above the diagonal of a [64, 64] block
        bufs.append(BufferSpec("m", (CH * 32, CH * 32), "fp32", "input"))
        step |= {"mask": "m", "mask_cols": CH}
    return build_program("attn", bufs, {(0, 0): [step]})


def _inputs(causal: bool) -> dict:
    q, k, v = (RNG.standard_normal((1, S, D)).astype(np.float32) for _ in range(3))
    arrays = {"q": q, "kt": np.ascontiguousarray(k.transpose(0, 2, 1)), "v": v}
    if causal:
        arrays["m"] = np.triu(np.full((CH * 32, CH * 32), -1e9, np.float32), 1)
    return arrays


def _numpy(a: dict, causal: bool) -> np.ndarray:
    s = a["q"][0].astype(np.float64) @ a["kt"][0] * 0.125
    if causal:
        s = np.where(np.triu(np.ones((S, S), bool), 1), -np.inf, s)
    e = np.exp(s - s.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)) @ a["v"][0]


@pytest.mark.parametrize("causal", [True, False])
def test_reads_writes_and_values_counted_by_hand(causal):
    arrays = _inputs(causal)
    r = Mesh().run(_program(causal), arrays)
    np.testing.assert_allclose(r.outputs["o"][0], _numpy(arrays, causal), rtol=1e-5, atol=2e-5)
    reads = [t.nbytes for t in r.trace.transfers if t.kind == "read"]
    writes = [t.nbytes for t in r.trace.transfers if t.kind == "write"]
    # q: 2 items x 2 rows x 2 tiles = 8. Causal: item 0 reads key chunk 0, item 1 chunks 0 and 1 (k^T and v: 4
    # tiles each a chunk) = 24, plus the diagonal chunks' mask rows (2 items x 2 rows x 2 tiles) = 8. Without
    # causal masking both items read both chunks: 32.
    assert sum(reads) == (8 + 24 + 8 if causal else 8 + 32) * TILE
    assert sum(writes) == 8 * TILE  # the output's 8 tiles and nothing else: no scores in DRAM


def test_timing_only_gives_the_functional_cycles():
    arrays = _inputs(True)
    assert Mesh(timing_only=True).run(_program(True), arrays).cycles == Mesh().run(_program(True), arrays).cycles
