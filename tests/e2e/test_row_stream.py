"""Row ops too wide for a quarter of L1 stream (`row` with `block`, stages/rowstream.py): each row read twice (its
statistics, its output), a block of it in L1 at a time. Against numpy, against the whole-row op on a device with
room for the row, and their DRAM reads counted by hand."""

from dataclasses import replace

import numpy as np
import pytest
from row_sources import ROW_OPS, row_source

from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs, run_compiled
from tensix.lang.ir import TensorType
from tensix.lang.passes.rowfit import row_attrs
from tensix.presets import resolve

MESH = resolve("wormhole_n150")
# 4x a streaming op's CBs (stages/layout.stream_cb_nbytes) within 256 KB: fp32 blocks of 2 or 3 tiles, bf16 of 4
SMALL = replace(MESH, l1_bytes=256 * 1024)

OPS = list(ROW_OPS)


def _run(source: str, device):
    compiled = compile_source(source, "rows.tdf", device)
    result, expected = run_compiled(compiled, make_inputs(compiled.graph, 0))
    return compiled, result, expected


def _source(op: str, dtype: str, rows: int, cols: int) -> str:
    return row_source(op, dtype, rows, cols)


@pytest.mark.parametrize("dtype, tol", [("fp32", 2e-5), ("bf16", 0.05)])
@pytest.mark.parametrize("op", OPS)
def test_a_streamed_row_op_matches_numpy_and_the_whole_row_op(op, dtype, tol):
    # 3 tile rows of 8 tiles on 2 cores; the bf16 tolerance is the whole-row op's own error against numpy
    source = _source(op, dtype, 96, 256)
    compiled, streamed, expected = _run(source, SMALL)
    (node,) = compiled.lowered.nodes
    assert node.op == "row" and 1 < node.attrs["block"] < 8
    scale = max(1.0, float(np.max(np.abs(expected["y"]))))
    np.testing.assert_allclose(streamed.outputs["y"], expected["y"], rtol=0, atol=tol * scale)
    whole_compiled, whole, _ = _run(source, MESH)
    assert "block" not in whole_compiled.lowered.nodes[0].attrs
    if op == "rmsnorm":  # the same calls per tile, in the same order
        np.testing.assert_array_equal(streamed.outputs["y"], whole.outputs["y"])
    else:  # an online sum of exps; a variance from the mean of squares: the statistics summed in another order
        np.testing.assert_allclose(streamed.outputs["y"], whole.outputs["y"], rtol=0, atol=tol * scale)


@pytest.mark.parametrize("causal", [False, True])
def test_a_streamed_softmax_of_a_padded_width_masks_the_padding(causal):
    # 200 keys: 7 tiles, the last with 24 padding columns (the mask hides them), streamed in blocks of 4 and 3
    source = f"input x: bf16[2, 64, 200]\noutput y = softmax(x, causal={str(causal).lower()}) @cores(0..2, 0)\n"
    compiled, result, expected = _run(source, SMALL)
    assert compiled.lowered.nodes[-1].attrs["block"] == 4
    np.testing.assert_allclose(result.outputs["y"], expected["y"], rtol=0, atol=8e-3)
    np.testing.assert_allclose(result.outputs["y"].sum(axis=-1), 1.0, atol=0.02)
    if causal:
        assert np.all(result.outputs["y"][:, 0, 137:] == 0)  # query i sees keys up to i + 200 - 64


def test_a_streamed_softmax_with_a_mask_input_and_causal_matches_numpy():
    # a key-padding row mask (its bias added before the row op) and the causal mask, 300 keys: 10 tiles, padded
    source = "input x: fp32[64, 300]\ninput m: fp32[300]\noutput y = softmax(x, causal=true, mask=m) @cores(0..1, 0)\n"
    compiled = compile_source(source, "rows.tdf", SMALL)
    assert compiled.lowered.nodes[-1].op == "row" and compiled.lowered.nodes[-1].attrs["block"]
    rng = np.random.default_rng(5)
    x = rng.standard_normal((64, 300)).astype(np.float32)
    keep = (rng.random(300) < 0.7).astype(np.float32)
    keep[0] = 1.0  # every query sees a key
    result, _ = run_compiled(compiled, {"x": x, "m": keep})
    seen = keep.astype(bool) & np.tril(np.ones((64, 300), bool), 300 - 64)
    e = np.where(seen, np.exp(x - np.where(seen, x, -np.inf).max(-1, keepdims=True)), 0.0)
    np.testing.assert_allclose(result.outputs["y"], e / e.sum(-1, keepdims=True), rtol=0, atol=1e-6)
    assert np.all(result.outputs["y"][~seen] == 0)


def _read_bytes(result) -> int:
    return sum(t.nbytes for t in result.trace.transfers if t.kind == "read")


@pytest.mark.parametrize("op, aux_tiles", [
    ("softmax", 0),
    ("causal", 2 * 24),  # the mask's matching tiles with x's, in both passes
    ("layernorm", 3 * 2 * 8),  # gamma's and beta's 8 tiles with each row's output pass
    ("rmsnorm", 3 * 8),  # gamma's
])
def test_a_streamed_row_reads_each_x_tile_twice(op, aux_tiles):
    # fp32 [96, 256]: 3 tile rows of 8 tiles, 4096 B a tile, read for the statistics and again for the output; the
    # whole-row op reads x once, gamma and beta once a core
    source = _source(op, "fp32", 96, 256)
    _, streamed, _ = _run(source, SMALL)
    assert _read_bytes(streamed) == 4096 * (2 * 24 + aux_tiles)
    _, whole, _ = _run(source, MESH)
    cores = 2  # gamma (and beta) once per core
    whole_aux = {"softmax": 0, "causal": 24, "layernorm": cores * 2 * 8, "rmsnorm": cores * 8}[op]
    assert _read_bytes(whole) == 4096 * (24 + whole_aux)


def test_the_block_evens_out_over_the_row_and_the_ir_shows_it():
    # bf16 softmax: 4 x (4 x 2 KB x block + 16 KB) <= 256 KB allows 5 tiles; 8 tiles go as two blocks of 4
    compiled = compile_source("input x: bf16[32, 256]\noutput y = softmax(x)\n", "rows.tdf", SMALL)
    assert compiled.lowered.nodes[-1].attrs["block"] == 4
    assert "block=4" in compiled.lowered.render()  # tensix compile --emit ir


def test_rows_that_fit_keep_the_whole_row_op():
    compiled = compile_source(_source("layernorm", "bf16", 96, 256), "rows.tdf", MESH)
    assert [(n.op, n.attrs.get("block")) for n in compiled.lowered.nodes] == [("row", None)]
    steps = compiled.lowered.nodes[0].attrs["_steps"]
    assert {s.block for s in steps.values()} == {0}


def test_a_streamed_norm_beside_a_large_matmul_narrows_its_block_until_the_core_fits():
    # fp32 rmsnorm 576 wide (18 tiles): rowfit allows blocks of 9 on a core holding nothing else, but the matmul
    # sharing both cores takes most of wormhole's L1 (its A, B, output and partial-sum CBs): blocks of 9 need
    # 1,687,712 B on core (0, 0) (a PlacementError when the block ignored them); blocks of one tile fit
    source = ("input x: fp32[32, 576]\nparam g: fp32[576] = random(seed=1, std=0.5, mean=1.0)\n"
              "param w: fp32[576, 4608] = random(seed=2)\n"
              "let h = rmsnorm(x, g, eps=1e-6) @cores(0..1, 0)\noutput y = matmul(h, w) @cores(0..1, 0)\n")
    t = TensorType("fp32", (32, 576))
    assert row_attrs(MESH.l1_bytes, "rmsnorm", [t, TensorType("fp32", (576,))]) == {"block": 9}
    compiled, result, expected = _run(source, MESH)
    norm = compiled.lowered.nodes[0]
    assert norm.attrs["block"] == 1 and {s.block for s in norm.attrs["_steps"].values()} == {1}
    assert max(compiled.lowered.meta["sram"].values()) <= MESH.l1_bytes
    np.testing.assert_allclose(result.outputs["y"], expected["y"], rtol=0, atol=2e-4 * np.abs(expected["y"]).max())


@pytest.mark.slow
def test_a_2048_wide_bf16_softmax_streams_on_wormhole_and_matches_numpy():
    compiled, result, expected = _run("input x: bf16[64, 2048]\noutput y = softmax(x) @cores(0..1, 0)\n", MESH)
    assert compiled.lowered.nodes[-1].attrs["block"] == 32
    np.testing.assert_allclose(result.outputs["y"], expected["y"], rtol=0, atol=2e-3)
