"""Placement annotations change where and how data moves, never the result."""

import numpy as np

from tensix import Mesh, MeshConfig, TileKind
from tensix.lang.compiler import compile_source
from tensix.lang.driver import device_feed, make_inputs, run_compiled
from tensix.lang.params import materialize
from tensix.presets import preset
from tensix.schedule.plain import plain_steps
from tensix.timing import TimingModel

MESH4 = MeshConfig(width=5, height=4, tiles={(4, y): TileKind.DRAM for y in range(4)})  # a 4x4 compute grid

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
    plain, mcast = _run(" @shard(height)"), _run(" @mcast")
    read = lambda r: sum(b.bytes_read for b in r.stats.dram)  # noqa: E731
    tile = 4096  # fp32
    # 16 cores in a 4x4 grid, each needing a 2x8-tile band of x and an 8x2-tile band of w
    assert read(plain) == 16 * (16 + 16) * tile
    # with multicast the first core of a row (column) fetches the band once for its row (column)
    assert read(mcast) == (64 + 64) * tile
    mcasts = [t for t in mcast.trace.transfers if t.kind == "mcast"]
    assert len(mcasts) == 4 + 4  # rows and columns, one k step: all 8 k tiles fit L1 at once
    assert {t.nbytes for t in mcasts} == {2 * 8 * tile}  # a 2x8-tile band, an 8x2-tile band
    assert {t.rect[1] == t.rect[3] for t in mcasts} == {True, False}  # along rows and along columns
    assert mcast.cycles < plain.cycles
    # the bands land straight in the receivers' CBs: no core copies anything to itself
    assert not [t for t in mcast.trace.transfers if t.kind == "read" and t.src == t.dst]


def test_multicast_matmuls_after_an_odd_number_of_k_steps_on_their_cores_stay_in_step():
    # the first matmul takes one k step (3 k tiles at once: @mcast takes the most that fit L1) on every core,
    # leaving its operand CBs at their second unit: the next one on the same cores must start its bands at the
    # first unit on all of them
    source = """\
input x: fp32[128, 96]
param w: fp32[96, 128] = random(seed=1, std=0.1)
param v: fp32[128, 128] = random(seed=2, std=0.1)
let h = x @ w @mcast
output y = h @ v
"""
    compiled = compile_source(source, "mm.tdf", MESH4)
    assert [n.attrs.get("mcast") for n in compiled.lowered.nodes] == [None, "auto"]
    assert {s["kb"] for s in plain_steps(compiled.lowered.nodes[0]).values()} == {3}
    result, expected = run_compiled(compiled, make_inputs(compiled.graph, 0), mesh=Mesh(MESH4))
    np.testing.assert_allclose(result.outputs["y"], expected["y"], rtol=1e-5, atol=1e-5)


def test_unannotated_matmul_on_a_4x4_grid_multicasts_by_itself():
    auto = _run("")
    compiled = compile_source(MATMUL.format(annotations=""), "mm.tdf")
    assert compiled.lowered.nodes[-1].attrs["mcast"] == "auto"
    assert "mcast=auto" in compiled.lowered.render()
    assert sum(b.bytes_read for b in auto.stats.dram) == (64 + 64) * 4096  # as with @mcast


def test_shard_width_hands_out_output_blocks_column_by_column():
    _run(" @shard(width)")  # same result
    blocks = {}
    for annotations in (" @shard(height)", " @shard(width)"):
        compiled = compile_source(MATMUL.format(annotations=annotations), "mm.tdf")
        steps = plain_steps(compiled.lowered.nodes[-1])
        blocks[annotations] = [steps[(x, 0)]["blocks"][0][2] for x in range(4)]  # first column tile, cores of row 0
    assert blocks[" @shard(height)"] == [0, 2, 4, 6]  # height: row 0 of cores covers the first block row
    assert blocks[" @shard(width)"] == [0, 0, 0, 0]  # width: it covers the first block column


def test_noc_annotation_moves_reads_to_the_chosen_noc():
    on1 = _run(" @noc(1)")
    reads = [t for t in on1.trace.transfers if t.kind == "read"]
    assert reads and {t.noc for t in on1.trace.transfers} == {1}  # everything of the op, multicasts too
    plain = _run(" @shard(height)")  # no multicast: reads on NoC 1, writes on NoC 0 (NCRISC / BRISC)
    assert {t.noc for t in plain.trace.transfers if t.kind == "read"} == {1}
    assert {t.noc for t in plain.trace.transfers if t.kind == "write"} == {0}


def test_an_unannotated_multicast_matmul_reads_on_noc_0_writes_on_both_and_is_faster_for_it():
    auto, on1 = _run(""), _run(" @noc(1)")
    assert {t.noc for t in auto.trace.transfers if t.kind != "write"} == {0}
    assert {t.noc for t in auto.trace.transfers if t.kind == "write"} == {0, 1}  # output pages alternate
    assert auto.cycles < on1.cycles


def test_multicast_matmul_skips_zero_activation_columns_and_sends_zero_faces_as_headers():
    x = np.random.default_rng(3).standard_normal((256, 256)).astype(np.float32)
    x[:, :128] = 0  # the first step's 4 k tiles are zero in every grid row: no core needs their weight tiles
    runs = {}
    small = preset("wormhole_n150").with_(l1_bytes=220 * 1024)  # L1 for k steps of 4 tiles (lang/passes/plans._plan)
    for skip in (False, True):
        compiled = compile_source(MATMUL.format(annotations=" @mcast"), "mm.tdf", small, zero_skip=skip)
        assert {s["kb"] for s in plain_steps(compiled.lowered.nodes[-1]).values()} == {4}
        feed = device_feed(compiled, {"x": x}, materialize(compiled.graph))
        runs[skip] = Mesh(compiled.device, zero_skip=skip).run(compiled.program, feed)
    dense, sparse = runs[False], runs[True]
    np.testing.assert_array_equal(dense.outputs["y"], sparse.outputs["y"])
    down = lambda r: [t for t in r.trace.transfers if t.kind == "mcast" and t.rect[0] == t.rect[2]]  # noqa: E731
    assert len(down(dense)) == 4 * 2 and len(down(sparse)) == 4 * 1  # 4 grid columns, 2 steps, 1 skipped
    header, tile = TimingModel().zero_header_bytes, 4096
    along = [t for t in sparse.trace.transfers if t.kind == "mcast" and t.rect[1] == t.rect[3]]
    assert sorted(t.nbytes for t in along)[:4] == [8 * header] * 4  # each row's zero 2x4-tile band: headers
    totals = sparse.stats.zero_skip.totals
    # DRAM: the 32 zero x pages (8 per grid row) come as headers; each column's 4x2 weight tiles are not read
    assert totals.dram_bytes_skipped == 32 * (tile - header) + 4 * 8 * tile
    assert sparse.cycles < dense.cycles


def test_a_grid_block_larger_than_dst_runs_as_sub_blocks_and_still_multicasts():
    # 12 x 96 output tiles on 8x8 cores: 2 x 12 tiles a core, more than the 16 DST tiles: a 2 x 8 and a 2 x 4
    # sub-block, their partial sums kept in fp32 between k steps
    source = "input x: fp32[384, 128]\nparam w: fp32[128, 3072] = random(seed=1, std=0.1)\noutput y = x @ w{}\n"
    results = {}
    for annotations in ("", " @shard(height)"):
        compiled = compile_source(source.format(annotations), "mm.tdf")
        result, expected = run_compiled(compiled, make_inputs(compiled.graph, 0))
        np.testing.assert_allclose(result.outputs["y"], expected["y"], rtol=1e-5, atol=1e-5)
        results[annotations] = compiled, result
    compiled, auto = results[""]
    steps = plain_steps(compiled.lowered.nodes[-1])
    assert compiled.lowered.nodes[-1].attrs["mcast"] == "auto" and len(steps) == 48  # 6 rows of 8 cores
    assert steps[(1, 0)]["blocks"] == [[0, 2, 12, 12, 0, 0]] and steps[(1, 0)]["sub"] == [2, 8]
    assert auto.cycles < results[" @shard(height)"][1].cycles
