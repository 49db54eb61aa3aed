"""Grouped-query batched matmul: b's heads (axis -3) are shared by consecutive groups of a's heads, on the
device as in the reference, against numpy with the heads repeated by hand."""

import numpy as np
import pytest

from tensix.lang import check_source
from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs, run_compiled
from tensix.lang.errors import ErrorList

ATTENTION = """\
input q: fp32[6, 64, 32]
input k: fp32[2, 64, 32]
input v: fp32[2, 64, 32]
let p = softmax(q @ transpose(k) / 8.0, causal=true)
output y = p @ v
"""


def _attention(q, k, v):
    k, v = np.repeat(k, 3, axis=0), np.repeat(v, 3, axis=0)  # heads 0-2 read kv head 0, heads 3-5 kv head 1
    s = q @ k.transpose(0, 2, 1) / 8.0
    s = np.where(np.triu(np.ones((64, 64), bool), 1), -np.inf, s)
    p = np.exp(s - s.max(-1, keepdims=True))
    return (p / p.sum(-1, keepdims=True)) @ v


def test_grouped_query_attention_runs_on_the_device_and_matches_numpy():
    compiled = compile_source(ATTENTION, "gqa.tdf")
    inputs = make_inputs(compiled.graph, 3)
    result, expected = run_compiled(compiled, inputs)
    want = _attention(inputs["q"], inputs["k"], inputs["v"])
    np.testing.assert_allclose(expected["y"], want, atol=1e-6)
    np.testing.assert_allclose(result.outputs["y"], want, atol=1e-5)


def test_heads_that_do_not_divide_are_a_shape_error():
    with pytest.raises(ErrorList, match=r"matmul: batch dimensions of fp32\[4, 32, 32\] and fp32\[3, 32, 32\] do not "
                                        r"broadcast \(nor group: b's heads, axis -3, must divide a's\)"):
        check_source("input a: fp32[4, 32, 32]\ninput b: fp32[3, 32, 32]\noutput y = a @ b\n")
