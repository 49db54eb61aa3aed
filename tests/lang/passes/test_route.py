"""route: each consumer core waits for exactly the producer cores that write pages it reads, and they signal it."""

from dataclasses import replace

from tensix.config import MeshConfig, TileKind
from tensix.lang import check_source
from tensix.lang.passes.decompose import decompose
from tensix.lang.passes.fuse import fuse
from tensix.lang.passes.place import place
from tensix.lang.passes.route import route
from tensix.lang.passes.tile import tile
from tensix.schedule.plain import plain_steps

MESH = MeshConfig(width=5, height=4, tiles={(4, y): TileKind.DRAM for y in range(4)})  # 4x4 compute grid
HEAD = "input x: fp32[32, 64]\n"  # two tiles: an op on it uses at most two cores


def _routed(body: str):
    return route(tile(place(fuse(decompose(check_source(HEAD + body, "t.tdf"), MESH)), MESH)))


def _route_view(node) -> dict:
    """Each core's step as plain data, its waits as [sem, count] and signals as [sem, cores]; no empty signal or
    unset NoC."""
    out = {}
    for core, s in plain_steps(node).items():
        s = {**s, "wait": [[w["sem"], w["count"]] for w in s["wait"]],
             "signal": [[g["sem"], g["cores"]] for g in s["signal"]]}
        out[core] = {k: v for k, v in s.items() if not (k == "signal" and not v or k == "noc" and v is None)}
    return out


def _steps(node) -> dict:
    return {core: {k: step[k] for k in ("wait", "signal", "label", "src", "noc") if k in step}
            for core, step in _route_view(node).items()}


def test_each_consumer_core_waits_for_the_producer_core_of_its_own_tile():
    relu, scale = _routed("let h = relu(x) @cores(0..1, 0)\noutput y = h * 2.0 @cores(2..3, 1) @noc(1)\n").nodes
    # tile 0 goes (0, 0) -> (2, 1), tile 1 (1, 0) -> (3, 1): semaphore 0 (the first op's), one signal each
    assert _steps(relu) == {
        (0, 0): {"wait": [], "signal": [[0, [[2, 1]]]], "label": "relu %0", "src": "t.tdf:2:9"},
        (1, 0): {"wait": [], "signal": [[0, [[3, 1]]]], "label": "relu %0", "src": "t.tdf:2:9"},
    }
    assert _steps(scale) == {
        (2, 1): {"wait": [[0, 1]], "label": "scale %1", "src": "t.tdf:3:12", "noc": 1},
        (3, 1): {"wait": [[0, 1]], "label": "scale %1", "src": "t.tdf:3:12", "noc": 1},
    }


def test_a_consumer_reading_tiles_of_several_producer_cores_waits_for_each():
    relu, mm = _routed("param w: fp32[64, 32] = random(seed=1)\nlet h = relu(x) @cores(0..1, 0)\n"
                       "output y = h @ w @cores(3, 3)\n").nodes
    # the one matmul core reads both tiles of h (its k steps), so both relu cores signal it
    assert _route_view(relu)[(0, 0)]["signal"] == _route_view(relu)[(1, 0)]["signal"] == [[0, [[3, 3]]]]
    assert _route_view(mm)[(3, 3)]["wait"] == [[0, 2]]


def test_only_the_row_senders_of_a_multicast_matmul_wait_for_its_activation():
    text = "input a: fp32[128, 128]\nparam w: fp32[128, 128] = random(seed=1)\nlet h = relu(a)\noutput y = h @ w\n"
    relu, mm = route(tile(place(fuse(decompose(check_source(text, "t.tdf"), MESH)), MESH))).nodes
    assert mm.attrs["mcast"] == "auto"
    # h's 16 tiles, one per core in (y, x) order: grid row r's band (tiles 4r..4r+3) comes from cores (0..3, r);
    # row r's sender (r, r) waits for those 4, the other cores get the band from it and wait for nothing
    waits = {core: s["wait"] for core, s in _route_view(mm).items()}
    assert waits == {(x, y): [[0, 4]] if x == y else [] for x in range(4) for y in range(4)}
    assert _route_view(relu)[(2, 1)]["signal"] == [[0, [[1, 1]]]]
    # compiled for zero skipping every core checks the zero headers of all rows: all wait for all 16
    source = check_source(text, "t.tdf")
    skipping = replace(source, meta={**source.meta, "zero_skip": True})
    _, mm = route(tile(place(fuse(decompose(skipping, MESH)), MESH))).nodes
    assert {tuple(s["wait"][0]) for s in _route_view(mm).values()} == {(0, 16)}


def test_each_consumer_core_is_signalled_once_across_several_consumers():
    graph = _routed("let h = relu(x) @cores(0, 0)\nlet a = h * 2.0 @cores(1..2, 0)\nlet b = h * 3.0 @cores(2..3, 0)\n"
                    "output y = a + b @cores(0, 1)\n")
    h, a, b, y = graph.nodes
    # h's two tiles: a's cores take one each, so do b's; core (2, 0) consumes h in both a and b
    assert _route_view(h)[(0, 0)]["signal"] == [[0, [[1, 0], [2, 0], [3, 0]]]]
    assert _route_view(a)[(1, 0)]["signal"] == [[1, [[0, 1]]]]
    assert _route_view(b)[(2, 0)]["signal"] == [[2, [[0, 1]]]]
    assert _route_view(y)[(0, 1)]["wait"] == [[1, 2], [2, 2]]


def test_decomposed_steps_keep_the_source_op_label():
    small = replace(MESH, l1_bytes=64 * 1024)  # a fused softmax row would take more than a quarter of it
    source = check_source(HEAD + "output y = softmax(x) @cores(0, 0)\n", "t.tdf")
    graph = route(tile(place(fuse(decompose(source, small)), small)))
    assert {_route_view(n)[(0, 0)]["label"] for n in graph.nodes} == {"softmax %0"}
    waits = [_route_view(n)[(0, 0)]["wait"] for n in graph.nodes]
    assert waits == [[], [[0, 1]], [[1, 1]], [[1, 1], [2, 1]]]  # max; sub-exp; sum-recip; mul


def test_a_multicast_operand_gets_a_ready_and_a_valid_semaphore_per_cb_unit():
    text = "input a: fp32[128, 128]\nparam w: fp32[128, 128] = random(seed=1)\noutput y = a @ w\n"
    (mm,) = route(tile(place(fuse(decompose(check_source(text, "t.tdf"), MESH)), MESH))).nodes
    m = _route_view(mm)[(1, 2)]["mcast"]
    # one op: semaphore 0 is its readiness; the multicast handshakes follow, two slots per operand
    assert (m["a"]["ready"], m["a"]["valid"], m["b"]["ready"], m["b"]["valid"]) == ([1, 2], [3, 4], [5, 6], [7, 8])


def test_only_grid_multicast_matmuls_default_to_noc_0():
    grid = "input a: fp32[128, 128]\nparam w: fp32[128, 128] = random(seed=1)\noutput y = a @ w\n"
    (mm,) = route(tile(place(fuse(decompose(check_source(grid, "t.tdf"), MESH)), MESH))).nodes
    assert {s["noc"] for s in _route_view(mm).values()} == {0}
    decode = "input h: fp32[1, 512]\nparam w: fp32[512, 512] = random(seed=1)\noutput y = relu(h) @ w\n"
    source = check_source(decode, "t.tdf")
    skipping = replace(source, meta={**source.meta, "zero_skip": True, "split_k": False})  # column-split plan
    skip_graph = route(tile(place(fuse(decompose(skipping, MESH)), MESH)))
    sparse = {c: s for n in skip_graph.nodes for c, s in _route_view(n).items() if s["op"] == "matmul_rows"}
    assert sparse and all(s.get("mcast") for s in sparse.values())  # its band is multicast...
    dense_graph = route(tile(place(fuse(decompose(source, MESH)), MESH)))
    dense = {c: s for n in dense_graph.nodes for c, s in _route_view(n).items() if s["op"] == "matmul"}
    # ...on the NoCs of the dense decode plan it runs as and is compared with, core by core: here that plan is
    # DRAM-sharded (16 columns over the 12 banks), each core reading on the NoC nearer its bank (route keeps a
    # plan's own NoC; a multicast matmul without one moves on NoC 0)
    assert skip_graph.meta["sharded"] == dense_graph.meta["sharded"] == {"w": (2,) * 4 + (1,) * 8}
    assert {c: s["noc"] for c, s in sparse.items()} == {c: s["noc"] for c, s in dense.items()}
    assert {s["noc"] for s in sparse.values()} == {0, 1}
