"""Decode matmuls of one activation row: their senders gather it on the two NoCs in turn (lang/passes/tile.py,
docs/architecture.md "One-row norms, and one row read by several cores at once"), with numpy's values."""

import numpy as np

from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs, run_compiled
from tensix.presets import resolve

MESH = resolve("wormhole_n150")
# a layer's q, k and v projections of one token row, on rows of cores of their own
SOURCE = """\
input h: bf16[1, 256]
param wq: bf16[256, 256] = random(seed=1)
param wk: bf16[256, 128] = random(seed=2)
param wv: bf16[256, 128] = random(seed=3)
output q = h @ wq @cores(0..7, 0)
output k = h @ wk @cores(0..7, 1)
output v = h @ wv @cores(0..7, 2)
"""


def _senders(compiled) -> list[tuple[tuple[int, int], int]]:
    out = []
    for n in compiled.lowered.nodes:
        if n.attrs.get("mcast") == "decode":
            step = next(iter(n.attrs["_steps"].values()))
            sender = step.mcast.a.sender
            out.append((sender, n.attrs["_steps"][sender].noc))
    return out


def test_decode_matmuls_of_one_row_take_their_senders_nocs_in_turn_and_match_numpy():
    compiled = compile_source(SOURCE, "qkv.tdf", MESH)
    # the first sender on the plan's NoC (0), the next on the one fewer used (1), then a tie keeps the plan's
    assert _senders(compiled) == [((0, 0), 0), ((0, 1), 1), ((0, 2), 0)]
    noc1 = {c for n in compiled.lowered.nodes for c, s in n.attrs["_steps"].items() if s.noc == 1}
    assert noc1 == {(0, 1)}  # only that sender moved: its receivers keep the plan's NoC
    result, expected = run_compiled(compiled, make_inputs(compiled.graph, 0))
    for name in ("q", "k", "v"):
        scale = max(1.0, float(np.max(np.abs(expected[name]))))
        np.testing.assert_allclose(result.outputs[name], expected[name], rtol=0, atol=0.02 * scale)


def test_an_noc_annotation_still_decides_for_every_core():
    compiled = compile_source(SOURCE.replace("@cores(0..7, 1)", "@cores(0..7, 1) @noc(0)"), "qkv.tdf", MESH)
    assert [noc for _, noc in _senders(compiled)] == [0, 0, 1]
