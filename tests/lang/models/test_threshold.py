"""`--zero-threshold` reporting: MACs skipped per layer (ops mapped to layers by the `layers.{i}.` weight they
read) and the cosine of each output row to the dense run's."""

import numpy as np

from tensix.lang.compiler import compile_source
from tensix.lang.driver import run_compiled
from tensix.lang.models.threshold import cosines, layer_of_ops, skipped_by_layer
from tensix.mesh import Mesh
from tensix.zeroskip import ZeroSkip

PROGRAM = """input x: fp32[32, 64]
input z: fp32[32, 64]
param layers.0.w: fp32[64, 64] = random(seed=1)
param layers.1.w: fp32[64, 64] = random(seed=2)
let h = relu(x) @ layers.0.w
output y = relu(h + z) @ layers.1.w
"""


def test_layer_zero_reads_only_values_under_the_threshold_so_all_its_macs_are_skipped():
    compiled = compile_source(PROGRAM, "t.tdf")
    rng = np.random.default_rng(0)
    inputs = {"x": 1e-4 * rng.random((32, 64), dtype=np.float32), "z": 1 + rng.random((32, 64), dtype=np.float32)}
    mesh = Mesh(compiled.device, zero_skip=ZeroSkip(threshold=1e-2))
    result, _ = run_compiled(compiled, inputs, mesh=mesh, check=False)
    assert sorted(layer_of_ops(compiled.lowered).values()) == [0, 1]
    assert skipped_by_layer(result.stats, compiled.lowered) == {0: 1.0, 1: 0.0}


def test_cosines_are_per_row():
    a = np.array([[1.0, 0.0], [1.0, 1.0]])
    np.testing.assert_allclose(cosines(a, np.array([[2.0, 0.0], [1.0, -1.0]])), [1.0, 0.0], atol=1e-15)
