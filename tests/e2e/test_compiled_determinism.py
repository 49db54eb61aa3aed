"""A compiled program is deterministic: same inputs and seed, same outputs and trace; timing never changes results."""

import json
from pathlib import Path

import numpy as np

from tensix import Mesh, TimingModel
from tensix.lang.compiler import compile_file
from tensix.lang.driver import make_inputs, run_compiled

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "07_pipeline.tdf"


def test_compiled_pipeline_runs_identically_twice():
    compiled = compile_file(EXAMPLE, zero_skip=True)
    inputs = make_inputs(compiled.graph, seed=3)
    runs = [run_compiled(compiled, inputs, mesh=Mesh(compiled.device, zero_skip=True))[0] for _ in range(2)]
    for name in runs[0].outputs:
        np.testing.assert_array_equal(runs[0].outputs[name], runs[1].outputs[name])
    assert json.dumps(runs[0].trace.to_dict()) == json.dumps(runs[1].trace.to_dict())
    assert runs[0].stats == runs[1].stats


def test_timing_model_changes_cycles_not_outputs():
    compiled = compile_file(EXAMPLE)
    inputs = make_inputs(compiled.graph, seed=3)
    fast = run_compiled(compiled, inputs, mesh=Mesh(compiled.device))[0]
    slow = run_compiled(compiled, inputs, mesh=Mesh(compiled.device, timing=TimingModel().scaled(3.0)))[0]
    for name in fast.outputs:
        np.testing.assert_array_equal(fast.outputs[name], slow.outputs[name])
    assert slow.cycles > fast.cycles
