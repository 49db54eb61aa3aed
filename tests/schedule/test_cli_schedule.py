"""The schedule commands: compile --emit schedule, check and run of .sched files, and check of .tdf compiling."""

import json
from pathlib import Path

import numpy as np

from tensix.cli import main

CASES = Path(__file__).parent / "cases"
OUTSIDE = "input x: fp32[64, 64]\noutput y = relu(x) @cores(0..9, 0)\n"


def test_check_of_a_tdf_compiles_it_so_cores_outside_the_grid_fail(tmp_path, capsys):
    path = tmp_path / "out.tdf"
    path.write_text(OUTSIDE)
    assert main(["check", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.splitlines()[0] == (
        f"{path}:2:20: error: @cores(0..9,0..0) lies outside the 8x8 core grid (x must be in 0..7, y in 0..7)")


def test_compile_writes_a_schedule_that_checks_and_runs_as_its_source(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(CASES)
    sched = tmp_path / "two.sched"
    assert main(["compile", "two.tdf", "--emit", "schedule", "-o", str(sched)]) == 0
    assert capsys.readouterr().out == f"wrote {sched}\n"
    assert sched.read_text() == (CASES / "two.sched").read_text()  # the checked-in copy is current
    assert main(["check", str(sched)]) == 0
    assert capsys.readouterr().out == f"{sched}: ok (4 cores, 4 steps)\n"
    for name, path in (("tdf", "two.tdf"), ("sched", str(sched))):
        assert main(["run", path, "--no-viz", "--out", str(tmp_path / name)]) == 0
    capsys.readouterr()
    for part in ("trace.json", "stats.json"):
        assert (tmp_path / "tdf" / part).read_text() == (tmp_path / "sched" / part).read_text()
    a, b = np.load(tmp_path / "tdf" / "outputs.npz"), np.load(tmp_path / "sched" / "outputs.npz")
    assert a.files == b.files and all(np.array_equal(a[k], b[k]) for k in a.files)
    assert json.loads((tmp_path / "sched" / "stats.json").read_text())["reference"]["y"]["max_abs_error"] == 0.0


def test_a_bad_schedule_fails_check_and_run_with_its_position(tmp_path, capsys):
    bad = tmp_path / "bad.sched"
    bad.write_text((CASES / "two.sched").read_text().replace("semaphores=1", "semaphores=1 colour=2"))
    for command in (["check", str(bad)], ["run", str(bad), "--no-viz"]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert err.splitlines()[0] == (f"{bad}:1:1: error: Schedule has no field 'colour'; its fields: name, device, "
                                       f"source, semaphores, buffers, cores")
