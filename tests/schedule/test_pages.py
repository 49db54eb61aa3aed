"""Step.reads / Step.writes: the DRAM pages each compiled step reads and writes, by hand for small blocks."""

from dataclasses import fields

from tensix.schedule.contract import STEPS, Block, Step
from tensix.schedule.plain import decode

# what the tests below leave out of a step, because deps does not look at it
_FILL = {"out": "o", "a": "a", "b": "b", "fn": "add", "bcast": "none", "scale": 1.0, "kt": 1, "b_cols": 1,
         "out_cols": 1, "nt": 1, "blocks": [], "pages": [], "rows": [], "inputs": [], "ids": "i", "table": "t",
         "table_cols": 1}


def _typed(step: dict) -> Step:
    names = {f.name for f in fields(STEPS[step["op"]])}
    return decode(Step, {k: v for k, v in _FILL.items() if k in names} | step)


def read_pages(step: dict, core):
    return _typed(step).reads(core)


def written_pages(step: dict):
    return _typed(step).writes()

# a 2x3-tile output block at tile row 2, column 1 of a 4x5-tile output; k = 3 tiles; B has 5 tile columns
BLOCK = [2, 2, 1, 3, 0, 2]
MATMUL = {"op": "matmul", "a": "x", "b": "w", "bias": "bias", "kt": 3, "b_cols": 5, "out_cols": 5,
          "blocks": [BLOCK]}


def test_a_matmul_block_writes_its_output_tiles_row_by_row():
    assert Block(*BLOCK).out_pages(5) == [11, 12, 13, 16, 17, 18]
    assert written_pages(MATMUL) == [11, 12, 13, 16, 17, 18]


def test_a_plain_matmul_reads_its_row_band_of_a_column_band_of_b_and_its_bias_tiles():
    assert read_pages(MATMUL, (0, 0)) == {
        "x": {6, 7, 8, 9, 10, 11},  # rows 2 and 3, k 0..2
        "w": {1, 2, 3, 6, 7, 8, 11, 12, 13},  # k rows 0..2, columns 1..3
        "bias": {1, 2, 3},
    }


def test_blocks_sharing_a_band_read_it_once_and_each_reads_its_own_weight_columns():
    # three blocks over the same 2 A rows (k = 3): columns 1..3, 0 and 1..3 again of a 5-column B
    step = {**MATMUL, "bias": None, "blocks": [BLOCK, [2, 2, 0, 1, 0, 2], BLOCK]}
    assert read_pages(step, (0, 0)) == {
        "x": {6, 7, 8, 9, 10, 11},
        "w": {0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13},  # k rows 0..2, columns 0..3
    }
    assert list(read_pages(step, (0, 0))) == ["x", "w"]  # in the order the reader streams them


def test_a_multicast_receiver_reads_nothing_of_its_operands_and_the_sender_its_band():
    share = {"a": {"sender": [0, 1], "rect": [0, 1, 3, 1], "n": 3}, "b": {"sender": [1, 1], "rect": [1, 0, 1, 3],
                                                                          "n": 3}}
    step = {**MATMUL, "mcast": share}
    assert read_pages(step, (2, 1)) == {"bias": {1, 2, 3}}  # both bands come by multicast
    assert read_pages(step, (0, 1))["x"] == {6, 7, 8, 9, 10, 11} and "w" not in read_pages(step, (0, 1))
    skipping = {**step, "mcast": {**share, "b": {**share["b"], "a_rows": [[0, 2], [2, 2]]}}}
    assert read_pages(skipping, (2, 1))["x"] is None  # zero headers of every row: all of x


def test_elementwise_reduce_and_copy_steps_read_the_pages_they_list():
    assert read_pages({"op": "binary", "a": "p", "b": "q", "pages": [[0, 4, 0], [1, 5, 1]]}, (0, 0)) == {
        "p": {4, 5}, "q": {0, 1}}
    assert read_pages({"op": "reduce", "a": "p", "rows": [[1, 3, 3]]}, (0, 0)) == {"p": {3, 4, 5}}
    copy = {"op": "copy", "inputs": ["p", "q"], "pages": [[0, 1, 7, 0], [1, 0, 2, 1]]}
    assert read_pages(copy, (0, 0)) == {"q": {7}, "p": {2}}
    assert written_pages({"op": "reduce", "a": "p", "rows": [[1, 3, 3]]}) == [1]
    gather = {"op": "gather_rows", "ids": "ids", "table": "emb", "pages": [[0, 0, 0]]}
    assert read_pages(gather, (0, 0)) == {"ids": None, "emb": None}  # which rows depends on the token ids


def test_a_row_op_reads_and_writes_its_tile_rows_with_all_of_gamma_and_beta_or_its_mask_rows():
    # tile rows 3 and 4 of a 3-tile-wide tensor: pages 9..14
    norm = {"op": "row", "fn": "layernorm", "a": "x", "aux": ["g", "b"], "nt": 3, "rows": [[3, 9, 3], [4, 12, 3]]}
    assert read_pages(norm, (0, 0)) == {"x": {9, 10, 11, 12, 13, 14}, "g": {0, 1, 2}, "b": {0, 1, 2}}
    assert written_pages(norm) == [9, 10, 11, 12, 13, 14]
    # a batch of matrices 2 tile rows high: rows 3 and 4 add the mask's rows 1 and 0
    softmax = {**norm, "fn": "softmax", "aux": ["mask"], "mask_rows": 2}
    assert read_pages(softmax, (0, 0)) == {"x": {9, 10, 11, 12, 13, 14}, "mask": {0, 1, 2, 3, 4, 5}}
    one_row = {**softmax, "rows": [[3, 9, 3]]}
    assert read_pages(one_row, (0, 0))["mask"] == {3, 4, 5}


def test_causal_attention_reads_its_q_rows_the_key_prefix_its_chunks_reach_and_the_diagonal_mask():
    # 2 heads sharing kv head 0 (groups 2); 4 q and 4 key tile rows in chunks of 2; d = 2 tiles
    from tensix.schedule.attention import Attention
    step = Attention(out="o", q="q", kt="kt", v="v", scale=1.0, nq=4, nk=4, dt=2, groups=2, chunk=2,
                     work=((0, 0), (0, 1), (1, 1)), causal=1, mask="m", mask_cols=2)
    assert step.reads((0, 0)) == {
        "q": {0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15},  # head 0 rows 0..3, head 1 rows 2..3 (2 tiles each)
        "kt": set(range(8)),  # chunk 1 reaches all 4 key tiles of each of k^T's 2 rows
        "v": set(range(8)),
        "m": {0, 1, 2, 3},  # the one diagonal 2x2 block
    }
    assert step.writes() == [0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15]
    first = Attention(out="o", q="q", kt="kt", v="v", scale=1.0, nq=4, nk=4, dt=2, groups=2, chunk=2,
                      work=((0, 0),), causal=1)
    assert first.reads((0, 0)) == {"q": {0, 1, 2, 3}, "kt": {0, 1, 4, 5}, "v": {0, 1, 2, 3}}  # keys 0..1 only


def test_attention_without_causality_reads_every_key_of_each_kv_head_it_serves():
    from tensix.schedule.attention import Attention
    step = Attention(out="o", q="q", kt="kt", v="v", scale=1.0, nq=2, nk=4, dt=2, groups=1, chunk=2,
                     work=((1, 0),))
    assert step.reads((0, 0)) == {"q": {4, 5, 6, 7}, "kt": set(range(8, 16)), "v": set(range(8, 16))}
