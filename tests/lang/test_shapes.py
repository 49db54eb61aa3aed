"""passes/shapes: the type rule of every op, and the pass that re-derives a graph's types."""

from dataclasses import replace

import pytest
from conftest import GOOD, GOOD_DIR

from tensix.lang import ErrorList, ShapeError, TensorType, check_file, shapes
from tensix.lang.passes.shapes import broadcast, infer


def T(dtype, *shape):
    return TensorType(dtype, shape)


@pytest.mark.parametrize("op, types, attrs, out", [
    ("matmul", [T("bf16", 128, 768), T("bfp8_b", 768, 64)], {}, T("bf16", 128, 64)),
    ("matmul", [T("fp32", 12, 128, 64), T("bf16", 12, 64, 128)], {}, T("fp32", 12, 128, 128)),
    ("matmul", [T("bf16", 2, 12, 8, 4), T("bf16", 4, 5)], {}, T("bf16", 2, 12, 8, 5)),
    ("matmul", [T("bf16", 9, 32, 64), T("bf16", 3, 64, 32)], {}, T("bf16", 9, 32, 32)),  # grouped-query
    ("matmul", [T("bf16", 2, 9, 32, 64), T("bf16", 2, 3, 64, 32)], {}, T("bf16", 2, 9, 32, 32)),
    ("add", [T("bf16", 128, 768), T("bf16", 768)], {}, T("bf16", 128, 768)),
    ("mul", [T("bf16", 32, 1), T("bf16", 32, 64)], {}, T("bf16", 32, 64)),
    ("softmax", [T("bf16", 4, 4)], {"causal": True}, T("bf16", 4, 4)),
    ("layernorm", [T("bf16", 8, 16), T("bf16", 16), T("bf16", 16)], {"eps": 1e-5}, T("bf16", 8, 16)),
    ("transpose", [T("bf16", 2, 3, 4)], {"perm": None}, T("bf16", 2, 4, 3)),
    ("transpose", [T("bf16", 2, 3, 4)], {"perm": (2, 0, 1)}, T("bf16", 4, 2, 3)),
    ("reshape", [T("bf16", 4, 6)], {"shape": (3, -1)}, T("bf16", 3, 8)),
    ("split_heads", [T("bf16", 128, 768)], {"heads": 12}, T("bf16", 12, 128, 64)),
    ("merge_heads", [T("bf16", 12, 128, 64)], {}, T("bf16", 128, 768)),
    ("slice", [T("bf16", 4, 6)], {"axis": 1, "start": 2, "end": 5}, T("bf16", 4, 3)),
    ("concat", [T("bf16", 4, 6), T("fp32", 4, 2)], {"axis": 1}, T("fp32", 4, 8)),
    ("embedding", [T("int32", 16), T("bf16", 100, 64)], {}, T("bf16", 16, 64)),
    ("rope", [T("fp32", 4, 16, 8), T("int32", 16)], {"theta": 1e4, "interleaved": False}, T("fp32", 4, 16, 8)),
    ("topk_gate", [T("bf16", 32, 8)], {"k": 2, "normalize": True}, T("bf16", 32, 8)),
    ("cast", [T("bf16", 3)], {"dtype": "fp32"}, T("fp32", 3)),
])
def test_infer(op, types, attrs, out):
    assert infer(op, types, attrs) == out


@pytest.mark.parametrize("op, types, attrs, message", [
    ("matmul", [T("bf16", 4), T("bf16", 4, 4)], {}, "matmul: left operand needs at least 2 axes, got bf16[4]"),
    ("matmul", [T("bf16", 2, 4, 4), T("bf16", 3, 4, 4)], {},
     "matmul: batch dimensions of bf16[2, 4, 4] and bf16[3, 4, 4] do not broadcast (nor group: b's heads, axis -3, "
     "must divide a's)"),
    ("add", [T("int32", 4), T("bf16", 4)], {},
     "add: input must be a float tensor (fp32, bf16, bfp8_b, bfp4_b), got int32[4]"),
    ("softmax", [T("bf16", 4)], {"causal": True}, "softmax: causal softmax needs at least 2 axes, got bf16[4]"),
    ("transpose", [T("bf16", 2, 3)], {"perm": (0, 0)}, "transpose: perm [0, 0] is not a permutation of the 2 axes "
                                                         "of bf16[2, 3]"),
    ("reshape", [T("bf16", 4, 6)], {"shape": (-1, -1)},
     "reshape: bad target shape [-1, -1]: dimensions must be positive, with at most one -1"),
    ("reshape", [T("bf16", 4, 6)], {"shape": (5, -1)}, "reshape: cannot reshape bf16[4, 6] (24 elements) to [5, -1]"),
    ("merge_heads", [T("bf16", 4, 6)], {}, "merge_heads: merge_heads needs at least 3 axes, got bf16[4, 6]"),
    ("concat", [T("bf16", 4, 6), T("bf16", 3, 2)], {"axis": 1}, "concat: cannot join bf16[4, 6] and bf16[3, 2] along "
                                                                  "axis 1"),
    ("concat", [T("bf16", 4, 6)], {"axis": 2}, "concat: axis 2 is out of range for bf16[4, 6]"),
    ("embedding", [T("int32", 4), T("bf16", 4)], {}, "embedding: table must have 2 axes [vocab, dim], got bf16[4]"),
    ("rope", [T("fp32", 4, 7)], {}, "rope: the last axis of fp32[4, 7] must be even"),
    ("rope", [T("fp32", 4, 8), T("int32", 5)], {}, "rope: positions must be int32[4] for fp32[4, 8], got int32[5]"),
    ("layernorm", [T("bf16", 8, 16), T("bf16", 16), T("bf16", 16)], {"eps": 0.0}, "layernorm: eps must be positive, "
                                                                                   "got 0.0"),
])
def test_infer_errors(op, types, attrs, message):
    with pytest.raises(ShapeError) as info:
        infer(op, types, attrs)
    assert info.value.message == message


def test_broadcast():
    assert broadcast((128, 768), (768,)) == (128, 768)
    assert broadcast((4, 1, 3), (5, 1)) == (4, 5, 3)
    assert broadcast((2, 3), (3, 2)) is None


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_pass_rederives_stripped_types(path):
    graph = check_file(path)
    stripped = replace(graph, nodes=tuple(replace(n, type=None) for n in graph.nodes))
    assert shapes(stripped).render() == graph.render()


def test_pass_reports_every_failing_op_and_skips_their_users():
    graph = check_file(GOOD_DIR / "mlp.tdf")
    nodes = list(graph.nodes)
    nodes[0] = replace(nodes[0], inputs=("w1", "x"))  # [768, 3072] @ [128, 768]: fails
    nodes[3] = replace(nodes[3], inputs=("x", "b1"))  # [128, 768] @ [3072]: fails; %1, %2 read %0: skipped
    with pytest.raises(ErrorList) as info:
        shapes(replace(graph, nodes=tuple(nodes)))
    assert [e.message.split(":")[0] for e in info.value.errors] == ["matmul", "matmul"]
    assert info.value.errors[0].pos.line == 14  # the op keeps its source position
