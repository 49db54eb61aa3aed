"""Timeline: valid Chrome/Perfetto trace-event JSON with a process per core and a thread per kernel role."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from tensix.tools.gantt import regions, shown_cores
from tensix.tools.timeline import NOC_PID, trace_events, write_timeline


@pytest.fixture(scope="module", params=["small", "wormhole"])
def doc(request):
    return trace_events(request.getfixturevalue(request.param))


def names(doc, kind):
    return {(e["pid"], e["tid"]): e["args"]["name"] for e in doc["traceEvents"] if e["name"] == kind}


def test_every_event_has_the_required_fields(doc):
    assert all({"ph", "ts", "pid", "tid"} <= e.keys() for e in doc["traceEvents"])
    assert all(e["dur"] >= 0 for e in doc["traceEvents"] if e["ph"] == "X")


def test_one_process_per_core_and_one_thread_per_role(small):
    doc = trace_events(small)
    processes = {pid: name for (pid, _), name in names(doc, "process_name").items()}
    assert processes[1] == "core (0,0)" and processes[12] == "core (2,3)"
    assert processes[NOC_PID] == "NoC 0" and processes[NOC_PID + 1] == "NoC 1"
    threads = names(doc, "thread_name")
    assert [threads[(1, tid)] for tid in (1, 2, 3)] == ["reader", "compute", "writer"]
    assert len(threads) == len(set(threads))


def test_spans_are_slices_named_by_the_op_with_source_args(small):
    doc = trace_events(small)
    mm = next(e for e in doc["traceEvents"] if e["ph"] == "X" and e["name"] == "matmul_tiles x4")
    assert (mm["pid"], mm["tid"], mm["ts"], mm["dur"]) == (1, 2, 0.21, 0.08)  # cycles at 1 GHz -> µs
    assert mm["args"]["op"] == "matmul %w1" and mm["args"]["op_src"] == "examples/03_mlp.tdf:7:5"
    stall = next(e for e in doc["traceEvents"] if e["name"] == "wait:cb_wait_front cb 0")
    assert stall["cat"] == "stall"


def test_flows_pair_up_from_issuer_to_destination(doc):
    starts = {e["id"]: e for e in doc["traceEvents"] if e["ph"] == "s"}
    finishes = {e["id"]: e for e in doc["traceEvents"] if e["ph"] == "f"}
    assert starts and starts.keys() == finishes.keys()
    assert all(f["bp"] == "e" and f["ts"] >= starts[i]["ts"] for i, f in finishes.items())


def test_flow_endpoints_sit_inside_slices(doc):
    slices = defaultdict(list)
    for e in doc["traceEvents"]:
        if e["ph"] == "X":
            slices[(e["pid"], e["tid"])].append((e["ts"], e["ts"] + e["dur"]))
    for e in doc["traceEvents"]:
        if e["ph"] in "sf":
            assert any(a <= e["ts"] <= b for a, b in slices[(e["pid"], e["tid"])]), e


def test_multicast_flows_reach_every_core_in_the_rectangle(small):
    doc = trace_events(small)
    mcast = [e for e in doc["traceEvents"] if e["ph"] == "f" and e["name"] == "mcast 2.0 KiB"]
    assert sorted(e["pid"] for e in mcast) == [4, 5, 7, 8]  # cores (0,1) (1,1) (0,2) (1,2) = NoC x 1..2, y 1..2


def test_timestamps_are_monotone_and_slices_do_not_overlap_per_track(doc):
    last, ends = {}, defaultdict(list)
    for e in doc["traceEvents"]:
        track = (e["pid"], e["tid"], e["ph"] == "C" and e["name"])
        assert e["ts"] >= last.get(track, 0)
        last[track] = e["ts"]
        if e["ph"] == "X" and e["cat"] == "noc":
            ends[(e["pid"], e["tid"])].append((e["ts"], e["ts"] + e["dur"]))
    for spans in ends.values():
        assert all(b[0] >= a[1] - 1e-9 for a, b in zip(spans, spans[1:], strict=False))


def test_counters_sample_link_utilization_per_noc(small):
    counters = [e for e in trace_events(small, windows=10)["traceEvents"] if e["ph"] == "C"]
    hottest = [e["args"]["value"] for e in counters if e["name"] == "NoC 1 hottest link busy %"]
    assert len(hottest) == 11 and hottest[-1] == 0 and max(hottest) > 0
    assert all(0 <= e["args"]["value"] <= 100 for e in counters)


def test_written_file_is_json(small, tmp_path):
    path = write_timeline(small, tmp_path / "timeline.json")
    doc = json.loads(path.read_text())
    assert doc["displayTimeUnit"] == "ns" and doc["otherData"]["clock_hz"] == 1e9


def test_overview_says_how_it_chose_the_cores(small, wormhole):
    cores, chosen = shown_cores(small)
    assert cores == [(0, 0), (1, 1), (2, 3)] and chosen == "all 3 cores"
    cores, chosen = shown_cores(wormhole, limit=4)
    assert chosen == "the 4 of 64 cores that finished last (all 64 are equally busy, 7.2%)"
    assert cores == [(4, 7), (5, 7), (6, 7), (7, 7)]  # they start 20 cycles apart, so the last ones end last
    cores, chosen = shown_cores(small, limit=2)  # (1, 1) ran no op: it is in no placement region
    assert cores == [(0, 0), (2, 3)]
    assert chosen == ("2 of 3 cores, in turn from each of the 2 placement regions (cores that ran the same ops), the "
                      "busiest first")


def test_overview_shows_every_region_even_beyond_the_limit(small):
    assert regions(small) == [[(0, 0)], [(2, 3)]]  # matmul %w1 on (0, 0), matmul %w2 on (2, 3)
    cores, _ = shown_cores(small, limit=1)
    assert cores == [(0, 0), (2, 3)]


def test_overview_colours_waits_by_call_apart_from_ops(small, tmp_path):
    from tensix.tools.gantt import _colors, write_timeline_overview

    ops, waits = _colors(list(small.trace.spans))
    assert list(waits) == ["cb_wait_front"] and not set(waits.values()) & set(ops.values())
    assert write_timeline_overview(small, tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"
