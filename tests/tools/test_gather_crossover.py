"""The micro-measurement behind GATHER_PAYS forces every k step of a skipping decode matmul to gather or to stream;
both must give the same bits, and the counters must show every step went the forced way."""

import numpy as np
import pytest

from tensix.lang.check import check_source
from tensix.lang.compiler import compile_graph
from tensix.lang.driver import device_feed
from tensix.lang.params import materialize
from tensix.lang.passes.splitk import column_split
from tensix.mesh import Mesh
from tensix.programs.stages import build
from tensix.tools.bench_sparse import SPARSE_MATMUL, _forced, _live_columns


@pytest.mark.parametrize("live", [0.0625, 1.0])
def test_forced_gather_and_forced_stream_give_the_same_bits_and_go_the_forced_way(live):
    compiled = compile_graph(column_split(check_source(SPARSE_MATMUL.format(batch=1, k=1024, n=512), "m.tdf")),
                             zero_skip=True)
    h = _live_columns(np.random.default_rng(0), (1, 1024), live)
    assert np.count_nonzero(h.any(axis=0)) == round(live * 1024)
    feed = device_feed(compiled, {"h": h}, materialize(compiled.graph))
    steps = sum(-(-s.kt // s.kb) * len(s.blocks) for c in compiled.schedule.cores for s in c.steps
                if s.op == "matmul_rows")
    outputs = []
    for density, want in ((1.0, (steps, 0)), (-1.0, (0, steps))):
        result = Mesh(compiled.device, zero_skip=True).run(build.program(_forced(compiled.schedule, density)), feed)
        ops = result.stats.zero_skip.ops
        assert (sum(o.steps_gathered for o in ops), sum(o.steps_streamed for o in ops)) == want
        outputs.append(result.outputs["y"])
    np.testing.assert_array_equal(outputs[0], outputs[1])
