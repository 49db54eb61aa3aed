"""A one-row residual add fused into the matmul before it (fuse) gives numpy's values, on each matmul plan a
one-row matmul gets (per-core reads, the decode matmul)."""

import numpy as np
import pytest

from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs, run_compiled
from tensix.presets import resolve

MESH = resolve("wormhole_n150")


@pytest.mark.parametrize("k, n", [(32, 64), (256, 512)])  # one k tile: per-core blocks; 8 k tiles: decode matmul
def test_the_fused_residual_matches_numpy(k, n):
    source = (f"input h: fp32[1, {k}]\ninput r: fp32[1, {n}]\nparam w: fp32[{k}, {n}] = random(seed=1)\n"
              f"output y = softmax(r + h @ w)\n")
    compiled = compile_source(source, "res.tdf", MESH)
    assert "binary" not in [node.op for node in compiled.lowered.nodes]  # the add runs in the matmul's epilogue
    result, expected = run_compiled(compiled, make_inputs(compiled.graph, 0))
    np.testing.assert_allclose(result.outputs["y"], expected["y"], rtol=0, atol=2e-6)


def test_a_sum_of_two_one_row_matmuls_fuses_into_the_later_one():
    # both operands are matmuls only the add reads: the later one takes the earlier as its bias, defined before it
    source = ("input h: fp32[1, 64]\nparam w1: fp32[64, 96] = random(seed=1)\nparam w2: fp32[64, 96] = random(seed=2)\n"
              "output y = h @ w1 + h @ w2\n")
    compiled = compile_source(source, "sum.tdf", MESH)
    matmuls = [node for node in compiled.lowered.nodes if node.op == "matmul"]
    assert "binary" not in [node.op for node in compiled.lowered.nodes] and len(matmuls) == 2
    result, expected = run_compiled(compiled, make_inputs(compiled.graph, 0))
    np.testing.assert_allclose(result.outputs["y"], expected["y"], rtol=0, atol=2e-5)
