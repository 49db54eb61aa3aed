"""Math fidelity (`@fidelity`, the `fidelity` line, `--fidelity`) changes matmul cycles by docs/timing.md's per-tile
costs and never the outputs; `bfp4_b` is a language dtype."""

import numpy as np
import pytest

from tensix.cli import main
from tensix.errors import ConfigError
from tensix.formats import quantize
from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs, run_compiled
from tensix.lang.errors import ErrorList
from tensix.lang.params import materialize

# one core, one tile product (with more K tiles the reads of the next tile hide some of the math)
MATMUL = """\
{head}input x: bf16[32, 32]
param w: {wtype}[32, 32] = random(seed=1, std=0.1)
output y = x @ w{annot}
"""

# docs/timing.md: a lone tile product (a 1 x 1 block) costs max(16 x phases, unpack of its A and its B tile);
# unpack = 2 per tile + their bytes / 64. x is bf16 (2048 B):
# bf16 B tile (2048 B): unpack 4 + 64 = 68 -> 68 at every fidelity (HiFi4's 64 is below it)
# bfp4_b B tile (576 B): unpack 4 + ceil(2624 / 64) = 45 -> LoFi 45, HiFi2 max(32, 45) = 45, HiFi3 48, HiFi4 64
PER_TILE = {"bf16": {"lofi": 68, "hifi2": 68, "hifi3": 68, "hifi4": 68},
            "bfp4_b": {"lofi": 45, "hifi2": 45, "hifi3": 48, "hifi4": 64}}


def _run(head: str = "", annot: str = "", wtype: str = "bf16", fidelity: str | None = None):
    compiled = compile_source(MATMUL.format(head=head, annot=annot, wtype=wtype), "mm.tdf", fidelity=fidelity)
    result, _ = run_compiled(compiled, make_inputs(compiled.graph, 0))
    return compiled, result


@pytest.mark.parametrize("wtype", ["bf16", "bfp4_b"])
def test_fidelity_changes_cycles_by_the_per_tile_cost_and_not_the_outputs(wtype):
    runs = {f: _run(fidelity=f, wtype=wtype)[1] for f in PER_TILE[wtype]}
    lofi = runs["lofi"]
    for f, r in runs.items():
        assert r.cycles - lofi.cycles == PER_TILE[wtype][f] - PER_TILE[wtype]["lofi"]
        np.testing.assert_array_equal(r.outputs["y"], lofi.outputs["y"])  # tensix models fidelity as time only


def test_default_is_hifi4_and_leaves_the_schedule_as_it_was():
    compiled, default = _run()
    assert all(s.fidelity is None for c in compiled.schedule.cores for s in c.steps)
    assert default.cycles == _run(fidelity="hifi4")[1].cycles


def test_annotation_beats_program_default_beats_nothing():
    line = _run(head="fidelity lofi\n")[1]
    assert line.cycles == _run(fidelity="lofi")[1].cycles
    assert _run(head="fidelity lofi\n", fidelity="hifi3")[1].cycles == _run(fidelity="hifi3")[1].cycles  # CLI wins
    op = _run(head="fidelity lofi\n", annot=" @fidelity(hifi4)", fidelity="hifi2")[1]  # the op's own wins
    assert op.cycles == _run()[1].cycles


def test_fidelity_shows_in_ir_and_schedule_text(capsys, tmp_path):
    path = tmp_path / "mm.tdf"
    path.write_text(MATMUL.format(head="fidelity hifi2\n", annot=" @fidelity(lofi)", wtype="bf16"))
    assert main(["compile", str(path), "--emit", "source-ir"]) == 0
    text = capsys.readouterr().out
    assert "fidelity hifi2\n" in text and "@fidelity(lofi)" in text
    assert main(["compile", str(path), "--emit", "schedule"]) == 0
    assert 'matmul out="y" fidelity="LoFi"' in capsys.readouterr().out


def test_region_fidelity_applies_to_its_ops():
    src = "input x: bf16[32, 32]\nregion r @fidelity(lofi) {\n  let h = relu(x)\n}\noutput y = h\n"
    compiled = compile_source(src, "r.tdf")
    assert {s.fidelity for c in compiled.schedule.cores for s in c.steps} == {"LoFi"}


def test_cli_fidelity_changes_the_run(capsys, tmp_path):
    path = tmp_path / "mm.tdf"
    path.write_text(MATMUL.format(head="", annot="", wtype="bfp4_b"))  # a lone bf16 product is unpack-bound at both
    cycles = {}
    for f in ("lofi", "hifi4"):
        assert main(["run", str(path), "--fidelity", f, "--no-viz", "--out", str(tmp_path / f)]) == 0
        cycles[f] = int(capsys.readouterr().out.split(": ")[1].split(" cycles")[0])
    assert cycles["hifi4"] - cycles["lofi"] == PER_TILE["bfp4_b"]["hifi4"] - PER_TILE["bfp4_b"]["lofi"]


def test_bad_fidelity_keyword_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown math fidelity 'HiFi4'; use lofi, hifi2, hifi3 or hifi4"):
        compile_source(MATMUL.format(head="", annot="", wtype="bf16"), "mm.tdf", fidelity="HiFi4")


def test_fidelity_line_twice_is_an_error():
    with pytest.raises(ErrorList, match=r"the fidelity is already chosen at mm.tdf:1:1"):
        compile_source(MATMUL.format(head="fidelity lofi\nfidelity hifi2\n", annot="", wtype="bf16"), "mm.tdf")


def test_bfp4_b_program_matches_numpy_with_bfp4_weights():
    compiled, result = _run(wtype="bfp4_b")
    x = make_inputs(compiled.graph, 0)["x"]
    w = materialize(compiled.graph)["w"]
    expected = quantize(quantize(x, "bf16") @ quantize(w, "bfp4_b"), "bf16")
    np.testing.assert_array_equal(result.outputs["y"], expected)
    assert not np.array_equal(quantize(w, "bfp4_b"), quantize(w, "bf16"))  # 4-bit mantissas really are coarser


def test_stats_report_each_cores_fidelity():
    src = "input x: bf16[32, 32]\nparam w: bf16[32, 32] = zeros\nlet h = x @ w @fidelity(lofi)\noutput y = h @ w\n"
    compiled = compile_source(src, "two.tdf", fidelity="hifi2")
    result, _ = run_compiled(compiled, make_inputs(compiled.graph, 0))
    assert {c.fidelities for c in result.stats.cores} == {("LoFi", "HiFi2")}  # fastest first
    # the utilization peak is at the fastest fidelity a core ran, per tile product of a wide block (TimingModel.matmul,
    # the B tile unpacked, the reused A tile not): bf16 LoFi max(16, 2 + 2048 / 64) = 34 cycles
    assert {c.peak_flops_per_cycle for c in result.stats.cores} == {2 * 32**3 / 34}
