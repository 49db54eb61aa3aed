"""A Mesh's next run gets the memories of its last run back (tensix.memory.MemoryPool), also when the last run's
kernels claimed CBs (softmax's compute kernel claims its intermediates): a claiming kernel and its CB refer to each
other through the device, and a finished device left in that cycle kept its memories from the pool, so every run
took fresh memories and rewrote every weight page."""

import numpy as np

from tensix import Mesh
from tensix.lang.compiler import compile_source
from tensix.lang.driver import device_feed, make_inputs
from tensix.lang.params import materialize

SOURCE = """\
input a: bf16[64, 64]
param w: bf16[64, 64] = random(seed=1, std=0.1)
output y = softmax(a @ w) + a
"""


def test_the_next_run_gets_the_last_runs_memories_back_and_the_same_results():
    compiled = compile_source(SOURCE, "recycle.tdf", "wormhole_n150")
    feed = device_feed(compiled, make_inputs(compiled.graph, 0), materialize(compiled.graph))
    assert any(k.role == "compute" for k in compiled.program.kernels)
    mesh = Mesh(compiled.device)
    first = mesh.run(compiled.program, feed)
    held = {id(m) for m in mesh._memory.held()}  # ids only: holding the memories would keep them from recycling
    again = mesh.run(compiled.program, feed)
    assert {id(m) for m in mesh._memory.held()} == held  # this run ran on the last run's memories
    assert again.cycles == first.cycles
    np.testing.assert_array_equal(again.outputs["y"], first.outputs["y"])
    fresh = Mesh(compiled.device).run(compiled.program, feed)
    np.testing.assert_array_equal(again.outputs["y"], fresh.outputs["y"])
