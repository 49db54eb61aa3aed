"""trace.json written directly (tensix.trace_json) is byte for byte json.dumps of Trace.to_dict(), for compiled
programs whose traces hold every kind of row (trace version 2): multicast rectangles, spans and transfers with op
indexes, the op table with source lines, the title; with sort_keys, byte for byte the canonical (sorted) text a run
record hashes. Both ways of writing rows: typed (byte by byte, what the compiled module runs) and by template (plain
Python's)."""

import json

import pytest

import tensix.trace_json
from tensix import Mesh
from tensix.lang.compiler import compile_source
from tensix.lang.driver import device_feed, make_inputs
from tensix.lang.params import materialize
from tensix.trace import Op, Trace, read_trace
from tensix.trace_json import trace_json

MATMUL = "input a: bf16[256, 512]\nparam w: bf16[512, 256] = random(seed=1, std=0.05)\noutput y = relu(a @ w)\n"
ROWS = "input x: bf16[64, 256]\noutput y = softmax(x * 2.0, causal=true)\n"


@pytest.fixture(autouse=True, params=[True, False], ids=["typed", "template"])
def rows_written(request, monkeypatch):
    monkeypatch.setattr(tensix.trace_json, "_TYPED", request.param)


@pytest.mark.parametrize("source", [MATMUL, ROWS], ids=["matmul", "softmax"])
def test_trace_json_is_the_compact_json_of_to_dict(source, tmp_path):
    compiled = compile_source(source, "prog.tdf", "wormhole_n150")
    feed = device_feed(compiled, make_inputs(compiled.graph, 0), materialize(compiled.graph))
    run = Mesh(compiled.device).run(compiled.program, feed)
    run.trace.title = "prog \"ü\".tdf"  # a title that JSON must escape
    texts = trace_json(run.trace), trace_json(run.trace, sort_keys=True)  # read from the run's logs (no rows built)
    d = run.trace.to_dict()
    assert texts == (json.dumps(d, separators=(",", ":")), json.dumps(d, sort_keys=True, separators=(",", ":")))
    assert any("op" in s for s in d["spans"]) and any("op" in t for t in d["transfers"])
    assert d["ops"] and all(o["src"].startswith("prog.tdf:") for o in d["ops"])
    assert trace_json(run.trace) == json.dumps(d, separators=(",", ":"))
    assert trace_json(run.trace, sort_keys=True) == json.dumps(d, sort_keys=True, separators=(",", ":"))  # hashed
    run.save(tmp_path)
    assert (tmp_path / "trace.json").read_text() == json.dumps(d, separators=(",", ":")) + "\n"
    back = read_trace(tmp_path / "trace.json")  # rows as tuples, not logs: the same text
    assert trace_json(back) == texts[0] and trace_json(back, sort_keys=True) == texts[1]


def test_multicast_rectangles_are_written_as_lists():
    compiled = compile_source(MATMUL, "prog.tdf", "wormhole_n150")
    feed = device_feed(compiled, make_inputs(compiled.graph, 0), materialize(compiled.graph))
    run = Mesh(compiled.device).run(compiled.program, feed)
    d = run.trace.to_dict()
    rects = [t["rect"] for t in d["transfers"] if t["rect"]]
    assert rects and all(isinstance(r, list) and len(r) == 4 for r in rects)
    assert trace_json(run.trace) == json.dumps(d, separators=(",", ":"))
    assert trace_json(run.trace, sort_keys=True) == json.dumps(d, sort_keys=True, separators=(",", ":"))


def test_rows_with_awkward_text_and_kernels_in_turn_are_the_compact_json_of_to_dict():
    """Rows given as tuples (as a trace read back holds them): text with %, quotes and non-ASCII (rows are formatted
    from %-templates), spans of one kernel interleaved with another's (blocks of consecutive rows), transfers with
    no links, no destination, a rectangle and a shared hop, with and without an op, and one route under two ops and
    none (each row its own op field)."""
    spans = [((0, 0), "reader", 'load "a" 100%', 0, 5, 1, -1), ((0, 0), "reader", "wait", 5, 9, 2, 0),
             ((1, 0), "comp%ute", "mm ü", 1, 7, 3, 1), ((0, 0), "reader", "wait", 9, 12, 1, 0)]
    hop = (1, 0, "E")
    transfers = [(0, "read", (0, 0), "reader", (0, 0), (1, 0), None, 32, 0, 4, (hop, (2, 0, "S")), 0),
                 (1, "mcast", (1, 0), "writer%s", (1, 0), None, (0, 0, 3, 1), 2048, 4, 9, (), -1),
                 (0, "write", (0, 0), "writer", (0, 0), (2, 1), None, 64, 9, 11, (hop,), 1),
                 (0, "read", (0, 0), "reader", (0, 0), (1, 0), None, 32, 4, 8, (hop, (2, 0, "S")), 1),
                 (0, "read", (0, 0), "reader", (0, 0), (1, 0), None, 32, 8, 12, (hop, (2, 0, "S")), -1)]
    ops = (Op(0, "%0", "x", "p.tdf:1"), Op(1, "%1", "y %d", "p.tdf:2"))
    trace = Trace(1e9, spans, transfers, ops=ops, title="t %s")
    d = trace.to_dict()
    assert trace_json(trace) == json.dumps(d, separators=(",", ":"))
    assert trace_json(trace, sort_keys=True) == json.dumps(d, sort_keys=True, separators=(",", ":"))
    empty = Trace(1e9, [], [], title="")
    assert trace_json(empty) == json.dumps(empty.to_dict(), separators=(",", ":"))
