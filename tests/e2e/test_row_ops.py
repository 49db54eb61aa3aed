"""Fused row ops (softmax, layernorm, rmsnorm as one op per tile row) against numpy, and against the same ops
decomposed into reductions and broadcasts on a device too small to hold a row."""

from dataclasses import replace

import numpy as np
import pytest
from row_sources import row_source

from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs, run_compiled
from tensix.presets import resolve

MESH = resolve("wormhole_n150")
# fp32 rows 8 tiles wide need 557 KB (softmax) or 819 KB (norms), 4x their CBs, to fuse whole; a streamed block of
# one tile needs 128 KB (softmax) or 160 KB (norms): with 96 KB they decompose
NO_ROOM = replace(MESH, l1_bytes=96 * 1024)

OPS = ["layernorm", "rmsnorm", "softmax"]


def _run(source: str, device=MESH):
    compiled = compile_source(source, "rows.tdf", device)
    result, expected = run_compiled(compiled, make_inputs(compiled.graph, 0))
    return compiled, result, expected


@pytest.mark.parametrize("dtype, tol", [("fp32", 2e-5), ("bf16", 0.02)])
@pytest.mark.parametrize("op", OPS)
def test_a_fused_row_op_matches_numpy_with_several_rows_per_core(op, dtype, tol):
    # 3 tile rows on 2 cores: the second core keeps gamma and beta for two rows
    compiled, result, expected = _run(row_source(op, dtype, 96, 256))
    assert [n.op for n in compiled.lowered.nodes] == ["row"]
    scale = max(1.0, float(np.max(np.abs(expected["y"]))))
    np.testing.assert_allclose(result.outputs["y"], expected["y"], rtol=0, atol=tol * scale)


@pytest.mark.parametrize("dtype, tol", [("fp32", 1e-6), ("bf16", 8e-3)])
def test_a_causal_softmax_over_a_batch_of_matrices_masks_each_by_its_own_rows(dtype, tol):
    # 64 queries and 96 keys per head: query i sees keys up to i + 32
    source = f"input x: {dtype}[3, 64, 96]\noutput y = softmax(x, causal=true) @cores(0..3, 0)\n"
    compiled, result, expected = _run(source)
    assert [n.op for n in compiled.lowered.nodes] == ["row"]
    np.testing.assert_allclose(result.outputs["y"], expected["y"], rtol=0, atol=tol)
    assert np.all(result.outputs["y"][:, 0, 33:] == 0)  # hidden keys get exactly zero weight


@pytest.mark.parametrize("op", OPS)
def test_fused_and_decomposed_row_ops_agree_and_the_fused_one_moves_less(op):
    source = row_source(op, "fp32", 96, 256)
    compiled, fused, _ = _run(source)
    compiled_wide, split, _ = _run(source, NO_ROOM)
    assert [n.op for n in compiled_wide.lowered.nodes] != ["row"]
    np.testing.assert_allclose(fused.outputs["y"], split.outputs["y"], rtol=0, atol=2e-5)
    assert len(fused.trace.transfers) < len(split.trace.transfers) / 2
    assert fused.cycles < split.cycles


def test_elementwise_ops_sharing_a_core_with_a_row_op_reserve_its_row_width():
    source = """\
input x: bf16[64, 256]
input z: bf16[64, 256]
param g: bf16[256] = random(seed=1, std=0.5, mean=1.0)
param b: bf16[256] = random(seed=2)
let h = x + z @cores(0, 0)
output y = relu(layernorm(h, g, b, eps=1e-5) * 2.0) + z @cores(0, 0)
"""
    compiled, result, expected = _run(source)
    args = compiled.program.kernels[0].args
    steps = args["steps"]
    assert [s.op for s in steps] == ["binary", "row", "binary"]
    assert args["units"].el == 8  # the layernorm's 8-tile rows
    # the unaries after it run in its epilogue
    assert [(c.fn, c.args) for c in steps[1].chain] == [("scale", (2.0,)), ("relu", ())]
    # relu(...) reaches ~12 before z is added, where bf16 steps are 1/16: one step of absolute error
    np.testing.assert_allclose(result.outputs["y"], expected["y"], rtol=1e-2, atol=1 / 16)


def test_a_row_op_after_an_odd_number_of_tiles_on_its_core_still_writes_whole_rows():
    # 3 tiles through the core's output CB first: its reservations must stay row-sized so a row never wraps
    source = """\
input a: fp32[32, 96]
input x: fp32[64, 256]
output s = relu(a) @cores(0, 0)
output y = softmax(x) @cores(0, 0)
"""
    _, result, expected = _run(source)
    for name in ("s", "y"):
        np.testing.assert_allclose(result.outputs[name], expected[name], rtol=0, atol=2e-6)


@pytest.mark.parametrize("op", ["rmsnorm", "layernorm"])
def test_a_one_row_norm_splits_its_columns_over_cores_and_matches_numpy(op):
    # a decode step's norm: one row of 18 tiles on 4 cores (18 // NORM_SPLIT_TILES), each writing its own columns
    source = row_source(op, "bf16", 1, 576, cores="0..7, 0")
    compiled, result, expected = _run(source)
    steps = compiled.lowered.nodes[0].attrs["_steps"]
    assert sorted((c, s.cols) for c, s in steps.items()) == [((0, 0), (0, 4)), ((1, 0), (4, 9)), ((2, 0), (9, 13)),
                                                           ((3, 0), (13, 18))]
    # all four read the same 18 tiles at once: every other core reads (and writes) on NoC 0, the rest on NoC 1
    assert [steps[(x, 0)].noc for x in range(4)] == [None, 0, None, 0]
    scale = max(1.0, float(np.max(np.abs(expected["y"]))))
    np.testing.assert_allclose(result.outputs["y"], expected["y"], rtol=0, atol=0.02 * scale)
    _, whole, _ = _run(source.replace("0..7, 0", "0, 0"))  # the same norm on one core: the same values
    np.testing.assert_array_equal(result.outputs["y"], whole.outputs["y"])
