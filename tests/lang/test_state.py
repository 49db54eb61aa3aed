"""`state` / `update`: device memory kept between runs of programs on one Mesh, zero on a fresh one."""

import numpy as np
import pytest

from tensix.errors import TensixError
from tensix.lang.compiler import compile_source
from tensix.lang.driver import device_feed, run_compiled
from tensix.lang.params import materialize
from tensix.lang.reference import evaluate
from tensix.mesh import Mesh

S, W, LEN = 64, 32, 32
APPEND = f"""
input row: fp32[1, {W}]
input at: fp32[{S}, 1]   # one-hot: the position the row goes to
state cache: fp32[{S}, {W}]
update cache = cache + at @ row
output head = cache[0:{LEN}, :] * 2.0
output seen = cache
"""


def _append(compiled, mesh, row, pos):
    at = np.zeros((S, 1), np.float32)
    at[pos, 0] = 1.0
    feed = {"row": row, "at": at}
    return mesh.run(compiled.program, device_feed(compiled, feed, materialize(compiled.graph)))


def test_appending_rows_over_runs_equals_numpy():
    compiled = compile_source(APPEND, "append.tdf")
    rng = np.random.default_rng(3)
    rows = rng.standard_normal((5, 1, W)).astype(np.float32)
    mesh = Mesh(compiled.device)
    expect = np.zeros((S, W), np.float32)
    for pos, row in enumerate(rows):
        result = _append(compiled, mesh, row, 7 * pos)
        np.testing.assert_allclose(result.outputs["seen"], expect, rtol=0, atol=1e-6)  # the value before this run
        np.testing.assert_allclose(result.outputs["head"], 2 * expect[:LEN], rtol=0, atol=1e-6)
        assert set(result.outputs) == {"head", "seen"}  # the update is not read back
        expect[7 * pos] += row[0]
    assert _append(compiled, mesh, rows[0] * 0, 0).outputs["seen"] == pytest.approx(expect, abs=1e-6)


def test_state_is_per_mesh_and_a_fresh_mesh_starts_zeroed():
    compiled = compile_source(APPEND, "append.tdf")
    row = np.ones((1, W), np.float32)
    first, second = Mesh(compiled.device), Mesh(compiled.device)
    _append(compiled, first, row, 3)
    assert np.count_nonzero(_append(compiled, second, row, 3).outputs["seen"]) == 0
    assert np.count_nonzero(_append(compiled, Mesh(compiled.device), row, 3).outputs["seen"]) == 0
    np.testing.assert_array_equal(_append(compiled, first, row, 3).outputs["seen"][3], row[0])  # one earlier append
    first.reset_state()
    assert np.count_nonzero(_append(compiled, first, row, 3).outputs["seen"]) == 0


def test_reference_takes_state_as_an_input():
    compiled = compile_source(APPEND, "append.tdf")
    cache = np.arange(S * W, dtype=np.float32).reshape(S, W)
    at = np.zeros((S, 1), np.float32)
    at[1, 0] = 1
    out = evaluate(compiled.graph, {"row": np.ones((1, W), np.float32), "at": at, "cache": cache}, {})
    np.testing.assert_array_equal(out["cache.next"], cache + at @ np.ones((1, W), np.float32))
    result, expected = run_compiled(compiled, {"row": np.ones((1, W), np.float32), "at": at,
                                               "cache": np.zeros((S, W), np.float32)})
    errors = {e.name: e for e in result.stats.reference}
    assert set(errors) == {"head", "seen"} and errors["seen"].max_abs_error == 0  # the update stays on the device


def test_update_errors():
    with pytest.raises(TensixError, match="not a state"):
        compile_source("input x: fp32[32, 32]\nupdate x = x\n", "bad.tdf")
    with pytest.raises(TensixError, match="update is"):
        compile_source("state c: fp32[32, 32]\nupdate c = c[0:32, 0:16]\noutput y = c\n", "bad.tdf")
    with pytest.raises(TensixError, match="updated twice"):
        compile_source("state c: fp32[32, 32]\nupdate c = c\nupdate c = c * 2.0\noutput y = c\n", "bad.tdf")


def test_schedule_declares_state_roles_and_round_trips_them():
    from tensix.presets import resolve
    from tensix.schedule.text import parse, render
    from tensix.schedule.verify import verify_schedule

    schedule = compile_source(APPEND, "append.tdf").schedule
    roles = {b.name: (b.role, b.source) for b in schedule.buffers}
    assert roles["cache"] == ("state", "") and roles["cache.next"] == ("state_next", "cache")
    again = parse(render(schedule))
    assert {b.name: (b.role, b.source) for b in again.buffers} == roles
    verify_schedule(again, resolve(again.device))  # a state is read without any step writing it first, as an input is


def test_two_programs_on_one_mesh_share_a_state_of_one_name():
    writer = compile_source(APPEND, "append.tdf")
    reader = compile_source(f"state cache: fp32[{S}, {W}]\ninput s: fp32[1, {S}]\noutput y = s @ cache\n",
                            "read.tdf")
    mesh = Mesh(writer.device)
    row = np.arange(W, dtype=np.float32)[None, :]
    _append(writer, mesh, row, 9)
    pick = np.zeros((1, S), np.float32)
    pick[0, 9] = 1
    out = mesh.run(reader.program, device_feed(reader, {"s": pick}, {}))
    np.testing.assert_array_equal(out.outputs["y"], row)
    assert np.count_nonzero(mesh.run(reader.program, device_feed(reader, {"s": pick}, {})).outputs["y"] - row) == 0
    other = compile_source(f"state cache: fp32[{S}, 64]\noutput y = cache * 1.0\n", "other.tdf")
    with pytest.raises(TensixError, match="state 'cache' is"):
        mesh.run(other.program, device_feed(other, {}, {}))


def test_a_timing_only_run_of_a_state_program_times_as_the_functional_run():
    compiled = compile_source(APPEND, "append.tdf")
    row = np.ones((1, W), np.float32)
    functional = _append(compiled, Mesh(compiled.device), row, 3)
    mesh = Mesh(compiled.device, timing_only=True)
    timed = mesh.run(compiled.program)
    assert timed.cycles == functional.cycles and timed.outputs == {"head": None, "seen": None}
