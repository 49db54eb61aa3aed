"""`@l1` tensors end to end: the same outputs as DRAM placement, no DRAM traffic for what lives in L1, the
compiler keeping local intermediates in L1, positioned errors, and schedules holding shards round-tripping."""

import re

import numpy as np
import pytest

from tensix.lang import materialize
from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs, run_compiled
from tensix.lang.errors import PlacementError
from tensix.mesh import Mesh
from tensix.presets import resolve
from tensix.schedule.text import parse, render
from tensix.schedule.verify import verify_schedule

ELTWISE = """
input a: fp32[64, 256] @l1 @shard(height) @cores(0..1, 0)
input b: fp32[64, 256] @l1 @shard(width) @cores(0..7, 0)
output y = a * b + a @l1
"""
MATMUL = """
input a: bf16[128, 256] @l1 @shard(block) @cores(0..1, 0..1)
param w: bf16[256, 128] = random(seed=1, std=0.1)
output c = a @ w @cores(0..1, 0..1) @l1
"""
CHAIN = """
input x: bf16[64, 128]
param w1: bf16[128, 128] = random(seed=1, std=0.1) @l1 @shard(block) @cores(0..3, 0..3)
param w2: bf16[128, 64] = random(seed=2, std=0.1)
let h = relu(x @ w1) @l1
let g = h * 2 - x @l1
output y = g @ w2
"""
LOCAL = """
input x: fp32[64, 256]
input y: fp32[64, 256]
let h = x * y
output z = h * h + x
"""
TENSOR_NBYTES = 64 * 256 * 4  # one fp32[64, 256]


def _run(src: str):
    compiled = compile_source(src, "l1.tdf")
    inputs, params = make_inputs(compiled.graph, 0), materialize(compiled.graph)
    result, _ = run_compiled(compiled, inputs, params, check=False)
    return compiled, inputs, params, result


def _dram(result) -> tuple[int, int]:
    return sum(b.bytes_read for b in result.stats.dram), sum(b.bytes_written for b in result.stats.dram)


@pytest.mark.parametrize("src", [ELTWISE, MATMUL, CHAIN], ids=["eltwise", "matmul", "chain"])
def test_l1_placement_computes_what_dram_placement_computes(src):
    *_, in_l1 = _run(src)
    *_, in_dram = _run(src.replace("@l1", ""))
    assert in_l1.outputs.keys() == in_dram.outputs.keys()
    for name, value in in_dram.outputs.items():
        np.testing.assert_array_equal(in_l1.outputs[name], value)  # the same bytes, wherever they lived
    assert _dram(in_l1)[0] < _dram(in_dram)[0]


def test_eltwise_with_l1_inputs_and_output_matches_numpy_and_touches_no_dram():
    _, inputs, _, result = _run(ELTWISE)
    a, b = inputs["a"], inputs["b"]
    np.testing.assert_array_equal(result.outputs["y"], (a * b + a).astype(np.float32))  # fp32: numpy's rounding
    assert _dram(result) == (0, 0)


def test_an_l1_output_is_written_to_no_dram_and_an_l1_input_read_from_none():
    _, _, params, result = _run(MATMUL)
    # only w comes from DRAM (each 2x2 grid column reads its band of w's tiles at least once), nothing goes to it
    read, written = _dram(result)
    assert written == 0 and read >= params["w"].size * 2 and read % 2048 == 0


def test_an_intermediate_whose_readers_are_its_writers_stays_in_l1():
    compiled, _, _, result = _run(LOCAL)
    ir = compiled.lowered.render()
    assert re.search(r"%0 = binary %x, %y \{.*fn=mul, mem=l1,", ir)
    # x read twice (by x * y and the fused h * h + x: h, read twice, is not fused into it), y once, z written once:
    # h never reaches DRAM
    assert _dram(result) == (3 * TENSOR_NBYTES, TENSOR_NBYTES)
    assert 'dram name="t0" shape=[64, 256] dtype="fp32" memory="l1"' in render(compiled.schedule)


def test_an_intermediate_too_big_for_l1_falls_back_to_dram_and_says_so():
    src = """
input x: fp32[1024, 1024]
let h = x * x @cores(0, 0)
output z = h * h + x @cores(0, 0)
"""
    compiled = compile_source(src, "big.tdf")  # h alone is 4 MiB: more than a core's L1
    assert "fn=mul, mem=dram(L1 full)," in compiled.lowered.render()
    assert next(b for b in compiled.schedule.buffers if b.name == "t0").memory == "dram"


@pytest.mark.parametrize("src, where, message", [
    ("input x: bf16[64, 64] @l1 @shard(height)\noutput y = relu(x)\n", "1:23",
     "@shard(height) of 'x' bf16[64, 64] over 8x8 cores splits its 2 tile rows into 64 equal shards, but 64 does not "
     "divide 2; choose @cores(...) whose count divides it, another @shard, or pad that dimension to a multiple of "
     "2048"),
    ("param w: fp32[2048, 1024] = zeros @cores(0, 0) @l1\ninput x: fp32[32, 2048]\noutput y = x @ w\n", "1:48",
     # free: 1499136 B less 96 B of semaphores and the decode plan's CBs (A 2 x 64, B 64: all 8 k steps, out 1 fp32
     # tiles of 4096 B)
     "'w' needs 8388608 B of L1 on core (0, 0) for its shard, but only 708512 B of the core's 1499136 B are free "
     "after its CBs and the L1 tensors before it; spread it over more cores (@cores, @shard(block)) or leave it in "
     "DRAM (drop @l1)"),
])
def test_bad_l1_placements_are_positioned_errors(src, where, message):
    with pytest.raises(PlacementError) as e:
        compile_source(src, "bad.tdf")
    assert f"{e.value.pos.line}:{e.value.pos.col}" == where
    assert e.value.message == message
    assert "^~~" in e.value.format()  # the caret under @l1 or @shard


def test_a_schedule_with_l1_shards_round_trips_and_verifies():
    compiled = compile_source(CHAIN, "chain.tdf")
    text = render(compiled.schedule)
    assert "  shard tensor=\"w1\" pages=[" in text and 'memory="l1"' in text
    again = parse(text, "chain.sched")
    assert again == compiled.schedule
    assert render(again) == text
    verify_schedule(again, resolve("wormhole_n150"), text)


def test_a_timing_only_run_of_l1_tensors_times_as_the_functional_run():
    compiled, _, _, functional = _run(CHAIN)
    timed = Mesh(compiled.device, timing_only=True).run(compiled.program)
    assert timed.cycles == functional.cycles
    assert _dram(timed) == _dram(functional)


def test_a_decode_activation_read_by_other_cores_stays_in_l1_and_gives_numpys_values():
    # one token row: h is written by the norm's cores and read by the matmuls' activation senders elsewhere
    src = """
input x: bf16[1, 256]
param g: bf16[256] = random(seed=1, std=0.5, mean=1.0)
param w: bf16[256, 256] = random(seed=2, std=0.1)
let h = rmsnorm(x, g, eps=1e-5) @cores(0..1, 0)
output y = h @ w @cores(0..3, 1..2)
"""
    compiled, inputs, params, result = _run(src)
    assert re.search(r"= row %x, %g \{.*mem=l1,", compiled.lowered.render())
    x = inputs["x"].astype(np.float64)
    h = x / np.sqrt((x * x).mean() + 1e-5) * params["g"].astype(np.float64)
    np.testing.assert_allclose(result.outputs["y"], h @ params["w"].astype(np.float64), rtol=0, atol=0.05)
    read, written = _dram(result)
    assert written == 256 // 32 * 2048  # only y reaches DRAM (8 bf16 tiles)
