"""Blocks with several results (`return a, b`, bound by `let a, b = f(x)`): inlined like any block, each result
an ordinary value, on the device as in numpy."""

import numpy as np

from tensix.lang import check_source
from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs, run_compiled

PROGRAM = """\
input x: fp32[32, 64]
input w: fp32[64, 96]
block split3(x: fp32[32, 64], w: fp32[64, 96]) -> (fp32[32, 32], fp32[32, 64]) {
    let h = x @ w
    return h[:, 0:32], relu(h[:, 32:96])
}
block twice(x: fp32[32, 64], w: fp32[64, 96]) -> (fp32[32, 32], fp32[32, 64]) {
    let a, b = split3(x, w)
    return a * 2.0, b
}
let q, r = twice(x, w)
output y = q
output z = r + x
"""


def test_several_results_bind_in_order_and_run_on_the_device():
    compiled = compile_source(PROGRAM, "results.tdf")
    inputs = make_inputs(compiled.graph, 5)
    result, _ = run_compiled(compiled, inputs)
    h = inputs["x"] @ inputs["w"]
    np.testing.assert_allclose(result.outputs["y"], 2.0 * h[:, :32], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(result.outputs["z"], np.maximum(h[:, 32:], 0) + inputs["x"], rtol=1e-5, atol=1e-5)


def test_results_rebind_names_like_a_let_and_leave_no_extra_nodes():
    graph = check_source("input x: fp32[32, 32]\n"
                         "block pair(x: fp32[32, 32]) { return relu(x), silu(x) }\n"
                         "let x, y = pair(x)\n"
                         "output o = x + y\n")
    assert [n.op for n in graph.nodes] == ["relu", "silu", "add"]
    assert graph.nodes[2].inputs == ("0", "1")
