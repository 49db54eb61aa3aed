"""The MoE example: right against numpy; idle experts move no weights when zero skipping is on."""

from pathlib import Path

import numpy as np
import pytest

from tensix import Mesh
from tensix.formats import quantize
from tensix.lang.compiler import compile_file
from tensix.lang.driver import run_compiled
from tensix.lang.params import materialize

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "08_moe.tdf"


def _numpy_moe(x, p):
    """Independent numpy: softmax over each token's top-2 router logits, weighted sum of ReLU experts."""
    logits = x @ p["router"]
    gates = np.zeros_like(logits)
    for t, row in enumerate(logits):
        top = np.argsort(-row, kind="stable")[:2]
        e = np.exp(row[top] - row[top].max())
        gates[t, top] = e / e.sum()
    y = sum(gates[:, [e]] * (np.maximum(x @ p[f"experts.{e}.w1"], 0) @ p[f"experts.{e}.w2"]) for e in range(8))
    return x + y, gates


@pytest.mark.parametrize("skip", [False, True])
def test_moe_matches_numpy(skip):
    compiled = compile_file(EXAMPLE, zero_skip=skip)
    x = np.random.default_rng(5).standard_normal((8, 256)).astype(np.float32)
    result, _ = run_compiled(compiled, {"x": x}, mesh=Mesh(compiled.device, zero_skip=skip))
    params = {k: quantize(v, "bf16") for k, v in materialize(compiled.graph).items()}
    out, gates = _numpy_moe(quantize(x, "bf16"), params)
    np.testing.assert_allclose(result.outputs["gates"], gates, atol=0.02)
    scale = np.abs(out).max()
    np.testing.assert_allclose(result.outputs["out"], out, atol=0.03 * scale)


def test_experts_without_tokens_read_no_weights():
    compiled = compile_file(EXAMPLE, zero_skip=True)
    x = np.random.default_rng(5).standard_normal((8, 256)).astype(np.float32)
    dense, _ = run_compiled(compiled, {"x": x}, mesh=Mesh(compiled.device))
    sparse, _ = run_compiled(compiled, {"x": x}, mesh=Mesh(compiled.device, zero_skip=True))
    np.testing.assert_array_equal(dense.outputs["out"], sparse.outputs["out"])
    idle = [e for e in range(8) if not sparse.outputs["gates"][:, e].any()]
    assert idle, "this seed must leave at least one expert without tokens"
    ops = sparse.stats.zero_skip.ops
    for e in idle:  # both of that expert's matmuls skipped all their math
        rows = [o for o in ops if o.core[1] == e and o.op.startswith("matmul") and o.macs_total]
        assert rows and all(o.macs_skipped == o.macs_total for o in rows)
    assert sparse.stats.zero_skip.totals.dram_bytes_skipped >= len(idle) * 2 * 256 * 1024 * 2
