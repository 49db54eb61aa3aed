"""decompose: every language op becomes the device primitives (mm, bin, un, red, move, gather, row) with the right
attrs; softmax and the norms become one fused `row` op, streamed in blocks when a tile row does not fit on a core,
several primitives when not even a block of one tile fits."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tensix.lang import FillSpec, GraphBuilder, ShapeError, check_source
from tensix.lang.passes.decompose import PRIMITIVES, decompose
from tensix.presets import resolve

DEVICE = resolve("wormhole_n150")
SMALL_L1 = replace(DEVICE, l1_bytes=64 * 1024)  # 4x the CBs of a 64-wide row op is 128 KB or more: decomposed


def _lowered(text: str):
    return decompose(check_source(text, "t.tdf"), DEVICE)


def _ops(graph) -> list[tuple]:
    """(id, op, inputs, attrs without source_op) of every node."""
    return [(n.id, n.op, n.inputs, {k: v for k, v in n.attrs.items() if k != "source_op"}) for n in graph.nodes]


def test_fused_row_ops_take_their_operands_and_eps():
    g = GraphBuilder("rows")
    x = g.input("x", "bf16", [128, 768])
    gamma, beta = g.param("g", "bf16", [768], FillSpec(1.0)), g.param("b", "bf16", [768], FillSpec(0.0))
    g.output("ln", g.layernorm(x, gamma, beta, eps=1e-5))
    g.output("rms", g.rmsnorm(x, gamma, eps=1e-6))
    g.output("sm", g.softmax(g.input("s", "bf16", [12, 128, 128]), causal=True))
    assert _ops(decompose(g.build(), DEVICE)) == [
        ("0", "row", ("x", "g", "b"), {"fn": "layernorm", "eps": 1e-5, "chain": []}),
        ("1", "row", ("x", "g"), {"fn": "rmsnorm", "eps": 1e-6, "chain": []}),
        ("2", "row", ("s", "2.mask"), {"fn": "softmax", "chain": []}),
    ]


def test_a_row_op_fuses_while_its_cbs_take_at_most_a_quarter_of_l1():
    # fp32 softmax rows: CBs of 3 * nt * 4 KB (x twice, the output once) + (nt + 2) * 4 KB (fp32 intermediates)
    # wider rows stream (`block`): 4 * 4 KB per block tile (x twice, two output blocks) + 4 fp32 pages of 4 KB
    def ops(cols: int, device=DEVICE) -> list[tuple]:
        graph = decompose(check_source(f"input x: fp32[32, {cols}]\noutput y = softmax(x)\n", "t.tdf"), device)
        return [(n.op, n.attrs.get("block")) for n in graph.nodes]
    nt_max = (DEVICE.l1_bytes // 4 // 4096 - 2) // 4  # 22 tiles on wormhole_n150's 1464 KiB
    assert ops(32 * nt_max) == [("row", None)]
    assert (DEVICE.l1_bytes // 4 // 4096 - 4) // 4 == 21  # tiles a block may hold
    assert ops(32 * (nt_max + 1)) == [("row", 12)]  # 23 tiles: two even blocks
    assert ops(32 * 64) == [("row", 16)]  # four
    assert ops(32 * 64, SMALL_L1) == [("reduce", None), ("binary", None), ("reduce", None), ("binary", None)]


def test_causal_softmax_too_wide_for_a_core_is_mask_max_exp_sum_recip_mul():
    g = GraphBuilder("sm")
    x = g.input("x", "fp32", [64, 64])
    g.output("y", g.softmax(x, causal=True))
    out = decompose(g.build(), SMALL_L1)
    assert _ops(out) == [
        ("0.0", "binary", ("x", "0.mask"), {"fn": "add", "bcast": "none", "chain": []}),
        ("0.1", "reduce", ("0.0",), {"fn": "max", "scale": 1.0, "chain": []}),
        ("0.2", "binary", ("0.0", "0.1"), {"fn": "sub", "bcast": "col", "chain": [["exp"]]}),
        ("0.3", "reduce", ("0.2",), {"fn": "sum", "scale": 1.0, "chain": [["recip"]]}),
        ("0", "binary", ("0.2", "0.3"), {"fn": "mul", "bcast": "col", "chain": []}),
    ]
    assert [str(n.type) for n in out.nodes] == ["fp32[64, 64]", "fp32[64, 1]", "fp32[64, 64]", "fp32[64, 1]",
                                                "fp32[64, 64]"]
    assert {n.attrs["source_op"] for n in out.nodes} == {"softmax"}


def test_the_causal_mask_is_a_constant_param_hiding_future_keys():
    g = GraphBuilder("sm")
    g.output("y", g.softmax(g.input("x", "bf16", [32, 64]), causal=True))  # 32 queries, 64 keys
    out = decompose(g.build(), DEVICE)
    mask = out.meta["constants"]["0.mask"]
    assert [p.name for p in out.params] == ["0.mask"] and str(out.params[0].type) == "bf16[32, 64]"
    # key j is hidden from query i when j > i + (keys - queries)
    assert mask[0, 32] == 0 and mask[0, 33] == -1e9 and mask[31, 63] == 0
    assert np.array_equal(mask == 0, np.tri(32, 64, 32, dtype=bool))


def test_softmaxes_of_one_shape_share_one_mask_and_other_shapes_get_their_own():
    """A mask is a function of the scores' shape, causality and dtype: every layer's causal softmax reads one
    constant (at 4k tokens each would be a 64 MB param), while a different shape builds its own."""
    g = GraphBuilder("sm")
    x, z = g.input("x", "bf16", [32, 64]), g.input("z", "bf16", [64, 64])
    g.output("a", g.softmax(x, causal=True))
    g.output("b", g.softmax(x, causal=True))
    g.output("c", g.softmax(z, causal=True))
    out = decompose(g.build(), DEVICE)
    assert [p.name for p in out.params] == ["0.mask", "2.mask"]
    masks = [name for n in out.nodes for name in n.inputs if name.endswith(".mask")]
    assert masks == ["0.mask", "0.mask", "2.mask"]
    assert np.array_equal(out.meta["constants"]["2.mask"] == 0, np.tri(64, 64, 0, dtype=bool))


def test_plain_softmax_needs_no_mask():
    out = decompose(check_source("input x: fp32[32, 64]\noutput y = softmax(x)\n", "t.tdf"), SMALL_L1)
    assert [n.op for n in out.nodes] == ["reduce", "binary", "reduce", "binary"]
    assert "constants" not in out.meta and out.params == ()


def test_layernorm_too_wide_for_a_core_centres_scales_then_applies_gamma_and_beta_rows():
    g = GraphBuilder("ln")
    x = g.input("x", "bf16", [32, 64])
    gamma, beta = g.param("g", "bf16", [64], FillSpec(1.0)), g.param("b", "bf16", [64], FillSpec(0.0))
    g.output("y", g.layernorm(x, gamma, beta, eps=1e-5))
    assert _ops(decompose(g.build(), SMALL_L1)) == [
        ("0.0", "reduce", ("x",), {"fn": "sum", "scale": 1 / 64, "chain": []}),
        ("0.1", "binary", ("x", "0.0"), {"fn": "sub", "bcast": "col", "chain": []}),
        ("0.2", "unary", ("0.1",), {"chain": [["square"]]}),
        ("0.3", "reduce", ("0.2",), {"fn": "sum", "scale": 1 / 64, "chain": [["add_scalar", 1e-5], ["rsqrt"]]}),
        ("0.4", "binary", ("0.1", "0.3"), {"fn": "mul", "bcast": "col", "chain": []}),
        ("0.5", "binary", ("0.4", "g"), {"fn": "mul", "bcast": "row", "chain": []}),
        ("0", "binary", ("0.5", "b"), {"fn": "add", "bcast": "row", "chain": []}),
    ]


def test_rmsnorm_too_wide_for_a_core_does_not_centre():
    text = "input x: fp32[32, 64]\nparam g: fp32[64] = ones\noutput y = rmsnorm(x, g, eps=1e-6)\n"
    out = decompose(check_source(text, "t.tdf"), SMALL_L1)
    assert [(n.op, n.attrs.get("fn")) for n in out.nodes] == [("unary", None), ("reduce", "sum"), ("binary", "mul"),
                                                             ("binary", "mul")]
    assert out.nodes[1].attrs["chain"] == [["add_scalar", 1e-6], ["rsqrt"]]


@pytest.mark.parametrize("b_type, bcast", [("fp32[64, 96]", "none"), ("fp32[96]", "row"), ("fp32[1, 96]", "row"),
                                           ("fp32[64, 1]", "col")])
def test_binary_broadcast_kinds(b_type, bcast):
    out = _lowered(f"input x: fp32[64, 96]\ninput b: {b_type}\noutput y = x * b\n")
    assert _ops(out) == [("0", "binary", ("x", "b"), {"fn": "mul", "bcast": bcast, "chain": []})]


def test_add_and_mul_put_the_full_shape_operand_first():
    out = _lowered("input x: fp32[64, 96]\ninput b: fp32[96]\noutput y = b + x\n")
    assert _ops(out) == [("0", "binary", ("x", "b"), {"fn": "add", "bcast": "row", "chain": []})]


def test_sub_cannot_swap_a_broadcast_first_operand():
    with pytest.raises(ShapeError) as info:
        _lowered("input x: fp32[64, 64]\ninput b: fp32[64]\noutput y = b - x\n")
    assert str(info.value) == (
        "t.tdf:3:12: sub: cannot broadcast fp32[64, 64] against fp32[64] on the device: the second operand must "
        "have the full shape, or be a row [..., 1, N] / [N], or a column [..., M, 1]")


@pytest.mark.parametrize("expr, chain", [
    ("x * 0.5", [["scale", 0.5]]), ("-x", [["scale", -1.0]]), ("relu(x)", [["relu"]]), ("silu(x)", [["silu"]]),
    ("gelu(x)", [["gelu"]]), ("gelu(x, approx=true)", [["gelu_tanh"]]), ("cast(x, bf16)", []),
])
def test_unary_ops_become_one_un_with_a_chain(expr, chain):
    out = _lowered(f"input x: fp32[32, 32]\noutput y = {expr}\n")
    assert _ops(out) == [("0", "unary", ("x",), {"chain": chain})]


def test_split_heads_is_a_page_permutation():
    # [64, 128] is 2 x 4 tiles, pages 0..7 row-major; two heads of 64 columns (2 tiles) each
    out = _lowered("input x: fp32[64, 128]\noutput y = split_heads(x, 2)\n")
    (node,) = out.nodes
    assert node.op == "copy" and str(node.type) == "fp32[2, 64, 64]"
    assert node.attrs["_map"] == [[0, p, 0] for p in (0, 1, 4, 5, 2, 3, 6, 7)]


def test_transpose_moves_tiles_and_marks_them_for_transposition():
    out = _lowered("input x: fp32[64, 32]\noutput y = transpose(x)\n")
    assert out.nodes[0].attrs["_map"] == [[0, 0, 1], [0, 1, 1]]


def test_concat_tags_pages_with_their_input():
    out = _lowered("input a: fp32[32, 64]\ninput b: fp32[32, 32]\noutput y = concat(a, b)\n")
    assert out.nodes[0].attrs["_map"] == [[0, 0, 0], [0, 1, 0], [1, 0, 0]]


def test_a_column_slice_off_tile_boundaries_is_a_selection_matmul():
    out = _lowered("input x: fp32[64, 64]\noutput y = x[:, 16:48]\n")
    assert _ops(out) == [("0", "matmul", ("x", "0.pick"), {"chain": []})]
    pick = out.meta["constants"]["0.pick"]
    assert pick.shape == (64, 32) and np.array_equal(pick[16:48], np.eye(32)) and not pick[:16].any()


@pytest.mark.parametrize("text, message", [
    ("input x: fp32[32, 96]\noutput y = split_heads(x, 2)\n",
     "t.tdf:2:12: split_heads: split_heads of fp32[32, 96] into 2 heads needs a head dim that is a multiple of 32 "
     "(the device moves whole 32x32 tiles)"),
    ("input x: fp32[32, 64]\noutput y = reshape(x, [64, 32])\n",
     "t.tdf:2:12: reshape: reshape fp32[32, 64] -> fp32[64, 32] changes the last dim (64 -> 32), which would move "
     "values between tile rows and columns; the device reshapes only the leading dims (split_heads / merge_heads "
     "split or join the last dim in whole tiles)"),
])
def test_shapes_the_tile_layout_cannot_express_are_shape_errors_at_the_op(text, message):
    with pytest.raises(ShapeError) as info:
        _lowered(text)
    assert str(info.value) == message


def test_every_op_of_the_examples_lowers_to_primitives_only():
    text = ("input x: bf16[64, 128]\nparam w: bf16[128, 128] = random(seed=1)\nparam g: bf16[128] = ones\n"
            "let h = layernorm(x @ w, g, g)\nlet q = split_heads(h, 2)\n"
            "output y = merge_heads(softmax(q @ transpose(q), causal=true) @ q)\n")
    assert {n.op for n in _lowered(text).nodes} <= set(PRIMITIVES)


def test_an_output_that_names_an_input_or_another_outputs_value_reads_its_own_copy():
    out = _lowered("input x: fp32[32, 64]\nlet h = relu(x)\noutput y = x\noutput a = h\noutput b = h\n")
    assert _ops(out) == [("0", "unary", ("x",), {"chain": [["relu"]]}),
                         ("2", "unary", ("x",), {"chain": []}),
                         ("3", "unary", ("0",), {"chain": []})]
    assert [(o.name, o.value) for o in out.outputs] == [("y", "2"), ("a", "0"), ("b", "3")]
    assert [n.attrs["source_op"] for n in out.nodes[1:]] == ["output", "output"]
    assert [str(n.pos) for n in out.nodes[1:]] == ["t.tdf:3:1", "t.tdf:5:1"]


def test_every_rope_of_one_theta_and_dim_shares_one_frozen_pair_of_tables_of_position_angles():
    out = _lowered(Path("tests/lang/cases/good/llama_block.tdf").read_text())
    consts = out.meta["constants"]
    cos = [v for k, v in consts.items() if k.endswith(".cos")]
    sin = [v for k, v in consts.items() if k.endswith(".sin")]
    assert len(cos) == len(sin) == 2  # q's and k's rope (the default theta is 10000 too)
    assert cos[0] is cos[1] and sin[0] is sin[1] and not cos[0].flags.writeable
    pos = np.arange(cos[0].shape[0])[:, None]
    angles = pos * 10000.0 ** (-np.arange(0, 32, 2) / 32)  # head dim 128 / 4 heads, half-split pairs (i, i + 16)
    np.testing.assert_allclose(cos[0], np.concatenate([np.cos(angles)] * 2, axis=1), rtol=0, atol=1e-6)
    np.testing.assert_allclose(sin[0], np.concatenate([-np.sin(angles), np.sin(angles)], axis=1), rtol=0, atol=1e-6)
    with pytest.raises(ValueError):
        cos[0][0, 0] = 2.0
