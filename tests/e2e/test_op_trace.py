"""A compiled two-op program's trace says which op every span and transfer served, and the pictures built on it
(per-op table, hot links, titles) agree with the run's own totals."""

from __future__ import annotations

from collections import Counter

import pytest

from tensix.lang.driver import run_file
from tensix.tools.report import report_html
from tensix.tools.report_ops import op_costs
from tensix.tools.runfiles import load_run
from tensix.trace import NO_OP

SOURCE = """device wormhole_n150

input a: bf16[64, 128]
param w: bf16[128, 128] = random(seed=1, std=0.1)
param v: bf16[128, 64] = random(seed=2, std=0.1)
let h = a @ w
output y = h @ v
"""


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    path = tmp_path_factory.mktemp("two") / "two_ops.tdf"
    path.write_text(SOURCE)
    result, out = run_file(str(path), out=str(path.parent / "run"))
    return result, load_run(out)


def test_spans_and_transfers_carry_their_op_id_and_source_line(two):
    result, run = two
    assert [(o.id, o.name, o.line) for o in run.trace.ops] == [("0", "matmul", 6), ("1", "matmul", 7)]
    assert run.trace.ops[0].src.endswith("two_ops.tdf:6:9") and run.trace.ops[1].where == "two_ops.tdf:7"
    # every step of a compiled program names its op before it does anything, so nothing is outside an op
    assert NO_OP not in {s.op for s in run.trace.spans} | {t.op for t in run.trace.transfers}
    # h @ v needs all of h: its reads start after the first op wrote it, and op 0 moved more (a is 128 wide)
    reads = Counter(t.op for t in run.trace.transfers if t.kind == "read")
    assert reads[0] and reads[1]
    first_read_of_1 = min(t.start for t in run.trace.transfers if t.op == 1 and t.kind == "read")
    assert first_read_of_1 >= min(t.end for t in run.trace.transfers if t.op == 0 and t.kind == "write")
    assert run.trace.to_dict() == result.trace.to_dict()  # what was saved is what ran


def test_per_op_figures_add_up_to_the_runs_totals(two):
    _, run = two
    costs = op_costs(run)
    assert sum(c.critical_cycles for c in costs) == run.stats.total_cycles
    assert tuple(map(sum, zip(*(c.noc_bytes for c in costs), strict=True))) == run.stats.noc_bytes
    assert sum(c.dram_bytes for c in costs) == run.stats.dram_bytes


def test_the_run_is_titled_by_its_file(two):
    _, run = two
    assert run.trace.title == "two_ops.tdf"
    html = report_html(run, [])
    assert "<h1>Run report: two_ops.tdf on wormhole_n150</h1>" in html
    assert "<td>matmul %0</td><td>two_ops.tdf:6</td>" in html and "<td>matmul %1</td><td>two_ops.tdf:7</td>" in html
    assert "loaded by (op, source line, share of the link&#x27;s bytes)" in html
