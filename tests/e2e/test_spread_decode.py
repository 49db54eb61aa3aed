"""A decode matmul whose activation row an op before it wrote from several cores: every core of the matmul reads its
own k tiles of the row and multicasts them to the others (Share.senders, stages/mcast.spread_row), so no core gathers
the whole row first (docs/architecture.md, "One-row norms, and one row read by several cores at once")."""

import numpy as np

from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs, run_compiled
from tensix.presets import resolve

MESH = resolve("wormhole_n150")
# a gate-times-up product of one token row (16 k tiles over 4 cores), then its projection (8 output tiles)
SOURCE = """\
input g: fp32[1, 512]
input u: fp32[1, 512]
param w: fp32[512, 256] = random(seed=5, std=0.05)
let m = g * u @cores(0..3, 3)
output y = m @ w
"""


def _plan(compiled):
    node = next(n for n in compiled.lowered.nodes if n.attrs.get("mcast", "").startswith("decode"))
    return node, node.attrs["_steps"]


def test_spread_row_has_a_sender_per_k_run_and_matches_numpy():
    compiled = compile_source(SOURCE, "spread.tdf", MESH)
    node, steps = _plan(compiled)
    assert node.attrs["mcast"] == "decode-spread"
    cores = sorted(steps, key=lambda c: (c[1], c[0]))
    assert cores == [(x, 0) for x in range(8)]  # one output tile column a core
    share = steps[cores[0]].mcast.a
    # 16 k tiles over the 8 cores, two each, in (y, x) order: every core a sender, none holding the row alone, the
    # NoCs in turn
    assert share.senders == tuple((c, 2 * i, 2 * i + 2, i % 2) for i, c in enumerate(cores))
    assert all(s.mcast.a == share and s.a_kb in (0, 16) for s in steps.values())
    # each core waits for the product core that wrote its own two tiles (four a product core: both on one), and
    # only its writer, which moves the row, waits: its reader streams the weights meanwhile
    assert all(len(s.wait) == 1 and s.wait[0].count == 1 and s.wait[0].only == "writer" for s in steps.values())
    result, expected = run_compiled(compiled, make_inputs(compiled.graph, 0))
    want = expected["y"]
    np.testing.assert_allclose(result.outputs["y"], want, rtol=1e-5, atol=1e-5)
    g, u = (make_inputs(compiled.graph, 0)[k] for k in ("g", "u"))
    assert np.abs(want - (g * u) @ result_weights(compiled)).max() < 1e-4

    op = next(i for i, o in enumerate(result.trace.ops) if o.id == node.id)
    mine = [t for t in result.trace.transfers if t.op == op]
    # hand-derived: each core multicasts its two k tiles (2 x 4096 B) once, to the 7 others of row 0
    mcasts = [t for t in mine if t.kind == "mcast"]
    assert sorted((t.issuer, t.nbytes, t.rect, t.noc) for t in mcasts) == [(c, 8192, mcasts[0].rect, c[0] % 2)
                                                                           for c in cores]
    # the row's 16 pages are read once each, two by each core, from the L1 of the 4 cores that wrote them
    homes = {MESH.noc_xy((x, 3)) for x in range(4)}
    row_reads = [t for t in mine if t.kind == "read" and t.src in homes]
    assert sorted((t.issuer, t.nbytes) for t in row_reads) == sorted((c, 4096) for c in cores for _ in range(2))
    # each core reads its weight column from DRAM: 16 k tiles of 4096 B, and nothing else
    w_bytes = {c: sum(t.nbytes for t in mine if t.kind == "read" and t.issuer == c and t.src not in homes)
               for c in cores}
    assert w_bytes == dict.fromkeys(cores, 16 * 4096)


def result_weights(compiled) -> np.ndarray:
    from tensix.lang.params import materialize
    return materialize(compiled.graph)["w"]


def test_a_row_written_by_one_core_keeps_one_sender():
    compiled = compile_source(SOURCE.replace("@cores(0..3, 3)", "@cores(0, 3)"), "one.tdf", MESH)
    node, steps = _plan(compiled)
    assert node.attrs["mcast"] == "decode" and not next(iter(steps.values())).mcast.a.senders


# more cores than k tiles: 6 k tiles, 8 output tiles on two rows of 4 cores (one column each)
WIDE = """\
input g: fp32[1, 192]
input u: fp32[1, 192]
param w: fp32[192, 256] = random(seed=5, std=0.05)
let m = g * u @cores(0..3, 3)
output y = m @ w @cores(0..3, 0..1)
"""


def test_spread_senders_fill_a_rectangle_and_signal_readiness_with_one_multicast_each():
    compiled = compile_source(WIDE, "wide.tdf", MESH)
    node, steps = _plan(compiled)
    assert node.attrs["mcast"] == "decode-spread"
    cores = sorted(steps, key=lambda c: (c[1], c[0]))
    assert cores == [(x, y) for y in range(2) for x in range(4)]
    share = steps[cores[0]].mcast.a
    # 6 k tiles over the first row's 4 cores (whole rows of the rectangle, not 6 of its 8 cores): runs of 1, 2, 1, 2
    assert share.senders == (((0, 0), 0, 1, 0), ((1, 0), 1, 3, 1), ((2, 0), 3, 4, 0), ((3, 0), 4, 6, 1))
    result, expected = run_compiled(compiled, make_inputs(compiled.graph, 0))
    g, u = (make_inputs(compiled.graph, 0)[k] for k in ("g", "u"))
    np.testing.assert_allclose(result.outputs["y"], (g * u) @ result_weights(compiled), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(result.outputs["y"], expected["y"], rtol=1e-5, atol=1e-5)

    op = next(i for i, o in enumerate(result.trace.ops) if o.id == node.id)
    mine = [t for t in result.trace.transfers if t.op == op]
    row0 = tuple(MESH.noc_xy((0, 0))) + tuple(MESH.noc_xy((3, 0)))
    # hand-derived handshake: each of the 8 cores sends one multicast increment of `ready` to the 4 senders' row
    # (3 destinations from inside it, 4 from the second row); each sender one multicast of its run to the 7 others
    # and one of `valid` after it, on its NoC. No unicast semaphore (one `ready` per other sender: 3 x 4 + 4 x 4 = 28).
    # (each on the NoC of its place in the rectangle: the senders' own, in turn)
    ready = sorted((t.issuer, t.noc) for t in mine if t.kind == "sem" and t.rect == row0)
    assert ready == sorted((c, c[0] % 2) for c in cores)
    assert not [t for t in mine if t.kind == "sem" and t.rect is None]
    full = tuple(MESH.noc_xy((0, 0))) + tuple(MESH.noc_xy((3, 1)))
    data = sorted((t.issuer, t.nbytes, t.noc) for t in mine if t.kind == "mcast")
    assert data == [((0, 0), 4096, 0), ((1, 0), 8192, 1), ((2, 0), 4096, 0), ((3, 0), 8192, 1)]
    assert all(t.rect == full for t in mine if t.kind == "mcast")
    valid = sorted((t.issuer, t.noc) for t in mine if t.kind == "sem" and t.rect == full)
    assert valid == [((x, 0), x % 2) for x in range(4)]
    # the senders alone read the row, each its run once, from the 4 cores that wrote it
    homes = {MESH.noc_xy((x, 3)) for x in range(4)}
    row_reads = sorted(t.issuer for t in mine if t.kind == "read" and t.src in homes)
    assert row_reads == [(0, 0), (1, 0), (1, 0), (2, 0), (3, 0), (3, 0)]
