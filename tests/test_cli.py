"""The `tensix` command in-process: devices, check, compile, run and bench; user mistakes print and exit 1."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from tensix.cli import main
from tensix.lang import check_file, evaluate
from tensix.lang.compiler import compile_file
from tensix.presets import PRESETS
from tensix.stats import read_stats

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ELTWISE = str(EXAMPLES / "01_eltwise.tdf")
MLP = str(EXAMPLES / "03_mlp.tdf")
BAD_MATMUL = "input x: bf16[128, 768]\nparam w: bf16[512, 64] = zeros\noutput y = relu(x @ w)\n"


def _write(tmp_path: Path, text: str, name: str = "prog.tdf") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _fails(argv: list[str], capsys) -> str:
    """Run the command, expect exit code 1 and nothing on stdout; returns stderr without its final newline."""
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert out == ""
    return err.rstrip("\n")


# ---- devices, check ----


def test_devices_lists_every_preset_and_marks_the_default(capsys):
    assert main(["devices"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(PRESETS)
    assert [line for line in lines if line.endswith("(default)")] == [
        next(line for line in lines if line.startswith("wormhole_n150 "))]


def test_check_a_good_file(capsys):
    assert main(["check", MLP]) == 0
    assert capsys.readouterr().out == f"{MLP}: ok (5 ops)\n"


def test_check_a_bad_file_prints_the_error_with_a_caret(tmp_path, capsys):
    path = _write(tmp_path, BAD_MATMUL)
    assert _fails(["check", path], capsys) == (
        f"{path}:3:17: error: matmul: inner dimensions differ: bf16[128, 768] @ bf16[512, 64] (768 vs 512)\n"
        "output y = relu(x @ w)\n"
        "                ^~~~~")


def test_check_a_missing_file(tmp_path, capsys):
    path = str(tmp_path / "nope.tdf")
    assert _fails(["check", path], capsys) == f"error: cannot read '{path}': No such file or directory"


# ---- compile ----


def test_compile_emits_the_ir(capsys):
    assert main(["compile", MLP, "--emit", "ir"]) == 0
    assert capsys.readouterr().out == compile_file(MLP, zero_skip=True).lowered.render() + "\n"
    assert main(["compile", MLP, "--emit", "source-ir"]) == 0
    assert capsys.readouterr().out == compile_file(MLP).graph.render() + "\n"


def test_compile_emits_the_program_a_run_runs(capsys):
    """As `tensix run` compiles it: skipping zeros unless told not to (the plans differ: the grid multicast
    matmuls of a skipping compile carry the activation rows they check)."""
    assert main(["compile", MLP, "--emit", "program"]) == 0
    assert capsys.readouterr().out == compile_file(MLP, zero_skip=True).program.render() + "\n"
    assert main(["compile", MLP, "--emit", "program", "--no-skip-zeros"]) == 0
    assert capsys.readouterr().out == compile_file(MLP).program.render() + "\n"
    assert compile_file(MLP).program.render() != compile_file(MLP, zero_skip=True).program.render()


SPARSE_DECODE = "input h: bf16[1, 3072] @sparse\nparam w: bf16[3072, 768]\noutput y = h @ w\n"


@pytest.mark.parametrize("skip", [True, False])
def test_compile_shows_the_skipping_plan_and_its_k_bands(tmp_path, capsys, skip):
    path = tmp_path / "d.tdf"
    path.write_text(SPARSE_DECODE)
    flags = [] if skip else ["--no-skip-zeros"]
    assert main(["compile", str(path), "--emit", "ir", *flags]) == 0
    ir = capsys.readouterr().out
    assert ("cores_used=32, on=(0,0)..(7,7), skip=k-split" in ir) == skip
    assert main(["compile", str(path), "--emit", "schedule", *flags]) == 0
    sched = capsys.readouterr().out
    assert sched.count("matmul_split ") == (32 if skip else 0)  # 96 k tiles, 3 a core (the estimate's choice)
    assert sched.count('b_rows="w.rows" kt=96 out_cols=24 k0=') == (32 if skip else 0)
    assert ("k0=93 k1=96" in sched) == skip


def test_compile_rejects_an_unknown_emit_choice(capsys):
    with pytest.raises(SystemExit) as info:
        main(["compile", MLP, "--emit", "asm"])
    assert info.value.code == 2
    assert "invalid choice: 'asm'" in capsys.readouterr().err


# ---- run ----


def test_run_writes_the_run_directory_and_prints_a_summary(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", ELTWISE, "--out", str(out), "--no-viz"]) == 0
    printed = capsys.readouterr().out.splitlines()
    stats = json.loads((out / "stats.json").read_text())
    # titled by the file it ran, not by the graph's name (`main`: the example names none)
    assert re.fullmatch(r"01_eltwise.tdf on wormhole_n150: (\d+) cycles = [\d.]+ us at 1 GHz, 16 cores", printed[0])
    assert int(printed[0].split(": ")[1].split()[0]) == stats["total_cycles"] > 0
    assert printed[-1] == f"wrote {out}/outputs.npz, stats.json, trace.json"
    assert stats["device"]["name"] == "wormhole_n150"
    assert len(stats["noc_bytes"]) == 2 and sum(stats["noc_bytes"]) > 0
    assert len(stats["cores"]) == 16
    assert all(c["busy_cycles"] and c["sram_high_water"] > 0 for c in stats["cores"])
    assert stats["reference"]["y"]["max_abs_error"] <= 1e-5 * stats["reference"]["y"]["max_abs_reference"]
    with np.load(out / "outputs.npz") as outputs:
        assert outputs.files == ["y"] and outputs["y"].shape == (64, 256)
    trace = json.loads((out / "trace.json").read_text())
    assert {tuple(s["core"]) for s in trace["spans"]} == {tuple(c["core"]) for c in stats["cores"]}


def test_run_on_a_harvesting_variant_keeps_the_program_in_its_grid_and_reruns_identically(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", MLP, "--grid", "4x4", "--out", str(out), "--no-viz"]) == 0
    assert capsys.readouterr().out.startswith("03_mlp.tdf on wormhole_n150:4x4: ")
    stats = json.loads((out / "stats.json").read_text())
    assert stats["device"]["name"] == "wormhole_n150:4x4"
    # the first 4 of the preset's Tensix columns and rows (x 1-4, y 1-4) are all that compute
    assert {tuple(c["noc"]) for c in stats["cores"]} <= {(x, y) for x in range(1, 5) for y in range(1, 5)}
    assert main(["rerun", str(out)]) == 0  # the run records the variant by name, and the name rebuilds it
    assert capsys.readouterr().out.startswith("identical: ")


def test_run_grid_past_the_chips_tensix_cores_or_on_a_schedule_is_refused(tmp_path, capsys):
    err = _fails(["run", MLP, "--device", "blackhole_p150", "--grid", "15x10", "--no-viz",
                  "--out", str(tmp_path / "r")], capsys)
    assert err == ("error: device 'blackhole_p150': a 15x10 compute grid does not fit its 14x10 Tensix cores "
                   "(11x10 used by the preset); give at most 14x10")
    sched = tmp_path / "p.sched"
    assert main(["compile", MLP, "--emit", "schedule", "-o", str(sched)]) == 0
    capsys.readouterr()
    err = _fails(["run", str(sched), "--grid", "4x4", "--no-viz", "--out", str(tmp_path / "s")], capsys)
    assert err == f"error: {sched}: a schedule names its device and every core; run the .tdf with --grid"


def test_run_with_inputs_from_an_npz(tmp_path, capsys):
    rng = np.random.default_rng(5)
    given = {"a": rng.normal(size=(64, 256)), "b": rng.normal(size=(64, 256)), "gate": rng.normal(size=(64, 1))}
    np.savez(tmp_path / "in.npz", **given)
    assert main(["run", ELTWISE, "--inputs", str(tmp_path / "in.npz"), "--out", str(tmp_path / "run"),
                 "--no-viz"]) == 0
    capsys.readouterr()
    expected = evaluate(check_file(ELTWISE), given)["y"]
    with np.load(tmp_path / "run" / "outputs.npz") as outputs:
        assert np.max(np.abs(outputs["y"] - expected)) <= 1e-5 * np.max(np.abs(expected))  # fp32 program


def test_run_without_the_check_gives_the_same_outputs_and_no_reference(tmp_path, capsys):
    for name, extra in (("checked", []), ("unchecked", ["--no-check"])):
        assert main(["run", ELTWISE, "--out", str(tmp_path / name), "--no-viz", *extra]) == 0
    capsys.readouterr()
    checked, unchecked = (json.loads((tmp_path / n / "stats.json").read_text()) for n in ("checked", "unchecked"))
    assert checked["reference"]["y"]["max_abs_reference"] > 0 and unchecked["reference"] is None  # typed: optional
    assert read_stats(tmp_path / "unchecked" / "stats.json").reference is None
    with np.load(tmp_path / "checked" / "outputs.npz") as a, np.load(tmp_path / "unchecked" / "outputs.npz") as b:
        assert np.array_equal(a["y"], b["y"])
    assert (tmp_path / "checked" / "trace.json").read_text() == (tmp_path / "unchecked" / "trace.json").read_text()


def test_run_seeds_its_random_inputs(tmp_path, capsys):
    runs = {}
    for name, seed in (("first", "1"), ("again", "1"), ("other", "2")):
        assert main(["run", ELTWISE, "--seed", seed, "--out", str(tmp_path / name), "--no-viz"]) == 0
        with np.load(tmp_path / name / "outputs.npz") as outputs:
            runs[name] = outputs["y"]
    capsys.readouterr()
    assert np.array_equal(runs["first"], runs["again"])
    assert not np.allclose(runs["first"], runs["other"])


def test_run_rejects_inputs_of_the_wrong_shape_at_the_declaration(tmp_path, capsys):
    np.savez(tmp_path / "in.npz", a=np.ones((3, 3)))
    err = _fails(["run", ELTWISE, "--inputs", str(tmp_path / "in.npz"), "--out", str(tmp_path / "r"), "--no-viz"],
                 capsys)
    assert err == (f"{ELTWISE}:12:1: error: input 'a' is declared fp32[64, 256] but has shape [3, 3]\n"
                   "input a: fp32[S, D]\n"
                   "^~~~~~~~~~~~~~~~~~~")


@pytest.mark.parametrize("name, content, message", [
    ("missing.npz", None, "cannot read inputs '{path}': [Errno 2] No such file or directory: '{path}'; give an .npz "
                          "with one array per input"),
    ("text.npz", "hello", "inputs '{path}' is not an .npz of numeric arrays; give one array per input"),
    ("one.npy", np.ones(3), "inputs '{path}' hold one unnamed array; give an .npz with one array per input"),
])
def test_run_explains_unreadable_inputs(tmp_path, capsys, name, content, message):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content)
    elif content is not None:
        np.save(path, content)
    err = _fails(["run", ELTWISE, "--inputs", str(path), "--out", str(tmp_path / "r"), "--no-viz"], capsys)
    assert err == "error: " + message.format(path=path)


def test_run_reports_a_device_constraint_with_a_caret(tmp_path, capsys):
    path = _write(tmp_path, "input x: fp32[32, 96]\noutput y = split_heads(x, 2)\n")
    assert _fails(["run", path, "--out", str(tmp_path / "r"), "--no-viz"], capsys) == (
        f"{path}:2:12: error: split_heads: split_heads of fp32[32, 96] into 2 heads needs a head dim that is a "
        "multiple of 32 (the device moves whole 32x32 tiles)\n"
        "output y = split_heads(x, 2)\n"
        "           ^~~~~~~~~~~~~~~~~")


def test_run_on_an_unknown_device(tmp_path, capsys):
    err = _fails(["run", ELTWISE, "--device", "wormhole", "--out", str(tmp_path / "r"), "--no-viz"], capsys)
    assert err == f"error: unknown device 'wormhole'; known devices: {', '.join(PRESETS)}"


def test_run_an_output_that_is_an_input_unchanged(tmp_path, capsys):
    path = _write(tmp_path, "input x: fp32[32, 64]\nlet h = relu(x)\noutput y = x\noutput a = h\noutput b = h\n")
    assert main(["run", path, "--out", str(tmp_path / "r"), "--no-viz"]) == 0
    capsys.readouterr()
    with np.load(tmp_path / "r" / "outputs.npz") as outputs:
        assert sorted(outputs.files) == ["a", "b", "y"]
        assert np.array_equal(outputs["a"], np.maximum(outputs["y"], 0))
        assert np.array_equal(outputs["a"], outputs["b"])


# ---- bench ----


def test_bench_with_an_unknown_name(capsys):
    from tensix.tools.bench import BENCHMARKS

    assert _fails(["bench", "--only", "nope"], capsys) == (
        f"error: unknown benchmark 'nope'; benchmarks: {', '.join(BENCHMARKS)}")


def test_bench_json_line_names_its_figures_and_whether_the_core_ran_compiled(capsys):
    import tensix

    assert main(["bench", "--json", "--only", "noc_transfers", "--repeat", "1"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["name"] == "noc_transfers" and row["compiled"] is tensix.COMPILED
    assert row["ratio"] == pytest.approx(row["emulator_s"] / row["baseline_s"])
    assert row["transfers_per_s"] == pytest.approx(row["transfers"] / row["emulator_s"])
    assert row["transfers"] == 64 * (16 * 8 + 16 + 3)  # per core: 128 writes, 16 reads, a semaphore, 2 page writes


def test_alternating_medians_takes_the_runs_in_turn_and_keeps_each_median(monkeypatch):
    from tensix.tools import measure

    clock, calls = iter(range(1000)), []
    monkeypatch.setattr(measure.time, "perf_counter", lambda: next(clock))

    def run(name, cost):
        def fn():
            calls.append(name)
            for _ in range(cost - 1):  # each run reads the clock once more per unit of cost
                next(clock)
            return name
        return fn

    (a_s, a), (b_s, b) = measure.alternating_medians([run("a", 1), run("b", 3)], 3)
    assert calls == ["a", "b"] + ["a", "b"] * 3  # warm-ups, then in turn
    assert (a, b) == ("a", "b") and (a_s, b_s) == (1, 3)
    calls.clear()
    (a_s, _), (b_s, _) = measure.alternating_medians([run("a", 1), run("b", 3)], 2, settle=frozenset({1}))
    assert calls == ["a", "b"] + ["a", "b", "b"] * 2  # b settles untimed before each timed run
    assert (a_s, b_s) == (1, 3)  # the untimed run is not counted


# ---- what a run reports: utilization, zero-skip savings, options without a file, seeds ----

RELU_DECODE = """\
input x: bf16[1, 256]
param w1: bf16[256, 512] = random(seed=1, std=0.05)
param w2: bf16[512, 256] = random(seed=2, std=0.05)
output y = relu(x @ w1) @ w2
"""


def _stats(out: Path):
    from tensix.stats import read_stats

    return read_stats(out / "stats.json")


def test_cli_summary_and_report_print_one_utilization_from_the_same_stats(tmp_path, capsys):
    import html

    out = tmp_path / "run"
    assert main(["run", MLP, "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    stats = _stats(out)
    figure = stats.utilization_text()
    assert figure.startswith(f"{100 * stats.flops / (stats.peak_flops_per_cycle * stats.total_cycles):.1f}% ")
    assert stats.peak_flops_per_cycle == len(stats.cores) * 1024  # every core's matmul charged at HiFi4
    assert f"  {stats.flops:,} FLOP, {figure}" in printed
    summary = (out / "viz" / "summary.txt").read_text()
    report = (out / "viz" / "report.html").read_text()
    assert f"compute utilization  {figure.split()[0]}" in summary and figure in summary
    assert html.escape(figure) in report
    assert json.loads((out / "stats.json").read_text())["utilization"] == stats.utilization


def test_compare_dense_reports_the_end_to_end_saving_of_two_real_runs(tmp_path, capsys):
    from tensix.lang.driver import make_inputs, run_compiled
    from tensix.mesh import Mesh

    path = _write(tmp_path, RELU_DECODE)
    assert main(["run", path, "--compare-dense", "--out", str(tmp_path / "r"), "--no-viz"]) == 0
    printed = capsys.readouterr().out
    stats = _stats(tmp_path / "r")
    compiled = compile_file(path, zero_skip=True)
    feed = make_inputs(compiled.graph, 0)
    skip, _ = run_compiled(compiled, feed, mesh=Mesh(compiled.device, zero_skip=True))
    dense, _ = run_compiled(compiled, feed, mesh=Mesh(compiled.device))  # the same plan, skipping off
    saved = stats.zero_skip.saved(stats)
    assert (stats.total_cycles, stats.zero_skip.dense.cycles) == (skip.cycles, dense.cycles)
    assert saved.cycles == dense.cycles - skip.cycles > 0  # half the hidden neurons are zero: their rows skipped
    assert saved.dram_bytes == dense.stats.dram_bytes - skip.stats.dram_bytes > 0
    assert stats.zero_skip.error_vs_dense == (("y", 0.0),)
    share = 100 * saved.cycles / dense.cycles
    assert (f"  zero skipping: {saved.cycles:,} cycles ({share:.1f}%) saved end to end: {skip.cycles:,} against "
            f"{dense.cycles:,} dense (same plan, skipping off)") in printed
    assert main(["run", path, "--out", str(tmp_path / "e"), "--no-viz"]) == 0
    assert "an estimate, not the run's saving (run with --compare-dense" in capsys.readouterr().out
    assert _stats(tmp_path / "e").zero_skip.dense is None


def test_compare_dense_needs_skipping_on(tmp_path, capsys):
    path = _write(tmp_path, RELU_DECODE)
    assert _fails(["run", path, "--compare-dense", "--no-skip-zeros", "--out", str(tmp_path / "r"), "--no-viz"],
                  capsys) == ("error: --compare-dense measures zero skipping against a dense run, but skipping is off "
                              "(--no-skip-zeros); drop one of the two")


def test_run_without_a_file_honours_no_skip_zeros(tmp_path, capsys):
    assert main(["run", "--no-skip-zeros", "--out", str(tmp_path / "d"), "--no-viz"]) == 0
    assert "zero skipping" not in capsys.readouterr().out
    assert _stats(tmp_path / "d").zero_skip is None


def test_run_without_a_file_reads_its_inputs(tmp_path, capsys):
    np.savez(tmp_path / "in.npz", nope=np.ones((2, 2)))
    err = _fails(["run", "--inputs", str(tmp_path / "in.npz"), "--out", str(tmp_path / "d"), "--no-viz"], capsys)
    assert err == "error: no input named 'nope'"  # the default example read the file the user gave


@pytest.mark.slow
def test_run_without_a_file_honours_the_zero_threshold(tmp_path, capsys):
    assert main(["run", "--zero-threshold", "0.5", "--out", str(tmp_path / "d"), "--no-viz"]) == 0
    capsys.readouterr()
    zs = _stats(tmp_path / "d").zero_skip
    assert zs.threshold == 0.5 and zs.dense is not None and dict(zs.error_vs_dense)["y"] > 0


def test_run_seed_seeds_the_params_declared_without_a_seed(tmp_path, capsys):
    from tensix.lang.ir import RandomSpec
    from tensix.lang.params import random_values

    path = _write(tmp_path, "input x: fp32[32, 32]\nparam w: fp32[32, 32] = random(std=1.0)\n"
                            "param v: fp32[32, 32] = random(seed=7)\noutput y = x + w\noutput z = x + v\n")
    x = np.random.default_rng(3).standard_normal((32, 32)).astype(np.float32)
    np.savez(tmp_path / "in.npz", x=x)
    got = {}
    for seed in ("1", "2"):
        assert main(["run", path, "--seed", seed, "--inputs", str(tmp_path / "in.npz"), "--out",
                     str(tmp_path / seed), "--no-viz"]) == 0
        with np.load(tmp_path / seed / "outputs.npz") as outputs:
            got[seed] = {k: outputs[k] for k in outputs.files}
    capsys.readouterr()
    for seed in ("1", "2"):  # w drawn from the run's seed; v from its own
        np.testing.assert_allclose(got[seed]["y"], x + random_values("w", RandomSpec(int(seed)), (32, 32)), rtol=1e-6)
        np.testing.assert_allclose(got[seed]["z"], x + random_values("v", RandomSpec(7), (32, 32)), rtol=1e-6)
    assert not np.allclose(got["1"]["y"], got["2"]["y"])
