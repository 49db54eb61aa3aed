"""Mesh(trace=False): the same run with no spans or transfers kept, for runs whose trace would not fit in memory."""

from pathlib import Path

import numpy as np
import pytest

from tensix import LimitError, Mesh, ProgramError
from tensix.lang.compiler import compile_file
from tensix.lang.driver import device_feed, make_inputs
from tensix.lang.params import materialize
from tensix.tracelog import SpanLog, TransferLog

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def mlp():
    compiled = compile_file(str(EXAMPLES / "03_mlp.tdf"))
    return compiled, device_feed(compiled, make_inputs(compiled.graph, 0), materialize(compiled.graph))


@pytest.mark.parametrize("timing_only", [False, True])
def test_a_run_without_a_trace_has_the_same_outputs_cycles_and_stats(mlp, timing_only):
    compiled, feed = mlp
    feed = None if timing_only else feed
    kept = Mesh(compiled.device, timing_only=timing_only).run(compiled.program, feed)
    bare = Mesh(compiled.device, timing_only=timing_only, trace=False).run(compiled.program, feed)
    assert bare.cycles == kept.cycles
    assert bare.stats.json_text() == kept.stats.json_text()  # the transfer count too: counted, not recorded
    assert bare.stats.transfers == len(kept.trace.transfers) > 0
    for name, value in kept.outputs.items():
        assert (value is None and bare.outputs[name] is None) or np.array_equal(value, bare.outputs[name])
    assert kept.trace.recorded and not bare.trace.recorded
    assert bare.trace.spans == [] and bare.trace.transfers == [] and bare.trace.ops == kept.trace.ops
    assert "no trace kept" in bare.summary() and "no trace kept" not in kept.summary()


def test_without_a_trace_max_transfers_bounds_nothing_and_a_run_cannot_be_saved(mlp, tmp_path):
    compiled, feed = mlp
    with pytest.raises(LimitError, match="max_transfers=10 "):
        Mesh(compiled.device, max_transfers=10).run(compiled.program, feed)
    bare = Mesh(compiled.device, max_transfers=10, trace=False).run(compiled.program, feed)
    assert bare.stats.transfers > 10
    with pytest.raises(ProgramError, match="kept no trace .* trace=True"):
        bare.save(tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_logs_that_keep_nothing_count_and_hold_no_rows():
    transfers, spans = TransferLog(False), SpanLog(False)
    for i in range(100_000):
        transfers.row(transfers.shape(("k", i), 0, "read", None, (0, 0), (1, 0), None, ()), 64, i, i + 9)
        spans.add("op", 2 * i, 2 * i + 1, 1, 0)
    assert len(transfers) == 100_000 and list(transfers) == [] and transfers.shapes == []
    assert len(transfers._cols.chunks) == 1  # the first chunk only, never written
    assert len(spans) == 0 and list(spans) == []
