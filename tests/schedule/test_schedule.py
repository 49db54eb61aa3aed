"""The schedule contract: every example compiles to a schedule that verifies, round-trips through text and JSON
unchanged and runs from its text exactly as the .tdf runs; each verifier rule rejects a bad file where it is."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from tensix.errors import TensixError
from tensix.lang.compiler import compile_file
from tensix.lang.driver import make_inputs, run_compiled
from tensix.lang.schedfile import check_schedule, compiled_schedule
from tensix.mesh import Mesh
from tensix.presets import resolve
from tensix.schedule.plain import schedule_from_plain, to_plain
from tensix.schedule.text import parse, render
from tensix.schedule.verify import verify_schedule
from tensix.zeroskip import ZeroSkip

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.tdf"))
CASES = Path(__file__).parent / "cases"
BAD = sorted((CASES / "bad").glob("*.sched"))


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_verifies_and_round_trips_through_text_and_json(path):
    schedule = compile_file(path, zero_skip=True).schedule
    verify_schedule(schedule, resolve(schedule.device))
    text = render(schedule)
    again = parse(text, "x.sched")
    assert again == schedule and render(again) == text
    assert schedule_from_plain(json.loads(json.dumps(to_plain(schedule)))) == schedule


def _digest(result) -> tuple:
    trace = hashlib.sha256(json.dumps(result.trace.to_dict(), sort_keys=True, default=str).encode()).hexdigest()
    return result.cycles, trace, {k: v.tobytes() for k, v in result.outputs.items()}


@pytest.mark.parametrize("name", ["01_eltwise", "02_matmul", "05_multihead_attention"])
def test_an_unedited_schedule_runs_as_its_source(tmp_path, name):
    source = ROOT / "examples" / f"{name}.tdf"
    compiled = compile_file(source, zero_skip=True)
    sched = tmp_path / f"{name}.sched"
    sched.write_text(render(compiled.schedule))
    feed = make_inputs(compiled.graph, 0)
    direct, _ = run_compiled(compiled, feed, mesh=Mesh(compiled.device, zero_skip=ZeroSkip()))
    from_text, _ = run_compiled(compiled_schedule(str(sched)), feed, mesh=Mesh(compiled.device, zero_skip=ZeroSkip()))
    assert _digest(from_text) == _digest(direct)


def test_a_schedule_edited_to_move_an_op_to_other_cores_gives_the_same_outputs(tmp_path, monkeypatch):
    monkeypatch.chdir(CASES)
    text = (CASES / "two.sched").read_text()
    moved = text.replace("core core=[1, 1] semaphores=[0]", "core core=[3, 2] semaphores=[0]")
    moved = moved.replace("signal=[{sem=0 cores=[[1, 1]]}]", "signal=[{sem=0 cores=[[3, 2]]}]")
    assert moved.count("[3, 2]") == 2
    (tmp_path / "moved.sched").write_text(moved)
    (tmp_path / "two.sched").write_text(text)
    runs = {}
    for name in ("two", "moved"):
        compiled = compiled_schedule(str(tmp_path / f"{name}.sched"))
        assert compiled.schedule.cores[-1].core == ((3, 2) if name == "moved" else (1, 1))
        runs[name], expected = run_compiled(compiled, make_inputs(compiled.graph, 0))
    np.testing.assert_array_equal(runs["moved"].outputs["y"], runs["two"].outputs["y"])
    np.testing.assert_array_equal(runs["two"].outputs["y"], expected["y"])  # 2 * relu(x), exact in fp32
    assert any(t.issuer == (3, 2) for t in runs["moved"].trace.transfers)


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_a_bad_schedule_is_rejected_at_its_line_and_column(path):
    first, _ = path.read_text().split("\n", 1)
    expected = first.removeprefix("# error: ")
    copy = path.with_name(path.stem + ".tmp.sched")
    try:
        copy.write_text("\n" + path.read_text().split("\n", 1)[1])  # same line numbers, no comment line
        with pytest.raises(TensixError) as info:
            check_schedule(str(copy))
    finally:
        copy.unlink()
    message = info.value.format().splitlines()[0]
    assert message == f"{copy}:{expected.split(': ', 1)[0]}: error: {expected.split(': ', 1)[1]}"


@pytest.mark.parametrize("name", ["01_eltwise", "05_multihead_attention", "06_gpt2_block"])
def test_the_schedules_l1_layout_is_where_the_device_puts_every_buffer(name):
    """alloc lays L1 out once; the device allocates it again as it loads: the two agree, region for region."""
    compiled = compile_file(ROOT / "examples" / f"{name}.tdf", zero_skip=True)
    result, _ = run_compiled(compiled, make_inputs(compiled.graph, 0))
    placed = {tuple(c.core): [(b.name, b.address, b.nbytes) for b in c.buffers] for c in result.stats.cores}
    for cs in compiled.schedule.cores:
        want = [("semaphores", 0, compiled.schedule.semaphores * 16)] if compiled.schedule.semaphores else []
        want += [(b.name, b.address, b.nbytes) for b in cs.buffers]
        want += [(cb.name, cb.address, cb.pages * cb.page_nbytes) for cb in cs.cbs]
        want += [(sh.tensor, sh.address, sh.nbytes) for sh in cs.shards]  # intermediates kept in L1 (01_eltwise)
        assert placed[cs.core] == want
