"""tile: each op's output tiles split over its cores, as the per-core step the device runs."""

from dataclasses import replace

import pytest

import tensix.lang.passes.tile as tile_pass
from tensix.config import MeshConfig, TileKind
from tensix.lang import NameResolutionError, check_source
from tensix.lang.passes.decompose import decompose
from tensix.lang.passes.fuse import fuse
from tensix.lang.passes.place import place
from tensix.lang.passes.tile import buffer_names, tile
from tensix.schedule.plain import plain_steps

MESH = MeshConfig(width=5, height=4, tiles={(4, y): TileKind.DRAM for y in range(4)})  # 4x4 compute grid


def _tiled(text: str):
    return tile(place(fuse(decompose(check_source(text, "t.tdf"), MESH)), MESH))


def _field(node, key: str) -> dict:
    return {core: step[key] for core, step in plain_steps(node).items()}


MATMUL = "input a: bf16[128, 64]\nparam w: bf16[64, 128] = random(seed=1)\n"


def test_a_4x4_tile_matmul_on_4_cores_gets_one_2x2_block_each():
    (node,) = _tiled(MATMUL + "output c = a @ w @cores(0..1, 0..1)\n").nodes
    # [out row, rows, out col, cols, b row offset, a row offset] in tiles
    assert _field(node, "blocks") == {
        (0, 0): [[0, 2, 0, 2, 0, 0]], (1, 0): [[0, 2, 2, 2, 0, 0]],
        (0, 1): [[2, 2, 0, 2, 0, 2]], (1, 1): [[2, 2, 2, 2, 0, 2]],
    }
    step = plain_steps(node)[(0, 0)]
    assert {k: step[k] for k in ("op", "out", "a", "b", "kt", "b_cols", "out_cols", "chain")} == {
        "op": "matmul", "out": "c", "a": "a", "b": "w", "kt": 2, "b_cols": 4, "out_cols": 4, "chain": []}
    assert node.attrs["cores_used"] == 4


def test_the_same_matmul_on_16_cores_gets_single_tiles():
    (node,) = _tiled(MATMUL + "output c = a @ w\n").nodes
    blocks = _field(node, "blocks")
    assert len(blocks) == 16 and all(len(b) == 1 and b[0][1] == b[0][3] == 1 for b in blocks.values())
    assert sorted((b[0][0], b[0][2]) for b in blocks.values()) == [(r, c) for r in range(4) for c in range(4)]


def test_on_a_single_core_the_matmul_uses_the_largest_block():
    (node,) = _tiled(MATMUL + "output c = a @ w @cores(0, 0)\n").nodes
    assert _field(node, "blocks") == {(0, 0): [[0, 4, 0, 4, 0, 0]]}


def test_a_fused_bias_is_named_in_the_step():
    (node,) = _tiled(MATMUL + "param b: bf16[128] = zeros\noutput c = relu(a @ w + b) @cores(0, 0)\n").nodes
    step = plain_steps(node)[(0, 0)]
    assert (step["bias"], step["chain"]) == ("b", [{"fn": "relu", "args": []}])


def test_batched_matmul_blocks_offset_into_each_batch():
    text = "input a: fp32[2, 64, 64]\ninput b: fp32[2, 64, 64]\noutput c = a @ b @cores(0..1, 0)\n"
    (node,) = _tiled(text).nodes
    assert _field(node, "blocks") == {(0, 0): [[0, 2, 0, 2, 0, 0]], (1, 0): [[2, 2, 0, 2, 2, 2]]}


def test_elementwise_pages_split_in_contiguous_runs():
    (node,) = _tiled("input x: fp32[128, 128]\noutput y = relu(x) @cores(0..2, 0)\n").nodes
    assert _field(node, "pages") == {(0, 0): [[q, q] for q in range(0, 5)], (1, 0): [[q, q] for q in range(5, 10)],
                                     (2, 0): [[q, q] for q in range(10, 16)]}


def test_fewer_pages_than_cores_leave_the_last_cores_idle():
    (node,) = _tiled("input x: fp32[32, 64]\noutput y = relu(x)\n").nodes
    assert _field(node, "pages") == {(0, 0): [[0, 0]], (1, 0): [[1, 1]]}
    assert node.attrs["cores_used"] == 2


@pytest.mark.parametrize("b_type, b_pages", [("fp32[64, 96]", [0, 1, 2, 3, 4, 5]), ("fp32[96]", [0, 1, 2, 0, 1, 2]),
                                             ("fp32[64, 1]", [0, 0, 0, 1, 1, 1])])
def test_binary_steps_name_the_broadcast_operand_page(b_type, b_pages):
    (node,) = _tiled(f"input x: fp32[64, 96]\ninput b: {b_type}\noutput y = x + b @cores(0, 0)\n").nodes
    assert [item[2] for item in plain_steps(node)[(0, 0)]["pages"]] == b_pages


def test_row_ops_split_by_tile_row():
    (node,) = _tiled("input x: fp32[64, 96]\noutput y = softmax(x) @cores(0..1, 0)\n").nodes
    assert node.op == "row"
    assert _field(node, "rows") == {(0, 0): [[0, 0, 3]], (1, 0): [[1, 3, 3]]}  # [row, first page, pages]
    assert _field(node, "nt") == {(0, 0): 3, (1, 0): 3}


def test_a_causal_softmax_over_a_batch_reads_its_mask_by_row_of_one_matrix():
    (node,) = _tiled("input s: bf16[3, 64, 64]\noutput y = softmax(s, causal=true) @cores(0..1, 0)\n").nodes
    step = plain_steps(node)[(1, 0)]
    assert (step["aux"], step["mask_rows"], step["nt"]) == (["0.mask"], 2, 2)
    assert step["rows"] == [[3, 6, 2], [4, 8, 2], [5, 10, 2]]  # rows 3..5: mask rows 1, 0, 1


def test_reductions_split_by_tile_row():
    small = replace(MESH, l1_bytes=32 * 1024)  # too small for a fused softmax row: it decomposes
    source = check_source("input x: fp32[64, 96]\noutput y = softmax(x) @cores(0..1, 0)\n", "t.tdf")
    (node,) = tile(place(fuse(decompose(source, small)), small)).nodes[:1]
    assert node.op == "reduce"
    assert _field(node, "rows") == {(0, 0): [[0, 0, 3]], (1, 0): [[1, 3, 3]]}  # [row, first page, pages]


def test_buffer_names_keep_declared_names_and_outputs_take_theirs():
    graph = _tiled("input x: fp32[32, 32]\nlet h = relu(x) * 2.0 @cores(0, 0)\noutput y = h + x\n")
    assert buffer_names(graph) == {"x": "x", "1": "t1", "2": "y"}
    assert graph.meta["buffers"] == buffer_names(graph)


def test_scratch_buffers_step_around_declared_names():
    graph = _tiled("input t0: fp32[32, 32]\nlet h = relu(t0) @cores(0, 0)\noutput y = h * 2.0\n")
    assert graph.meta["buffers"] == {"t0": "t0", "0": "t0_", "1": "y"}


def test_an_output_named_like_an_input_is_refused_at_the_output():
    with pytest.raises(NameResolutionError) as info:
        _tiled("input x: fp32[32, 32]\noutput x = relu(x)\n")
    assert str(info.value) == ("t.tdf:2:1: output 'x' has the name of an input or param; each is a DRAM buffer named "
                               "after it on the device, so rename the output")


def _mcast(text: str):
    (node,) = _tiled(text).nodes
    return node.attrs.get("mcast"), {c: s.get("mcast") for c, s in plain_steps(node).items()}


def test_a_matmul_filling_a_4x4_grid_multicasts_its_operands_unasked():
    auto, steps = _mcast(MATMUL + "output c = a @ w\n")  # 4x4 output tiles on the 4x4 grid
    assert auto == "auto" and len(steps) == 16
    # row y: core (y, y) sends the activation band along the row; column x: core (x, x + 1) the weights down it
    assert steps[(2, 1)]["a"] == {"sender": [1, 1], "rect": [0, 1, 3, 1], "n": 3, "ready": [], "valid": [],
                                  "a_rows": None, "senders": []}  # handshake semaphores come from route
    assert steps[(2, 1)]["b"]["sender"] == [2, 3] and steps[(2, 1)]["b"]["rect"] == [2, 0, 2, 3]
    assert {tuple(s["b"]["sender"]) for s in steps.values()} == {(0, 1), (1, 2), (2, 3), (3, 0)}
    assert steps[(2, 1)]["b"]["a_rows"] is None  # compiled dense: no zero-header checks across rows
    source = check_source(MATMUL + "output c = a @ w\n", "t.tdf")
    (node,) = tile(place(fuse(decompose(replace(source, meta={**source.meta, "zero_skip": True}), MESH)), MESH)).nodes
    assert plain_steps(node)[(2, 1)]["mcast"]["b"]["a_rows"] == [[0, 1], [1, 1], [2, 1], [3, 1]]
    (node,) = _tiled(MATMUL + "output c = a @ w\n").nodes
    assert {s["kb"] for s in plain_steps(node).values()} == {2}  # both k tiles in one step


def test_a_multicast_matmul_moves_the_largest_k_step_whose_double_buffered_bands_fit_l1():
    def kb(k: int, n: int) -> int:
        # asked (@mcast): the largest k step; unasked, the estimate weighs it against 2 and 4 steps
        text = f"input a: bf16[128, {k}]\nparam w: bf16[{k}, {n}] = random(seed=1)\noutput c = a @ w @mcast\n"
        (node,) = _tiled(text).nodes
        (value,) = {s["kb"] for s in plain_steps(node).values()}
        return value
    assert kb(768, 128) == 24  # 24 k tiles, 1x1 blocks: all in one step
    assert kb(96, 128) == 3  # only 3 k tiles
    # 1x12-tile blocks (one sub-block: nothing spilled), 96 k tiles: 80% of L1 less two output sub-blocks and
    # the bias (36 tiles of 2048 B) holds 21 k steps of 2 x (1 + 12) tiles; 96 tiles in 5 even steps of 20
    assert (int((0.8 * 1464 * 1024 - 36 * 2048) // (2 * 13 * 2048))) == 21
    assert kb(3072, 1536) == 20


def test_multicast_is_weighed_unasked_on_any_grid_of_several_cores_unless_sharding_is_given(monkeypatch):
    # where multicast is weighed the estimate picks among per-core blocks and multicast plans; take the last
    # (a multicast plan) to see that one is offered and builds (which wins is tests/lang/passes/test_costs.py's)
    monkeypatch.setattr(tile_pass, "cheapest", lambda options, *a: (len(options) - 1, []))
    assert _mcast("input a: bf16[64, 64]\nparam w: bf16[64, 128] = random(seed=1)\noutput c = a @ w\n")[0] == "auto"
    assert _mcast(MATMUL + "output c = a @ w @cores(0..1, 0..3)\n")[0] == "auto"  # 2 columns of cores
    assert _mcast(MATMUL + "output c = a @ w @cores(0..0, 0..0)\n")[0] is None  # one core: nothing shared
    assert _mcast(MATMUL + "output c = a @ w @shard(height)\n")[0] is None
    blocks = _mcast(MATMUL + "output c = a @ w @shard(block)\n")[1]
    assert set(blocks.values()) == {None}  # a grid, without multicast
    wide = "input a: bf16[128, 64]\nparam w: bf16[64, 4096] = random(seed=1)\noutput c = a @ w\n"
    assert _mcast(wide)[0] == "auto"  # a 1x32-tile block per core runs as two 1x16 sub-blocks (DST holds 16)
    # 4x7-tile blocks, the last grid column's 4x4: every core of a row still takes the same k steps
    ragged = "input a: bf16[512, 64]\nparam w: bf16[64, 800] = random(seed=1)\noutput c = a @ w\n"
    assert _mcast(ragged)[0] == "auto"
    batched = "input a: fp32[2, 128, 64]\ninput b: fp32[2, 64, 128]\noutput c = a @ b\n"
    assert _mcast(batched)[0] is None
