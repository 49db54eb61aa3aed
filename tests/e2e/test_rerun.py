"""A run directory is a complete record: `tensix rerun DIR` makes the run again bit-identically from it alone,
or names what differs; saving replaces an older run whole and never leaves a half-written one."""

import errno
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tensix.cli import main
from tensix.errors import TensixError
from tensix.files import write_atomically
from tensix.lang import rundir
from tensix.lang.driver import run_file
from tensix.lang.rerun import rerun

LIB = "const D = 32\nblock scaled(x: fp32[32, D]) -> fp32[32, D] {\n    return relu(x) * 2.0\n}\n"
MAIN = ('import "lib/ops.tdf"\ninput x: fp32[32, D]\nparam w: fp32[32, D] = load("w.npz", "w")\n'
        "param b: fp32[D] = random(seed=3, std=0.5)\noutput y = scaled(x) + w @ x + b\n")


@pytest.fixture
def program(tmp_path) -> Path:
    src = tmp_path / "src"
    (src / "lib").mkdir(parents=True)
    (src / "lib" / "ops.tdf").write_text(LIB)
    (src / "prog.tdf").write_text(MAIN)
    np.savez(src / "w.npz", w=np.random.default_rng(1).normal(size=(32, 32)))
    return src / "prog.tdf"


def test_a_run_directory_reruns_bit_identically_from_itself_alone(program, tmp_path):
    result, out = run_file(str(program), out=str(tmp_path / "run"), seed=7)
    record = json.loads((out / "run.json").read_text())
    assert sorted(record["source"]["files"]) == ["lib/ops.tdf", "prog.tdf"]
    assert record["flags"]["seed"] == 7 and record["params_saved"] and record["cycles"] == result.cycles
    shutil.rmtree(program.parent)  # the original source and weights are gone: the directory must suffice
    again = rerun(out)
    assert again.differences == ()
    np.testing.assert_array_equal(again.result.outputs["y"], result.outputs["y"])
    assert again.result.cycles == result.cycles


def test_rerun_names_what_differs(program, tmp_path, capsys):
    _, out = run_file(str(program), out=str(tmp_path / "run"))
    with np.load(out / "params.npz") as f:
        params = {k: f[k] for k in f.files}
    params["w"] = params["w"] + 1
    np.savez(out / "params.npz", **params)
    assert main(["rerun", str(out)]) == 1
    assert capsys.readouterr().out == (
        "differs from the recorded run:\n"
        "  param 'w': its values differ from the recorded run's (content hash)\n"
        "  output 'y': not bit-identical\n")


def test_without_saved_params_rerun_reads_the_weight_files_and_checks_their_hashes(program, tmp_path):
    _, out = run_file(str(program), out=str(tmp_path / "run"), save_params=False)
    assert not (out / "params.npz").exists()
    assert rerun(out).differences == ()
    np.savez(program.parent / "w.npz", w=np.full((32, 32), 0.5))
    assert rerun(out).differences == (
        "param 'w': its values differ from the recorded run's (content hash)", "output 'y': not bit-identical")


def test_saving_over_an_older_run_replaces_all_of_it(program, tmp_path):
    out = tmp_path / "run"
    (out / "viz").mkdir(parents=True)
    (out / "stats.json").write_text("{}")
    (out / "program.json").write_text('{"name": "another program"}')
    (out / "viz" / "old.svg").write_text("<svg/>")
    run_file(str(program), out=str(out))
    assert not (out / "viz").exists()
    assert json.loads((out / "program.json").read_text())["name"] != "another program"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_directory_that_is_not_a_run_is_refused_before_the_run(program, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(TensixError, match="holds files that are not a tensix run"):
        run_file(str(program), out=str(out))
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_an_unwritable_out_is_reported_before_the_run(program, tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert main(["run", str(program), "--out", str(tmp_path / "file" / "run"), "--no-viz"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"error: cannot save the run in '{tmp_path}/file/run': '{tmp_path}/file' is not a directory "
                   f"this user can write; choose another --out\n")


def test_a_full_disk_leaves_the_older_run_untouched_and_no_partial_directory(program, tmp_path, monkeypatch):
    _, out = run_file(str(program), out=str(tmp_path / "run"))
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(rundir.np, "savez", full)
    with pytest.raises(TensixError) as e:
        run_file(str(program), out=str(out), seed=1)
    assert str(e.value) == f"could not save the run in '{out}': No space left on device; nothing there changed"
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "src"]


def test_a_file_written_atomically_is_whole_or_absent(tmp_path):
    path = tmp_path / "stats.json"
    path.write_text("old")

    def half(f):
        f.write(b"new, but")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        write_atomically(path, half)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["stats.json"]


@pytest.mark.parametrize("flags, message", [
    ({"seed": -1}, "seed must not be negative, got -1"),
    ({"zero_threshold": float("nan")}, "zero_threshold must be a finite number >= 0, got nan"),
    ({"zero_threshold": -0.1}, "zero_threshold must be a finite number >= 0, got -0.1"),
    ({"max_cycles": 0}, "max_cycles must be at least 1, got 0"),
])
def test_run_file_refuses_bad_flags_before_compiling(program, tmp_path, flags, message):
    with pytest.raises(TensixError) as e:
        run_file(str(program), out=str(tmp_path / "run"), **flags)
    assert str(e.value) == message


def test_a_schedule_run_reruns_from_its_directory_not_from_a_same_named_file_here(program, tmp_path, monkeypatch):
    from tensix.lang.schedfile import compile_schedule

    monkeypatch.chdir(program.parent)  # `source="prog.tdf"` resolves here first when run
    Path("prog.sched").write_text(compile_schedule("prog.tdf"))
    result, out = run_file("prog.sched", out=str(tmp_path / "run"), seed=7, compare_dense=True)
    assert sorted(json.loads((out / "run.json").read_text())["source"]["files"]) == [
        "lib/ops.tdf", "prog.sched", "prog.tdf"]
    (program.parent / "prog.tdf").write_text(MAIN.replace("+ b", "- b"))  # a different program of the same name
    again = rerun(out)
    assert again.differences == ()
    np.testing.assert_array_equal(again.result.outputs["y"], result.outputs["y"])


def test_a_schedule_run_from_an_absolute_path_reruns_with_the_same_trace(program, tmp_path):
    """The schedule names its source by absolute path, so its steps' positions do: the rerun, over the copies in
    DIR/source, must hash them as the run did, with the originals moved away."""
    from tensix.lang.schedfile import compile_schedule

    sched = program.parent / "prog.sched"
    sched.write_text(compile_schedule(str(program.resolve())))
    assert f'source="{program.resolve()}"' in sched.read_text()
    result, out = run_file(str(sched.resolve()), out=str(tmp_path / "run"), seed=7)
    assert any(str(program.resolve()) in op.src for op in result.trace.ops)
    shutil.rmtree(program.parent)
    again = rerun(out)
    assert again.differences == ()
    assert again.result.cycles == result.cycles


MATMUL = "input x: bf16[32, 32]\nparam w: bfp8_b[32, 32] = random(seed=1)\noutput y = x @ w\n"


def test_rerun_repeats_the_math_fidelity_the_run_chose(tmp_path):
    path = tmp_path / "mm.tdf"
    path.write_text(MATMUL)
    lofi, out = run_file(str(path), out=str(tmp_path / "lofi"), fidelity="lofi")
    hifi4, _ = run_file(str(path), out=str(tmp_path / "hifi4"))
    assert hifi4.cycles - lofi.cycles == 64 - 53  # a lone product, bf16 A + bfp8_b B tile unpacked: 4 + ceil(3136 / 64)
    assert json.loads((out / "run.json").read_text())["flags"]["fidelity"] == "lofi"
    again = rerun(out)
    assert again.differences == () and again.result.cycles == lofi.cycles


def test_a_timing_only_run_has_no_outputs_and_reruns_to_the_same_cycles_and_trace(tmp_path, capsys):
    path = tmp_path / "mm.tdf"
    path.write_text(MATMUL)
    result, out = run_file(str(path), out=str(tmp_path / "run"), timing_only=True)
    functional, _ = run_file(str(path), out=str(tmp_path / "functional"), skip_zeros=False)
    assert result.cycles == functional.cycles and result.outputs == {"y": None}
    assert result.stats.timing_only and result.stats.reference is None  # nothing to check against numpy
    record = json.loads((out / "run.json").read_text())
    assert (record["flags"]["timing_only"], record["flags"]["skip_zeros"]) == (True, False)
    assert record["outputs"] == {} and record["inputs"] == {} and record["params"] == {}
    assert not (out / "outputs.npz").exists()
    assert main(["rerun", str(out)]) == 0
    assert capsys.readouterr().out == f"identical: timing only, no outputs, {result.cycles:,} cycles, the same trace\n"
    record["cycles"] += 1
    (out / "run.json").write_text(json.dumps(record))
    assert rerun(out).differences == (f"cycles: {result.cycles:,} now, {result.cycles + 1:,} recorded",)


def test_timing_only_refuses_what_measures_zero_skipping(tmp_path):
    path = tmp_path / "mm.tdf"
    path.write_text(MATMUL)
    with pytest.raises(TensixError, match="measure zero skipping, which needs data"):
        run_file(str(path), out=str(tmp_path / "run"), timing_only=True, compare_dense=True)


def test_the_record_hashes_the_trace_text_it_saved_with_sources_named_relative(program, tmp_path):
    result, out = run_file(str(program), out=str(tmp_path / "run"), seed=7)
    record = json.loads((out / "run.json").read_text())
    text = (out / "trace.json").read_text()
    assert record["version"] == 2 and text == json.dumps(result.trace.to_dict(), separators=(",", ":")) + "\n"
    src = program.parent.resolve()
    named = text[:-1].replace(f'"{src}/prog.tdf:', '"prog.tdf:').replace(f'"{src}/lib/ops.tdf:', '"lib/ops.tdf:')
    assert named != text[:-1]  # the positions named the sources by absolute path
    assert record["trace"] == hashlib.sha256(named.encode()).hexdigest()


def test_a_record_of_the_first_format_still_reruns_by_its_key_sorted_trace_hash(program, tmp_path):
    """run.json without a version hashed json.dumps(trace, sort_keys=True, compact) with relative source names."""
    result, out = run_file(str(program), out=str(tmp_path / "run"), seed=7)
    record = json.loads((out / "run.json").read_text())
    src = program.parent.resolve()
    canonical = json.dumps(result.trace.to_dict(), sort_keys=True, separators=(",", ":"))
    canonical = canonical.replace(f'"{src}/prog.tdf:', '"prog.tdf:').replace(f'"{src}/lib/ops.tdf:', '"lib/ops.tdf:')
    old = {k: v for k, v in record.items() if k != "version"} | {
        "trace": hashlib.sha256(canonical.encode()).hexdigest()}
    (out / "run.json").write_text(json.dumps(old))
    assert rerun(out).differences == ()
    (out / "run.json").write_text(json.dumps(old | {"version": 2}))  # the same hash read as the new format's
    assert rerun(out).differences == ("trace: its spans or transfers differ (content hash)",)


def test_files_written_straight_into_the_new_directory_are_those_written_one_by_one(program, tmp_path):
    """`tensix run` writes each file straight into the new run directory (it replaces the old one whole): the same
    bytes as RunResult.write_files' atomic writes, no temporaries left, and the record's hashes are those of the
    files' contents."""
    result, out = run_file(str(program), out=str(tmp_path / "run"))
    alone = result.write_files(tmp_path / "alone")
    names = ["outputs.npz", "program.json", "stats.json", "trace.json"]
    assert sorted(p.name for p in alone.iterdir()) == names
    assert all((out / n).read_bytes() == (alone / n).read_bytes() for n in names)
    assert not [p for p in out.rglob(".*")] and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    run = json.loads((out / "run.json").read_text())
    with np.load(out / "outputs.npz") as o, np.load(out / "params.npz") as p, np.load(out / "inputs.npz") as i:
        assert run["outputs"] == rundir.hashes({k: o[k] for k in o.files})
        assert run["params"] == rundir.hashes({k: p[k] for k in p.files})
        assert run["inputs"] == rundir.hashes({k: i[k] for k in i.files})
