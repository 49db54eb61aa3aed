"""Ops inlined from a block sit at the call site (the block's line kept as `inner`), so traces, schedules and errors
tell two calls of one block apart."""

import pytest

from tensix.lang.compiler import compile_source
from tensix.lang.errors import SourceError

TWICE = """\
input x: bf16[32, 64]
param w: bf16[64, 64]
block layer(a: bf16[32, 64], m: bf16[64, 64]) -> bf16[32, 64] {
    return relu(a @ m)
}
let h = layer(x, w)
output y = layer(h, w)
"""


def test_each_call_of_a_block_positions_its_ops_at_the_call_with_the_block_line_inside():
    compiled = compile_source(TWICE, "t.tdf")
    mms = [n for n in compiled.graph.nodes if n.op == "matmul"]
    assert [(n.pos.line, n.pos.col) for n in mms] == [(6, 9), (7, 12)]  # layer(x, w), layer(h, w)
    assert [(n.pos.inner.line, n.pos.inner.col) for n in mms] == [(4, 17), (4, 17)]  # a @ m
    srcs = {s.src for k in compiled.program.kernels for s in k.args["steps"] if s.label.startswith("matmul")}
    assert srcs == {"t.tdf:6:9", "t.tdf:7:12"}


BAD = """\
input x: bf16[2, 32, 64]
param w: bf16[2, 64, 64]
block layer(a: bf16[2, 32, 64], m: bf16[2, 64, 64]) -> bf16[2, 32, 64] {
    let r = relu(a @ m) @mcast
    return r
}
output y = layer(x, w)
"""


def test_an_error_in_an_inlined_op_points_at_the_call_and_notes_the_block_line():
    with pytest.raises(SourceError) as info:
        compile_source(BAD, "b.tdf")
    assert info.value.format() == (
        "b.tdf:7:12: error: @mcast/@shard(block) matmul needs 2-D operands, got bf16[2, 32, 64] @ bf16[2, 64, 64]\n"
        "output y = layer(x, w)\n"
        "           ^~~~~~~~~~~\n"
        "b.tdf:4:18: note: inside the block called here\n"
        "    let r = relu(a @ m) @mcast\n"
        "                 ^~~~~")
