"""verify: IR invariants; a violation is an IrError naming the pass that broke it."""

from dataclasses import replace

import pytest
from conftest import GOOD_DIR

from tensix.lang import IrError, TensixError, TensorType, check_file, verify


@pytest.fixture
def graph():
    return check_file(GOOD_DIR / "mlp.tdf")


def _broken(graph, index, **changes):
    nodes = list(graph.nodes)
    nodes[index] = replace(nodes[index], **changes)
    return replace(graph, nodes=tuple(nodes))


def test_valid_graph_is_returned(graph):
    assert verify(graph) is graph


@pytest.mark.parametrize("index, changes, problem", [
    (0, {"inputs": ("x", "3")}, "node %0 uses %3 before it is defined"),
    (1, {"id": "0"}, "%0 is defined twice"),
    (2, {"type": None}, "node %2 has no type"),
    (2, {"type": TensorType("bf17", (1,))}, "node %2 has a malformed type"),
    (2, {"type": TensorType("bf16", (0, 4))}, "node %2 has a malformed shape (0, 4)"),
    (2, {"op": "rellu"}, "node %2 has unknown op 'rellu'"),
    (2, {"inputs": ("1", "1")}, "node %2 (relu) has 2 inputs"),
])
def test_violations_name_the_pass(graph, index, changes, problem):
    with pytest.raises(IrError) as info:
        verify(_broken(graph, index, **changes), after="fuse")
    assert str(info.value).startswith("IR invalid after pass 'fuse': ")
    assert problem in str(info.value)
    assert not isinstance(info.value, TensixError)  # a compiler bug, not a user error


def test_untyped_graphs_pass_when_types_are_not_required(graph):
    untyped = replace(graph, nodes=tuple(replace(n, type=None) for n in graph.nodes))
    assert verify(untyped, typed=False) is untyped


def test_outputs_must_read_defined_values(graph):
    bad = replace(graph, outputs=(replace(graph.outputs[0], value="99"),))
    with pytest.raises(IrError, match="output %y reads undefined %99"):
        verify(bad)


def test_later_passes_may_allow_their_own_ops(graph):
    primitive = _broken(graph, 2, op="unary")
    with pytest.raises(IrError, match="unknown op 'unary'"):
        verify(primitive)
    assert verify(primitive, ops={"unary", "matmul", "add"}) is primitive
