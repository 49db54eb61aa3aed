"""fuse: unary chains fold into the op that produces their input, row-bias adds into the matmul before them."""

from dataclasses import replace

from tensix.lang import check_source
from tensix.lang.passes.decompose import decompose
from tensix.lang.passes.fuse import fuse
from tensix.presets import resolve

DEVICE = resolve("wormhole_n150")

HEAD = "input x: bf16[64, 128]\nparam w: bf16[128, 96] = random(seed=1)\nparam b: bf16[96] = zeros\n"


def _fused(body: str):
    return fuse(decompose(check_source(HEAD + body, "t.tdf"), DEVICE))


def _summary(graph) -> list[tuple]:
    return [(n.id, n.op, n.inputs, n.attrs["chain"]) for n in graph.nodes]


def test_bias_and_relu_fold_into_one_matmul():
    graph = _fused("output y = relu(x @ w + b)\n")
    assert _summary(graph) == [("2", "matmul", ("x", "w", "b"), [["relu"]])]
    assert str(graph.nodes[0].type) == "bf16[64, 96]"
    assert graph.outputs[0].value == "2"


def test_a_bias_written_first_folds_too():
    assert _summary(_fused("output y = b + x @ w\n")) == [("1", "matmul", ("x", "w", "b"), [])]


def test_unary_chains_keep_their_order():
    graph = _fused("output y = gelu(x @ w, approx=true) * 0.5\n")
    assert _summary(graph) == [("2", "matmul", ("x", "w"), [["gelu_tanh"], ["scale", 0.5]])]


def test_unaries_fold_into_elementwise_and_row_producers():
    graph = _fused("input z: bf16[64, 96]\noutput y = softmax(relu(x @ w + z)) * 2.0\n")
    assert [(n.op, n.attrs.get("fn"), n.attrs["chain"]) for n in graph.nodes] == [
        ("matmul", None, []),
        ("binary", "add", [["relu"]]),        # the relu joins the full-shape add (not a bias: it has no row shape)
        ("row", "softmax", [["scale", 2.0]]),
    ]


def test_unaries_fold_into_the_reductions_of_a_decomposed_softmax():
    small = replace(DEVICE, l1_bytes=32 * 1024)  # too small for a fused softmax row
    graph = fuse(decompose(check_source(HEAD + "output y = softmax(x)\n", "t.tdf"), small))
    assert [(n.op, n.attrs.get("fn"), n.attrs["chain"]) for n in graph.nodes] == [
        ("reduce", "max", []),
        ("binary", "sub", [["exp"]]),
        ("reduce", "sum", [["recip"]]),
        ("binary", "mul", []),
    ]


def test_a_bias_does_not_fold_after_a_chain():
    # relu(x @ w) + b is not x @ w + b: the bias would land before the relu
    graph = _fused("output y = relu(x @ w) + b\n")
    assert _summary(graph) == [("1", "matmul", ("x", "w"), [["relu"]]), ("2", "binary", ("1", "b"), [])]


def test_a_value_with_two_users_is_not_fused_away():
    graph = _fused("let h = x @ w\noutput y = relu(h) + h\n")
    assert _summary(graph) == [("0", "matmul", ("x", "w"), []), ("1", "unary", ("0",), [["relu"]]),
                               ("2", "binary", ("1", "0"), [])]


def test_a_graph_output_is_not_fused_away():
    graph = _fused("let h = x @ w\noutput h = h\noutput y = relu(h)\n")
    assert [n.id for n in graph.nodes] == ["0", "1"]


def test_ops_placed_differently_stay_apart():
    graph = _fused("let h = x @ w @cores(0..3, 0..3)\noutput y = relu(h) @cores(4..7, 0..3)\n")
    assert _summary(graph) == [("0", "matmul", ("x", "w"), []), ("1", "unary", ("0",), [["relu"]])]


def test_fusion_keeps_the_source_op_and_annotations_of_the_producer():
    (node,) = _fused("output y = relu(x @ w + b) @cores(0..1, 0..1) @noc(1)\n").nodes
    assert node.attrs["source_op"] == "matmul"
    assert node.annotations.render() == "@cores(0..1,0..1) @noc(1)"


def test_moves_of_moves_become_one_move_with_the_page_maps_composed():
    graph = fuse(decompose(check_source("input x: bf16[64, 128]\noutput y = transpose(split_heads(x[:, 0:64], 2))\n",
                                        "t.tdf"), DEVICE))
    (node,) = graph.nodes
    assert node.op == "copy" and node.inputs == ("x",) and str(node.type) == "bf16[2, 32, 64]"
    # x is 2x4 tiles; output page (head h, tile column c) is x's tile (row c, column h), transposed
    assert node.attrs["_map"] == [[0, 0, 1], [0, 4, 1], [0, 1, 1], [0, 5, 1]]


def test_a_move_after_a_concat_composes_through_both_inputs():
    text = "input a: bf16[32, 64]\ninput b: bf16[32, 32]\noutput y = transpose(concat(a, b))\n"
    (node,) = fuse(decompose(check_source(text, "t.tdf"), DEVICE)).nodes
    assert node.inputs == ("a", "b")
    assert node.attrs["_map"] == [[0, 0, 1], [0, 1, 1], [1, 0, 1]]  # a's two tiles, then b's, each transposed


ROW = "input h: bf16[1, 128]\ninput r: bf16[1, 128]\nparam w2: bf16[128, 128] = random(seed=2)\n"


def test_a_one_row_residual_add_becomes_the_bias_of_the_matmul_before_it():
    # [1, N] + [1, N] adds one row to one row: a bias row, whichever side the matmul is on
    for body in ("output y = r + h @ w2\n", "output y = h @ w2 + r\n"):
        graph = fuse(decompose(check_source(ROW + body, "t.tdf"), DEVICE))
        assert [(n.op, n.inputs) for n in graph.nodes] == [("matmul", ("h", "w2", "r"))]


def test_of_two_matmul_operands_the_one_read_only_by_the_add_takes_the_other_as_bias():
    # a feeds the add and the second matmul: only a @ w2, read by the add alone, can take the add
    graph = fuse(decompose(check_source(ROW + "let a = h @ w2\noutput y = a + a @ w2\n", "t.tdf"), DEVICE))
    assert [(n.op, n.inputs) for n in graph.nodes] == [("matmul", ("h", "w2")), ("matmul", ("0", "w2", "0"))]


def test_an_add_of_several_rows_stays_an_add():
    graph = fuse(decompose(check_source(
        "input h: bf16[2, 128]\ninput r: bf16[2, 128]\nparam w2: bf16[128, 128] = random(seed=2)\n"
        "output y = r + h @ w2\n", "t.tdf"), DEVICE))
    assert [n.op for n in graph.nodes] == ["matmul", "binary"]
