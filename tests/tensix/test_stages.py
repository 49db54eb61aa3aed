"""The compiler's target kernels (tensix/programs/stages) on hand-written step lists, against numpy."""

from types import SimpleNamespace

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tensix import Mesh
from tensix.formats import quantize
from tensix.program import BufferSpec
from tensix.programs.stages.build import build_program
from tensix.programs.stages.layout import largest_subblock, subblock_count, subblocks
from tensix.programs.stages.writer import rectangles
from tensix.schedule.contract import Block

RNG = np.random.default_rng(0)


def test_matmul_bias_relu_then_dependent_reduce_and_copy_on_other_cores():
    x, w = RNG.standard_normal((64, 64), dtype=np.float32), RNG.standard_normal((64, 128), dtype=np.float32)
    bias = RNG.standard_normal((1, 128), dtype=np.float32)
    bufs = [BufferSpec("x", (64, 64), "fp32", "input"), BufferSpec("w", (64, 128), "fp32", "param"),
            BufferSpec("bias", (1, 128), "fp32", "param"), BufferSpec("h", (64, 128), "fp32"),
            BufferSpec("s", (64, 1), "fp32", "output"), BufferSpec("h2", (64, 128), "fp32", "output")]

    def mm(c0):  # tile rows 0-1, tile columns c0..c0+1 of h = relu(x @ w + bias)
        return {"op": "matmul", "a": "x", "b": "w", "bias": "bias", "out": "h", "kt": 2, "b_cols": 4, "out_cols": 4,
                "blocks": [[0, 2, c0, 2, 0, 0]], "chain": [{"fn": "relu"}],
                "signal": [{"sem": 0, "cores": [[0, 1], [1, 1]]}]}

    red = {"op": "reduce", "fn": "sum", "a": "h", "out": "s", "rows": [[0, 0, 4], [1, 4, 4]], "scale": 0.5,
           "wait": [{"sem": 0, "count": 2}]}
    cp = {"op": "copy", "inputs": ["h"], "out": "h2", "pages": [[q, 0, q, 0] for q in range(8)],
          "wait": [{"sem": 0, "count": 2}]}
    p = build_program("t", bufs, {(0, 0): [mm(0)], (1, 0): [mm(2)], (0, 1): [red], (1, 1): [cp]})
    r = Mesh().run(p, {"x": x, "w": w, "bias": bias})
    h = np.maximum(x @ w + bias, 0)
    np.testing.assert_allclose(r.outputs["h2"], h, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(r.outputs["s"][:, 0], h.sum(1) * 0.5, rtol=1e-5, atol=1e-3)
    # the reduce and copy cores start reading only after both matmul writers signalled
    mm_end = max(t.end for t in r.trace.transfers if t.kind == "write" and t.issuer in ((0, 0), (1, 0)))
    later = [t.start for t in r.trace.transfers if t.kind == "read" and t.issuer in ((0, 1), (1, 1))]
    assert min(later) > mm_end


def test_binary_column_broadcast_and_transposing_copy():
    a = RNG.standard_normal((32, 64), dtype=np.float32)
    col = RNG.standard_normal((32, 1), dtype=np.float32)
    bufs = [BufferSpec("a", (32, 64), "bf16", "input"), BufferSpec("c", (32, 1), "bf16", "input"),
            BufferSpec("y", (32, 64), "bf16", "output"), BufferSpec("t", (64, 32), "fp32", "output")]
    sub = {"op": "binary", "fn": "sub", "bcast": "col", "a": "a", "b": "c", "out": "y",
           "pages": [[0, 0, 0], [1, 1, 0]], "chain": [{"fn": "exp"}]}
    tr = {"op": "copy", "inputs": ["a"], "out": "t", "pages": [[0, 0, 0, 1], [1, 0, 1, 1]]}
    r = Mesh().run(build_program("t", bufs, {(0, 0): [sub], (1, 0): [tr]}), {"a": a, "c": col})
    qa = quantize(a, "bf16")
    np.testing.assert_allclose(r.outputs["y"], quantize(np.exp(qa - quantize(col, "bf16")), "bf16"), rtol=1e-2)
    np.testing.assert_array_equal(r.outputs["t"], qa.T)


def test_gather_rows_is_an_embedding_lookup():
    table = RNG.standard_normal((100, 64), dtype=np.float32)
    ids = np.array([5, 99, 0, 42] * 8, dtype=np.float32)  # 32 tokens
    bufs = [BufferSpec("ids", (32,), "fp32", "input"), BufferSpec("table", (100, 64), "bf16", "param"),
            BufferSpec("e", (32, 64), "bf16", "output")]
    g = {"op": "gather_rows", "ids": "ids", "table": "table", "out": "e", "table_cols": 2,
         "pages": [[0, 0, 0], [1, 0, 1]]}
    r = Mesh().run(build_program("t", bufs, {(0, 0): [g]}), {"ids": ids, "table": table})
    np.testing.assert_array_equal(r.outputs["e"], quantize(table, "bf16")[ids.astype(int)])


def test_consumer_cores_are_covered_by_rectangles_for_semaphore_multicast():
    assert rectangles([(x, y) for x in range(8) for y in range(8)]) == [(0, 0, 7, 7)]
    assert rectangles([(3, 1), (2, 1), (3, 1)]) == [(2, 1, 3, 1)]
    # an L shape: the full first two rows, then one core below
    assert rectangles([(0, 0), (1, 0), (0, 1), (1, 1), (0, 2)]) == [(0, 0, 1, 1), (0, 2, 0, 2)]
    assert rectangles([(0, 0), (2, 0), (0, 1), (2, 1)]) == [(0, 0, 0, 1), (2, 0, 2, 1)]


@given(st.sets(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1))
def test_rectangles_cover_exactly_the_cores_once(cores):
    covered = [(x, y) for x0, y0, x1, y1 in rectangles(cores) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    assert sorted(covered) == sorted(cores)
    listed = tuple(sorted(cores))  # a step's tuple, remembered by identity: each asking gets its own cover
    assert rectangles(listed) == rectangles(listed) == rectangles(cores)


@given(st.integers(1, 9), st.integers(1, 9), st.one_of(st.none(), st.tuples(st.integers(1, 5), st.integers(1, 5))))
def test_sub_block_count_and_largest_are_those_of_the_listed_sub_blocks(rows, cols, sub):
    step, block = SimpleNamespace(sub=sub), Block(0, rows, 0, cols, 0, 0)
    listed = subblocks(step, block)
    assert sum(h * w for _, h, _, w in listed) == rows * cols  # the listing tiles the block
    assert subblock_count(step, block) == len(listed)
    assert largest_subblock(step, block) == max(h * w for _, h, _, w in listed)
