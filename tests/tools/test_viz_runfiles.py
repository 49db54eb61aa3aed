"""Loading run directories: the dataclasses hold the files' numbers; bad input names the file and field."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from tensix.errors import TensixError
from tensix.tools.runfiles import REWRITE_HINT, RUN_HINT, RunFileError, load_run
from tensix.trace import NO_OP, Op


def test_small_run_loads(small):
    stats, trace = small.stats, small.trace
    assert (stats.device.width, stats.device.height, stats.total_cycles) == (4, 4, 600)
    assert stats.device.kinds()[(0, 2)] == "harvested"
    assert stats.device.core_at()[(3, 3)] == (2, 3)
    assert stats.nocs == (0, 1)
    wrap = next(ln for ln in stats.links if ln.noc == 1 and ln.src == (0, 0) and ln.dir == "N")
    assert (wrap.dst, wrap.nbytes, wrap.busy_cycles, wrap.wraps) == ((0, 3), 8192, 257, True)
    assert len(trace.transfers) == 5 and trace.transfers[2].rect == (1, 1, 2, 2) and trace.transfers[2].dst is None
    assert trace.ops[trace.spans[0].op] == Op(0, "w1", "matmul", "examples/03_mlp.tdf:7:5")
    assert trace.spans[1].op == NO_OP  # outside any op
    assert [t.op for t in trace.transfers] == [0, 0, NO_OP, NO_OP, 1]
    assert trace.title == ""  # not from a file
    assert stats.zero_skip.ops[0].op == "down_proj"


def test_missing_directory(tmp_path):
    with pytest.raises(RunFileError, match=re.escape(f"run directory {tmp_path / 'nope'} not found; {RUN_HINT}")):
        load_run(tmp_path / "nope")


def test_missing_trace_file(small_dir, tmp_path):
    shutil.copy(small_dir / "stats.json", tmp_path / "stats.json")
    message = f"{tmp_path / 'trace.json'} not found: {tmp_path} is not a run directory; {RUN_HINT}"
    with pytest.raises(RunFileError, match=re.escape(message)):
        load_run(tmp_path)


def test_invalid_json(small_dir, tmp_path):
    shutil.copy(small_dir / "trace.json", tmp_path / "trace.json")
    (tmp_path / "stats.json").write_text('{"device": ')
    message = f"{tmp_path / 'stats.json'} is not valid JSON (line 1, column 12: Expecting value); {REWRITE_HINT}"
    with pytest.raises(RunFileError, match=re.escape(message)):
        load_run(tmp_path)


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda s: s["device"].pop("width"), "field 'device.width' is missing"),
    (lambda s: s["links"][2].update(dir="X"), "field 'links[2].dir' is 'X'; expected one of E, S, W, N"),
    (lambda s: s["cores"][1].update(busy_fraction="high"), "field 'cores[1].busy_fraction' should be a number, "
                                                            "not 'high'"),
    (lambda s: s["cores"][0].update(noc=[1]), "field 'cores[0].noc' should hold 2 integers, not [1]"),
    (lambda s: s.update(version=3), "field 'version' is 3; this tensix reads stats version 4"),
    (lambda s: s.pop("version"), "the top level has no 'version': written by an older tensix (this one reads stats "
                                 "version 4)"),
    (lambda s: s["cores"][0].update(fidelities=["HiFi5"]), "field 'cores[0].fidelities[0]' is 'HiFi5'; expected one "
                                                           "of LoFi, HiFi2, HiFi3, HiFi4"),
    (lambda s: s["zero_skip"]["ops"][1].pop("cycles_overhead"), "field 'zero_skip.ops[1].cycles_overhead' is missing"),
])
def test_bad_field_names_file_and_field(small_dir, tmp_path, edit, problem):
    shutil.copy(small_dir / "trace.json", tmp_path / "trace.json")
    stats = json.loads((small_dir / "stats.json").read_text())
    edit(stats)
    (tmp_path / "stats.json").write_text(json.dumps(stats))
    with pytest.raises(RunFileError) as info:
        load_run(tmp_path)
    assert str(info.value) == f"{tmp_path / 'stats.json'}: {problem}; {REWRITE_HINT}"
    assert isinstance(info.value, TensixError)


def test_program_json_is_read_when_present(small, wormhole):
    p = small.program
    assert (p.name, len(p.cores), len(p.kernels), p.roles()) == ("mlp_test", 12, 36, ("reader", "compute", "writer"))
    assert [b.text() for b in p.buffers] == ["x bf16[64,128]", "w1 bf16[128,256]", "y bf16[64,256]"]
    assert p.cb("out").cb_id == 16 and p.cb("out").cores == 12
    assert wormhole.program is None


def test_zero_skip_extras_are_read(small):
    first = small.stats.zero_skip.ops[0]
    assert (first.cycles_avoided, first.cycles_overhead, first.cycles_skipped) == (150, 30, 120)
    assert small.stats.zero_skip.threshold == 0.0 and small.stats.zero_skip.dense is None


def test_bad_program_json_names_file_and_field(small_dir, tmp_path):
    for name in ("stats.json", "trace.json"):
        shutil.copy(small_dir / name, tmp_path / name)
    program = json.loads((small_dir / "program.json").read_text())
    program["buffers"][1]["shape"] = "big"
    (tmp_path / "program.json").write_text(json.dumps(program))
    with pytest.raises(RunFileError) as info:
        load_run(tmp_path)
    assert str(info.value) == (f"{tmp_path / 'program.json'}: field 'buffers[1].shape' should be a list, not 'big'; "
                               f"{REWRITE_HINT}")


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda t: t.update(version=1), "field 'version' is 1; this tensix reads trace version 2"),
    (lambda t: t.pop("version"), "the top level has no 'version': written by an older tensix (this one reads trace "
                                 "version 2)"),
    (lambda t: t["spans"][0].update(op=2), "field 'spans[0].op' is 2, outside the op table (0..1)"),
    (lambda t: t["transfers"][4].update(op=-1), "field 'transfers[4].op' is -1, outside the op table (0..1)"),
    (lambda t: t["ops"][1].pop("src"), "field 'ops[1].src' is missing"),
])
def test_bad_trace_field_names_file_and_field(small_dir, tmp_path, edit, problem):
    shutil.copy(small_dir / "stats.json", tmp_path / "stats.json")
    trace = json.loads((small_dir / "trace.json").read_text())
    edit(trace)
    (tmp_path / "trace.json").write_text(json.dumps(trace))
    with pytest.raises(RunFileError) as info:
        load_run(tmp_path)
    assert str(info.value) == f"{tmp_path / 'trace.json'}: {problem}; {REWRITE_HINT}"
