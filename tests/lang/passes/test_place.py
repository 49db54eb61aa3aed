"""place: every op gets its cores, from @cores (directly, via a block or a region) or else the whole grid."""

import pytest

from tensix.config import MeshConfig, TileKind
from tensix.lang import CoreRect, ErrorList, GraphBuilder, PlacementError, check_source
from tensix.lang.passes.place import place
from tensix.presets import resolve

# a 5x4 NoC whose last column is DRAM: a 4x4 compute grid
MESH = MeshConfig(width=5, height=4, tiles={(4, y): TileKind.DRAM for y in range(4)})
HEAD = "input x: fp32[64, 64]\n"


def _placed(body: str, cfg: MeshConfig = MESH):
    return place(check_source(HEAD + body, "t.tdf"), cfg)


def test_unannotated_ops_run_on_the_whole_grid_in_row_order():
    (node,) = _placed("output y = relu(x)\n").nodes
    assert node.attrs["_cores"] == [(x, y) for y in range(4) for x in range(4)]
    assert node.attrs["on"] == "(0,0)..(3,3)"


def test_cores_annotation_is_an_inclusive_rectangle_x_first():
    (node,) = _placed("output y = relu(x) @cores(1..2, 0..1)\n").nodes
    assert node.attrs["_cores"] == [(1, 0), (2, 0), (1, 1), (2, 1)]
    assert node.attrs["on"] == "(1,0)..(2,1)"


def test_one_column():
    (node,) = _placed("output y = relu(x) @cores(3, 0..3)\n").nodes
    assert node.attrs["_cores"] == [(3, 0), (3, 1), (3, 2), (3, 3)]


def test_regions_place_every_op_inside_them():
    graph = _placed("region a @cores(0..1, 0..1) {\n  let h = relu(x) * 2.0\n}\noutput y = h + x\n")
    assert [n.attrs["on"] for n in graph.nodes] == ["(0,0)..(1,1)", "(0,0)..(1,1)", "(0,0)..(3,3)"]


def test_builder_annotations_place_ops():
    g = GraphBuilder("b")
    x = g.input("x", "fp32", [32, 32])
    with g.annotate(cores=CoreRect(2, 3, 3, 3)):
        g.output("y", g.relu(x))
    assert place(g.build(), MESH).nodes[0].attrs["_cores"] == [(2, 3), (3, 3)]


def test_a_rectangle_too_big_for_the_small_mesh_fits_the_8x8_wormhole():
    graph = _placed("output y = relu(x) @cores(0..5, 0..5)\n", resolve("wormhole_n150"))
    assert len(graph.nodes[0].attrs["_cores"]) == 36


def test_placement_outside_the_grid_is_an_error_at_the_annotation():
    with pytest.raises(ErrorList) as info:
        _placed("output y = relu(x) @cores(0..4, 1..2)\n")
    (err,) = info.value.errors
    assert isinstance(err, PlacementError)
    assert str(err) == "t.tdf:2:20: @cores(0..4,1..2) lies outside the 4x4 core grid (x must be in 0..3, y in 0..3)"
    assert err.format().splitlines()[1:] == ["output y = relu(x) @cores(0..4, 1..2)",
                                             "                   ^~~~~~~~~~~~~~~~~~"]
