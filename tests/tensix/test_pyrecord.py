"""A run made by a Python program (the native API's RunResult.save, a tensix.metal device with a run directory) is a
record `tensix rerun DIR` repeats from DIR alone: the recorded copy of the program runs in a subprocess and every
difference from the record is named."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tensix import Mesh, Program
from tensix.errors import TensixError
from tensix.jsondoc import RunFileError
from tensix.lang.rerun import rerun
from tensix.rundir import array_hash

LOOPBACK = Path(__file__).resolve().parents[2] / "examples" / "metal" / "loopback"

KERNELS = '''
def reader(ctx, *, n):
    for page in range(n):
        ctx.cb_reserve_back(0, 1)
        ctx.noc_async_read_page("A", page, ctx.get_write_ptr(0))
        ctx.noc_async_read_barrier()
        ctx.cb_push_back(0, 1)


def writer(ctx, *, n):
    for page in range(n):
        ctx.cb_wait_front(0, 1)
        ctx.noc_async_write_page("B", page, ctx.get_read_ptr(0))
        ctx.noc_async_write_barrier()
        ctx.cb_pop_front(0, 1)
'''

SCRIPT = '''import sys

import numpy as np
from copykern import reader, writer

from tensix import Mesh, Program

n = int(sys.argv[1])
p = Program(name="copy")
p.dram_buffer("A", (32, 32 * n), "fp32", "input")
p.dram_buffer("B", (32, 32 * n), "fp32", "output")
p.circular_buffer((0, 0), 0, "fp32", 2, "in")
for role, fn in (("reader", reader), ("writer", writer)):
    p.kernel((0, 0), role, fn, {"n": n})
mesh = Mesh("wormhole_n150")
a = np.random.default_rng(0).standard_normal((32, 32 * n), dtype=np.float32)
mesh.run(p, {"A": a}).save(sys.argv[2] + "/first")
mesh.run(p, {"A": 2 * a}).save(sys.argv[2] + "/second")
'''


def _python(args, cwd, env=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENSIX_")} | {"TENSIX_COMPILED": "0"} | (env or {})
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done


def test_a_native_program_reruns_from_its_recorded_copy_alone(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "lib" / "copykern.py").write_text(KERNELS)
    (tmp_path / "app" / "copytiles.py").write_text(SCRIPT)
    _python(["app/copytiles.py", "2", str(tmp_path / "runs")], tmp_path, {"PYTHONPATH": str(tmp_path / "lib")})
    out = tmp_path / "runs" / "second"
    run = json.loads((out / "run.json").read_text())
    assert run["kind"] == "python" and run["save"] == 2 and run["python"]["argv"] == ["2", str(tmp_path / "runs")]
    assert sorted(run["source"]["files"]) == ["app/copytiles.py", "lib/copykern.py"]
    assert run["python"]["paths"] == ["lib"]
    a = 2 * np.random.default_rng(0).standard_normal((32, 64), dtype=np.float32)
    [only] = run["runs"]
    assert only["inputs"] == {"1:A": array_hash(a)} and only["outputs"] == {"2:B": array_hash(a)}  # a copy: B = A
    with np.load(out / "inputs.npz") as f:
        np.testing.assert_array_equal(f["r1.1:A"], a)
    shutil.rmtree(tmp_path / "lib")  # the originals are gone: the record must suffice
    shutil.rmtree(tmp_path / "app")
    recorded = (out / "run.json").read_text()
    again = rerun(out)
    assert again.differences == ()
    assert again.render() == (f"identical: 1 run(s), 1 output(s) bit for bit, {only['cycles']:,} cycles, "
                              f"the same trace(s)")
    assert (out / "run.json").read_text() == recorded  # the rerun saved into its scratch directory, not here
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["first", "second"]


@pytest.fixture(scope="module")
def loopback(tmp_path_factory) -> Path:
    """`TENSIX_RUN_DIR=DIR python examples/metal/loopback/loopback.py`, run once."""
    out = tmp_path_factory.mktemp("loopback") / "run"
    _python([str(LOOPBACK / "loopback.py")], out.parent, {"TENSIX_RUN_DIR": str(out)})
    return out


def test_a_metal_example_run_with_a_run_directory_reruns_identically(loopback):
    run = json.loads((loopback / "run.json").read_text())
    assert sorted(run["source"]["files"]) == ["kernels/loopback_dram_copy.py", "loopback.py"]
    [only] = run["runs"]
    assert list(only["inputs"]) == ["1:dram@0x0"] and list(only["outputs"]) == ["2:dram@0x2800"]
    assert only["inputs"]["1:dram@0x0"] == only["outputs"]["2:dram@0x2800"]  # a loopback: read back what was written
    assert json.loads((loopback / "stats.json").read_text())["total_cycles"] == only["cycles"]
    assert rerun(loopback).differences == ()


def test_editing_the_recorded_kernel_changes_the_result_and_rerun_says_what(loopback, tmp_path):
    edited = shutil.copytree(loopback, tmp_path / "run")
    kernel = edited / "source" / "kernels" / "loopback_dram_copy.py"
    kernel.write_text(kernel.read_text().replace("for i in range(num_tiles):", "for i in range(num_tiles - 1):"))
    again = rerun(edited)
    recorded = json.loads((edited / "run.json").read_text())["runs"][0]["cycles"]
    [now] = again.runs
    assert now["cycles"] < recorded  # one tile fewer copied
    assert again.differences == (
        "source 'kernels/loopback_dram_copy.py': edited since the run was recorded (content hash)",
        "run 1 output '2:dram@0x2800': not bit-identical",
        f"run 1 cycles: {now['cycles']:,} now, {recorded:,} recorded",
        "run 1 trace: its spans or transfers differ (content hash)")


def test_a_missing_recorded_file_is_a_typed_error(loopback, tmp_path):
    broken = shutil.copytree(loopback, tmp_path / "run")
    (broken / "source" / "kernels" / "loopback_dram_copy.py").unlink()
    with pytest.raises(RunFileError, match=r"'.*/run/source/kernels/loopback_dram_copy.py' is missing: the run record "
                                           r"names it as part of the program \(sha256 [0-9a-f]{12}\.\.\.\), and the "
                                           r"program cannot run again without it; restore it or save the run again"):
        rerun(broken)


def _relu_result():
    def reader(ctx):
        ctx.cb_reserve_back(0, 1)
        ctx.noc_async_read_page("A", 0, ctx.get_write_ptr(0))
        ctx.noc_async_read_barrier()
        ctx.cb_push_back(0, 1)

    def writer(ctx):
        ctx.cb_wait_front(0, 1)
        ctx.noc_async_write_page("B", 0, ctx.get_read_ptr(0))
        ctx.noc_async_write_barrier()
        ctx.cb_pop_front(0, 1)

    p = Program(name="one")
    p.dram_buffer("A", (32, 32), "fp32", "input")
    p.dram_buffer("B", (32, 32), "fp32", "output")
    p.circular_buffer((0, 0), 0, "fp32", 1, "in")
    p.kernel((0, 0), "reader", reader, {})
    p.kernel((0, 0), "writer", writer, {})
    return Mesh("wormhole_n150").run(p, {"A": np.ones((32, 32), np.float32)})


def test_saving_over_an_older_run_replaces_all_of_it_and_other_directories_are_refused(tmp_path):
    out = tmp_path / "run"
    (out / "viz").mkdir(parents=True)
    (out / "stats.json").write_text("{}")
    (out / "program.json").write_text('{"name": "another program"}')
    result = _relu_result()
    assert result.save(out) == out
    assert not (out / "viz").exists() and not (out / "program.json").exists()  # kernels are functions: no JSON
    assert json.loads((out / "run.json").read_text())["runs"][0]["title"] == "one"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no half-written directory left beside it
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep")
    with pytest.raises(TensixError, match="holds files that are not a tensix run"):
        result.save(other)
    assert (other / "notes.txt").read_text() == "keep"


def test_a_run_saved_from_an_interactive_session_cannot_be_rerun(tmp_path):
    code = SCRIPT.replace("from copykern import reader, writer", KERNELS).replace("sys.argv[1]", "'1'")
    _python(["-c", code.replace("sys.argv[2]", repr(str(tmp_path)))], tmp_path)
    run = json.loads((tmp_path / "first" / "run.json").read_text())
    assert run["source"] is None
    with pytest.raises(RunFileError, match="records a run saved from an interactive session"):
        rerun(tmp_path / "first")
