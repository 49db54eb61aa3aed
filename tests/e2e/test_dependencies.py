"""Compiled ops wait only for the producer cores whose pages they read; the emulator catches any read that
races its writer, so a program without those waits fails loudly instead of computing on stale data."""

from dataclasses import replace

import numpy as np
import pytest
from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs, run_compiled

from tensix import DramError
from tensix.schedule.plain import plain_steps

CHAIN = """\
input x: fp32[128, 256]
let h = relu(x) @cores(0..3, 0..3)
output y = h + x @cores(0..3, 0..3)
"""


def test_an_elementwise_chain_hands_over_core_to_core_and_matches_numpy():
    compiled = compile_source(CHAIN, "chain.tdf")
    result, expected = run_compiled(compiled, make_inputs(compiled.graph, 0))
    np.testing.assert_array_equal(result.outputs["y"], expected["y"])
    # both ops split the 32 tiles alike over the same 16 cores: each core signals itself only
    for step in plain_steps(compiled.lowered.nodes[0]).values():
        (signal,) = step["signal"]
        cores = signal["cores"]
        assert len(cores) == 1
    sems = [t for t in result.trace.transfers if t.kind == "sem"]
    assert len(sems) == 16 and all(t.rect is None for t in sems)  # one unicast per core, no multicast


def test_a_compiled_program_stripped_of_its_waits_is_caught_reading_too_early():
    compiled = compile_source(CHAIN.replace("@cores(0..3, 0..3)\noutput", "@cores(0..3, 0..1)\noutput"), "c.tdf")
    for k in compiled.program.kernels:
        if k.role == "reader":
            k.args["steps"] = [replace(s, wait=()) for s in k.args["steps"]]
    with pytest.raises(DramError, match=r"reads page \d+ of DRAM buffer 't0' at cycle \d+, before"):
        run_compiled(compiled, make_inputs(compiled.graph, 0))
