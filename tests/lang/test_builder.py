"""GraphBuilder: the Python frontend makes the same IR as the text; nodes are typed as they are made."""

import inspect

import pytest
from conftest import HERE

from tensix.lang import (
    OPS,
    CoreRect,
    FillSpec,
    GraphBuilder,
    NameResolutionError,
    RandomSpec,
    ShapeError,
    check_file,
)

GOOD = HERE / "cases" / "good"


def _mlp() -> GraphBuilder:
    g = GraphBuilder("mlp", device="wormhole_n150")
    x = g.input("x", "bf16", [128, 768])
    w1 = g.param("w1", "bf16", [768, 3072], RandomSpec(seed=1, std=0.02))
    b1 = g.param("b1", "bf16", [3072], FillSpec(0.0))
    w2 = g.param("w2", "bf16", [3072, 768], RandomSpec(seed=2, std=0.02))
    b2 = g.param("b2", "bf16", [768], FillSpec(0.0))
    with g.annotate(cores=CoreRect(0, 7, 0, 7), shard="block", mcast=True):
        h = g.relu(x @ w1 + b1)
    g.output("y", h @ w2 + b2)
    return g


def test_builder_mlp_renders_like_the_text():
    assert _mlp().build().render() == check_file(GOOD / "mlp.tdf").render()


def test_builder_graph_equals_the_text_graph_apart_from_positions():
    built, text = _mlp().build(), check_file(GOOD / "mlp.tdf")
    assert (built.inputs, built.params, built.nodes, built.outputs) == (
        text.inputs, text.params, text.nodes, text.outputs)


def _mha(g, x, heads, prefix):
    d = x.shape[-1]
    wq, wk, wv, wo = (g.param(f"{prefix}.{n}", "bf16", [d, d], RandomSpec(seed=s, std=0.05))
                      for s, n in enumerate(["wq", "wk", "wv", "wo"], start=1))
    q, k, v = (g.split_heads(x @ w, heads) for w in (wq, wk, wv))
    a = g.softmax(q @ g.transpose(k) / (d / heads) ** 0.5, causal=True)
    return g.merge_heads(a @ v) @ wo


def test_builder_attention_block_renders_like_the_text():
    g = GraphBuilder("attention_multi")
    x = g.input("x", "bf16", [128, 256])
    g.output("y", _mha(g, x, 4, "attn"))
    assert g.build().render() == check_file(GOOD / "attention_multi.tdf").render()


def test_every_op_has_a_builder_method_with_the_same_arguments():
    for op, specs in OPS.items():
        params = list(inspect.signature(getattr(GraphBuilder, op)).parameters)
        assert params == ["self", *[a.name for a in specs], "pos"], op


def test_nodes_are_typed_when_made_and_errors_point_at_the_calling_line():
    g = GraphBuilder("bad")
    x = g.input("x", "fp32", [4, 8])
    w = g.param("w", "fp32", [5, 8])
    with pytest.raises(ShapeError) as info:
        x @ w  # the error's position is this line
    line = inspect.currentframe().f_lineno - 1
    assert info.value.pos.path == __file__ and info.value.pos.line == line
    assert info.value.message == "matmul: inner dimensions differ: fp32[4, 8] @ fp32[5, 8] (8 vs 5)"
    assert "x @ w" in info.value.format()


def test_tensor_operators():
    g = GraphBuilder("ops")
    x = g.input("x", "fp32", [2, 3])
    y = -(2 * x * 0.5 - x) / 4
    assert [n.op for n in g.build().nodes] == ["scale", "scale", "sub", "scale", "scale"]
    assert y.shape == (2, 3) and y.dtype == "fp32"


def test_attribute_defaults_and_canonical_axes():
    g = GraphBuilder("attrs")
    x = g.input("x", "fp32", [4, 6])
    g.slice(x, -1, -4)
    g.concat(x, x, axis=-2)
    g.softmax(x)
    nodes = g.build().nodes
    assert nodes[0].attrs == {"axis": 1, "start": 2, "end": 6}
    assert nodes[1].attrs == {"axis": 0} and nodes[1].type.shape == (8, 6)
    assert nodes[2].attrs == {"causal": False}


@pytest.mark.parametrize("call, message", [
    (lambda g, x: g.split_heads(x, 2.5), "split_heads: 'heads' must be an integer, got 2.5"),
    (lambda g, x: g.op("relu", [x], {"alpha": 1}), "relu: unknown attribute 'alpha'"),
    (lambda g, x: g.op("reshape", [x]), "reshape: missing argument 'shape'"),
    (lambda g, x: g.op("add", [x]), "add: takes 2 tensor inputs, got 1"),
    (lambda g, x: g.relu(3), "relu: expected a tensor, got 3"),
])
def test_argument_errors(call, message):
    g = GraphBuilder("bad")
    x = g.input("x", "fp32", [4, 6])
    with pytest.raises(ShapeError) as info:
        call(g, x)
    assert info.value.message == message


def test_unknown_op_and_duplicate_names():
    g = GraphBuilder("bad")
    x = g.input("x", "fp32", [4, 6])
    with pytest.raises(NameResolutionError, match=r"unknown op 'sofmax' \(did you mean 'softmax'\?\)"):
        g.op("sofmax", [x])
    with pytest.raises(NameResolutionError, match="'x' is already declared"):
        g.param("x", "fp32", [1])
    with pytest.raises(ShapeError, match=r"unknown dtype 'bf61' \(did you mean 'bf16'\?\)"):
        g.input("z", "bf61", [1])
    with pytest.raises(ShapeError, match="positive integer dimensions"):
        g.input("z", "bf16", [0, 2])


def test_annotations_nest_inner_wins():
    g = GraphBuilder("ann")
    x = g.input("x", "fp32", [4, 6])
    with g.annotate(shard="height", noc=0):
        with g.annotate(noc=1, region="s1"):
            g.relu(x)
        g.relu(x)
    a, b = (n.annotations for n in g.build().nodes)
    assert (a.shard, a.noc, a.region) == ("height", 1, "s1")
    assert (b.shard, b.noc, b.region) == ("height", 0, None)
