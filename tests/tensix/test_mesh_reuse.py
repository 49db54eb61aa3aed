"""What a Mesh keeps from run to run to save its fixed cost (its Fabric's routes, the DST memories of compute
kernels, the images of L1-resident params) changes nothing a run gives: a run on a Mesh that ran other programs,
or failed, has the outputs, cycles, trace and stats of the same run on a new Mesh."""

import numpy as np
import pytest

from tensix import Mesh, MeshConfig
from tensix.errors import KernelError
from tensix.lang.compiler import compile_source
from tensix.lang.driver import device_feed, make_inputs
from tensix.lang.params import materialize
from tensix.program import Program
from tensix.trace_json import trace_json
from tensix.zeroskip import ZeroSkip

SOFTMAX = """\
input a: bf16[64, 64]
param w: bf16[64, 64] = random(seed=1, std=0.1)
output y = softmax(a @ w) + a
"""
SPARSE = """\
input h: bf16[1, 512] @sparse
param w2: bf16[512, 128] = random(seed=4, std=0.02)
output y = h @ w2
"""
TORUS = MeshConfig(width=4, height=4)  # all Tensix; core (x, y) is NoC (x, y)


def _compiled(source: str, zero_skip: bool = False):
    compiled = compile_source(source, "reuse.tdf", "wormhole_n150", zero_skip=zero_skip)
    inputs = make_inputs(compiled.graph, 0)
    if "h" in inputs:  # a ReLU's output: three quarters zeros, so skipping has something to skip
        inputs["h"] = np.where(np.arange(inputs["h"].size).reshape(inputs["h"].shape) % 4 == 0,
                               np.abs(inputs["h"]), 0.0).astype(np.float32)
    return compiled, device_feed(compiled, inputs, materialize(compiled.graph))


def _same_run(a, b) -> None:
    assert a.cycles == b.cycles
    assert a.outputs.keys() == b.outputs.keys()
    for name in a.outputs:
        np.testing.assert_array_equal(a.outputs[name], b.outputs[name])
    assert trace_json(a.trace) == trace_json(b.trace)
    assert a.stats.json_text() == b.stats.json_text()


def _boom(ctx) -> None:
    """Move some bytes (Paths and trace rows made), then fail mid-run."""
    got = ctx.get_l1_buffer("got")
    ctx.noc_async_read(ctx.get_noc_addr(1, 1, got), got, 2048)
    ctx.noc_async_read_barrier()
    raise ValueError("boom")


def _failing() -> Program:
    p = Program(name="failing")
    for core in ((0, 0), (1, 1)):
        p.l1_buffer(core, "got", 2048)
    p.kernel((0, 0), "reader", _boom)
    return p


@pytest.mark.parametrize("zero_skip", [False, True])
def test_a_run_after_other_programs_and_a_failed_run_equals_a_fresh_meshs(zero_skip):
    (a, feed_a), (b, feed_b) = _compiled(SPARSE, zero_skip), _compiled(SOFTMAX)
    skip = ZeroSkip() if zero_skip else None
    fresh = Mesh(a.device, zero_skip=skip).run(a.program, feed_a)
    mesh = Mesh(a.device, zero_skip=skip)
    _same_run(mesh.run(a.program, feed_a), fresh)
    mesh.run(b.program, feed_b)  # another program: other routes, more compute kernels, other params
    _same_run(mesh.run(a.program, feed_a), fresh)
    paths = dict(mesh._fabric._paths)
    with pytest.raises(KernelError, match="boom"):
        mesh.run(_failing(), {})
    assert all(p.issuer is None for p in mesh._fabric._paths.values())  # the failed run's kernels are not kept
    again = mesh.run(a.program, feed_a)
    _same_run(again, fresh)
    assert all(mesh._fabric._paths[k] is p for k, p in paths.items())  # the routes were made once


def test_a_rerun_takes_the_last_runs_dst_memories():
    compiled, feed = _compiled(SOFTMAX)
    mesh = Mesh(compiled.device)
    mesh.run(compiled.program, feed)
    dst_nbytes = compiled.device.dst_tiles * 32 * 32 * 4
    held = {id(m) for m in mesh._memory.held() if m.size == dst_nbytes}
    assert len(held) == sum(k.role == "compute" for k in compiled.program.kernels)
    mesh.run(compiled.program, feed)
    assert {id(m) for m in mesh._memory.held() if m.size == dst_nbytes} == held
