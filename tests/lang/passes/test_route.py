"""route: every producer op signals exactly the cores that consume its output, and they wait for all of it."""

from tensix.lang import check_source
from tensix.lang.passes.decompose import decompose
from tensix.lang.passes.fuse import fuse
from tensix.lang.passes.place import place
from tensix.lang.passes.route import route
from tensix.lang.passes.tile import tile

from tensix.config import MeshConfig, TileKind

MESH = MeshConfig(width=5, height=4, tiles={(4, y): TileKind.DRAM for y in range(4)})  # 4x4 compute grid
HEAD = "input x: fp32[32, 64]\n"  # two tiles: an op on it uses at most two cores


def _routed(body: str):
    return route(tile(place(fuse(decompose(check_source(HEAD + body, "t.tdf"))), MESH)))


def _steps(node) -> dict:
    return {core: {k: step[k] for k in ("wait", "signal", "label", "src", "noc") if k in step}
            for core, step in node.attrs["_steps"].items()}


def test_producer_cores_signal_the_consumer_cores_which_wait_for_both():
    relu, scale = _routed("let h = relu(x) @cores(0..1, 0)\noutput y = h * 2.0 @cores(2..3, 1) @noc(1)\n").nodes
    signal = [[0, [[2, 1], [3, 1]]]]  # semaphore 0 (the first op's) on each consumer core
    assert _steps(relu) == {
        (0, 0): {"wait": [], "signal": signal, "label": "relu %0", "src": "t.tdf:2:9"},
        (1, 0): {"wait": [], "signal": signal, "label": "relu %0", "src": "t.tdf:2:9"},
    }
    assert _steps(scale) == {
        (2, 1): {"wait": [[0, 2]], "label": "scale %1", "src": "t.tdf:3:12", "noc": 1},
        (3, 1): {"wait": [[0, 2]], "label": "scale %1", "src": "t.tdf:3:12", "noc": 1},
    }


def test_an_input_read_twice_is_waited_for_once():
    _, add = _routed("let h = relu(x) @cores(0, 0)\noutput y = h + h @cores(1, 0)\n").nodes
    assert _steps(add) == {(1, 0): {"wait": [[0, 1]], "label": "add %1", "src": "t.tdf:3:12"}}


def test_graph_inputs_need_no_wait_and_outputs_signal_no_one():
    (node,) = _routed("output y = relu(x) @cores(0, 0)\n").nodes
    assert _steps(node) == {(0, 0): {"wait": [], "label": "relu %0", "src": "t.tdf:2:12"}}


def test_each_consumer_core_is_signalled_once_across_several_consumers():
    graph = _routed("let h = relu(x) @cores(0, 0)\nlet a = h * 2.0 @cores(1..2, 0)\nlet b = h * 3.0 @cores(2..3, 0)\n"
                    "output y = a + b @cores(0, 1)\n")
    h, a, b, y = graph.nodes
    assert h.attrs["_steps"][(0, 0)]["signal"] == [[0, [[1, 0], [2, 0], [3, 0]]]]
    assert a.attrs["_steps"][(1, 0)]["signal"] == [[1, [[0, 1]]]]
    assert b.attrs["_steps"][(2, 0)]["signal"] == [[2, [[0, 1]]]]
    assert y.attrs["_steps"][(0, 1)]["wait"] == [[1, 2], [2, 2]]


def test_decomposed_steps_keep_the_source_op_label():
    graph = _routed("output y = softmax(x) @cores(0, 0)\n")
    assert {n.attrs["_steps"][(0, 0)]["label"] for n in graph.nodes} == {"softmax %0"}
    waits = [n.attrs["_steps"][(0, 0)]["wait"] for n in graph.nodes]
    assert waits == [[], [[0, 1]], [[1, 1]], [[1, 1], [2, 1]]]  # max; sub-exp; sum-recip; mul
