"""attend: attention written out as ops becomes the fused op only when the pattern is whole and its intermediates
are used nowhere else; the IR says so."""

import numpy as np

from tensix.lang import check_source
from tensix.lang.compiler import compile_source
from tensix.lang.driver import run_compiled
from tensix.lang.passes.attend import attend

HEAD = "input q: fp32[9, 64, 64]\ninput k: fp32[3, 64, 64]\ninput v: fp32[3, 64, 64]\n"


def _ops(source: str) -> list[str]:
    return [n.op for n in attend(check_source(HEAD + source)).nodes]


def test_causal_grouped_query_attention_is_one_fused_node():
    graph = attend(check_source(HEAD + "output o = softmax(q @ transpose(k) / sqrt(64), causal=true) @ v\n"))
    (node,) = graph.nodes
    assert node.op == "scaled_dot_product_attention" and node.inputs == ("q", "k", "v")
    assert node.attrs == {"scale": 0.125, "causal": True, "fused": "softmax"}


def test_a_bias_added_before_the_softmax_becomes_an_additive_mask():
    graph = attend(check_source(HEAD + "input b: fp32[64, 64]\n"
                                       "output o = softmax(q @ transpose(k) * 0.5 + b) @ v\n"))
    (node,) = graph.nodes
    assert node.inputs == ("q", "k", "v", "b") and node.attrs["additive"] and node.attrs["scale"] == 0.5


def test_intermediates_used_elsewhere_keep_the_ops_written_out():
    kept = ["transpose", "matmul", "scale", "softmax", "matmul"]
    assert _ops("let p = softmax(q @ transpose(k) / 8, causal=true)\noutput o = p @ v\noutput pp = p\n") == kept
    assert _ops("let s = q @ transpose(k) / 8\noutput o = softmax(s) @ v\noutput ss = relu(s)\n")[:4] == kept[:4]
    # causal with a mask: the fused step takes one, so it stays as written
    assert "softmax" in _ops("input m: fp32[64]\noutput o = softmax(q @ transpose(k), causal=true, mask=m) @ v\n")


def test_the_emitted_ir_shows_the_fused_op_and_its_results_match_the_unfused_reference():
    compiled = compile_source(HEAD + "output o = softmax(q @ transpose(k) / sqrt(64), causal=true) @ v\n", "f.tdf")
    text = compiled.lowered.render()
    assert "= attention %q, " in text and "fused=softmax" in text and "row " not in text
    rng = np.random.default_rng(3)
    arrays = {n: rng.standard_normal(s).astype(np.float32) for n, s in (("q", (9, 64, 64)), ("k", (3, 64, 64)),
                                                                       ("v", (3, 64, 64)))}
    result, expected = run_compiled(compiled, arrays)  # expected: the reference of the ops as written
    np.testing.assert_allclose(result.outputs["o"], expected["o"], rtol=1e-5, atol=2e-5)


def test_a_placement_written_on_one_of_the_ops_places_the_fused_op():
    graph = attend(check_source(HEAD + "let p = softmax(q @ transpose(k) / 8, causal=true) @cores(0..3, 1..2)\n"
                                       "output o = p @ v\n"))
    (node,) = graph.nodes
    assert node.op == "scaled_dot_product_attention"
    cores = node.annotations.cores
    assert (cores.x0, cores.x1, cores.y0, cores.y1) == (0, 3, 1, 2)


def test_ops_placed_on_different_cores_or_fidelities_keep_the_ops_written_out():
    kept = ["transpose", "matmul", "scale", "softmax", "matmul"]
    assert _ops("let p = softmax(q @ transpose(k) / 8, causal=true) @cores(0..3, 0..1)\n"
                "output o = p @ v @cores(4..7, 0..1)\n") == kept
    assert _ops("let s = q @ transpose(k) / 8 @fidelity(lofi)\n"
                "output o = softmax(s, causal=true) @ v @fidelity(hifi4)\n") == kept
