"""Placement annotations change where and how data moves, never the result."""

import numpy as np
from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs, run_compiled

MATMUL = """\
input x: fp32[256, 256]
param w: fp32[256, 256] = random(seed=1, std=0.1)
output y = x @ w @cores(0..3, 0..3){annotations}
"""


def _run(annotations: str):
    compiled = compile_source(MATMUL.format(annotations=annotations), "mm.tdf")
    result, expected = run_compiled(compiled, make_inputs(compiled.graph, 0))
    np.testing.assert_allclose(result.outputs["y"], expected["y"], rtol=1e-5, atol=1e-5)
    return result


def test_mcast_reads_every_operand_tile_from_dram_once():
    plain, mcast = _run(""), _run(" @mcast")
    read = lambda r: sum(b["bytes_read"] for b in r.stats["dram"])  # noqa: E731
    tile = 4096  # fp32
    # 16 cores in a 4x4 grid, each needing a 2x8-tile band of x and an 8x2-tile band of w
    assert read(plain) == 16 * (16 + 16) * tile
    # with multicast the first core of a row (column) fetches the band once for its row (column)
    assert read(mcast) == (64 + 64) * tile
    mcasts = [t for t in mcast.trace.transfers if t.kind == "mcast"]
    assert len(mcasts) == (4 + 4) * 8  # rows and columns, for each of the 8 k-steps
    assert {t.rect[1] == t.rect[3] for t in mcasts} == {True, False}  # along rows and along columns


def test_shard_width_hands_out_output_blocks_column_by_column():
    _run(" @shard(width)")  # same result
    blocks = {}
    for annotations in ("", " @shard(width)"):
        compiled = compile_source(MATMUL.format(annotations=annotations), "mm.tdf")
        steps = compiled.lowered.nodes[-1].attrs["_steps"]
        blocks[annotations] = [steps[(x, 0)]["blocks"][0][2] for x in range(4)]  # first column tile, cores of row 0
    assert blocks[""] == [0, 2, 4, 6]  # height (default): row 0 of cores covers the first block row
    assert blocks[" @shard(width)"] == [0, 0, 0, 0]  # width: it covers the first block column


def test_noc_annotation_moves_reads_to_the_chosen_noc():
    on0 = _run(" @noc(0)")
    reads = [t for t in on0.trace.transfers if t.kind == "read"]
    assert reads and {t.noc for t in reads} == {0}
    default = _run("")
    assert {t.noc for t in default.trace.transfers if t.kind == "read"} == {1}
