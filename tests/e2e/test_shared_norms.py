"""One-row norms sharing their statistics over their cores (tensix/programs/stages/norm.py; docs/architecture.md,
"One-row norms"): each core reads only its own columns, the partial statistics go round, the values are numpy's."""

import numpy as np
import pytest

import tensix.lang.passes.norms as norms
from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs, run_compiled
from tensix.presets import resolve
from tensix.schedule.text import parse, render

MESH = resolve("wormhole_n150")
AUX = {"rmsnorm": "g", "layernorm": "g, b"}


def _source(op: str, dtype: str, width: int, cores: str = "0..7, 0") -> str:
    return (f"input x: {dtype}[1, {width}]\n"
            f"param g: {dtype}[{width}] = random(seed=1, std=0.5, mean=1.0)\n"
            f"param b: {dtype}[{width}] = random(seed=2)\n"
            f"output y = {op}(x, {AUX[op]}, eps=1e-5) @cores({cores})\n")


def _run(source: str):
    compiled = compile_source(source, "norm.tdf", MESH)
    result, expected = run_compiled(compiled, make_inputs(compiled.graph, 0))
    return compiled, result, expected


def _steps(compiled) -> dict:
    (node,) = [n for n in compiled.lowered.nodes if n.attrs["_steps"]]
    return node.attrs["_steps"]


# bf16: a decode step's 576-wide row (18 tiles) on 4 cores; fp32 rows that wide do not fit beside their CBs, 384 (12
# tiles) on 3 cores does
CASES = [("bf16", 576, [(0, 4), (4, 9), (9, 13), (13, 18)], 0.02),
         ("fp32", 384, [(0, 4), (4, 8), (8, 12)], 2e-5)]


@pytest.mark.parametrize("dtype, width, cols, tol", CASES)
@pytest.mark.parametrize("op", ["rmsnorm", "layernorm"])
def test_a_one_row_norm_shares_its_statistics_over_its_cores_and_matches_numpy(op, dtype, width, cols, tol):
    compiled, result, expected = _run(_source(op, dtype, width))
    steps = _steps(compiled)
    cores = [(x, 0) for x in range(len(cols))]
    assert [steps[c].cols for c in cores] == cols
    assert all(steps[c].parts == tuple(cores) for c in cores)  # the statistics added in this order on every core
    scale = max(1.0, float(np.max(np.abs(expected["y"]))))
    np.testing.assert_allclose(result.outputs["y"], expected["y"], rtol=0, atol=tol * scale)


@pytest.mark.parametrize("op, rounds", [("rmsnorm", 1), ("layernorm", 2)])
def test_each_core_reads_only_its_own_columns_and_sends_one_partial_tile_a_round(op, rounds):
    compiled, result, _ = _run(_source(op, "bf16", 576))
    steps = _steps(compiled)
    tile = 2048  # a bf16 tile
    for core, step in steps.items():
        reads = [t for t in result.trace.transfers if t.issuer == core and t.kind == "read"]
        c0, c1 = step.cols
        # its x columns, and gamma's (and beta's) same columns: nothing else
        assert sum(t.nbytes for t in reads) == (c1 - c0) * (1 + len(step.aux)) * tile
        sent = [t for t in result.trace.transfers if t.issuer == core and t.kind == "mcast"]
        assert [t.nbytes for t in sent] == [4096] * rounds  # its partial, an fp32 tile, to all four cores at once


def test_sharing_is_chosen_by_the_estimate_and_runs_faster_than_whole_row_reads(monkeypatch):
    source = _source("rmsnorm", "bf16", 576)
    compiled, shared, expected = _run(source)
    assert all(s.parts for s in _steps(compiled).values())
    monkeypatch.setattr(norms, "shared_ok", lambda *_: False)  # the plan before: every core reads the whole row
    compiled_whole, whole, _ = _run(source)
    assert not any(s.parts for s in _steps(compiled_whole).values())
    assert shared.cycles < whole.cycles
    np.testing.assert_allclose(shared.outputs["y"], whole.outputs["y"], rtol=0, atol=0.02 * 8)


def test_a_norm_not_after_the_last_sharing_norm_on_its_cores_reads_whole_rows():
    # two independent norms on the same cores: the second one's partials could land in `norm_parts` before the
    # first one's were taken, so it reads the whole row instead; a norm of the first one's output may share
    source = ("input x: bf16[1, 576]\ninput z: bf16[1, 576]\nparam g: bf16[576] = random(seed=1)\n"
              "let a = rmsnorm(x, g, eps=1e-5) @cores(0..7, 0)\n"
              "output y = rmsnorm(z, g, eps=1e-5) @cores(0..7, 0)\n"
              "output w = rmsnorm(a, g, eps=1e-5) @cores(0..7, 0)\n")
    compiled, result, expected = _run(source)
    shares = [bool(next(iter(n.attrs["_steps"].values())).parts) for n in compiled.lowered.nodes]
    assert shares == [True, False, True]
    for name in ("y", "w"):
        scale = max(1.0, float(np.max(np.abs(expected[name]))))
        np.testing.assert_allclose(result.outputs[name], expected[name], rtol=0, atol=0.02 * scale)


def test_every_core_of_a_shared_norm_holds_its_partials_at_one_address():
    compiled = compile_source(_source("layernorm", "bf16", 576), "norm.tdf", MESH)
    held = {cs.core: [(b.address, b.nbytes) for b in cs.buffers if b.name == "norm_parts"]
            for cs in compiled.schedule.cores}
    # two rounds (mean, variance) of a 4096-byte partial from each of the 4 cores, at one address on all of them
    assert set(map(tuple, held.values())) == {((0x20, 2 * 4 * 4096),)}


def test_a_shared_norms_schedule_round_trips_through_its_text_form():
    compiled = compile_source(_source("layernorm", "bf16", 576), "norm.tdf", MESH)
    text = render(compiled.schedule)
    assert 'cols=[4, 9] parts=[run([0, 0], [1, 0], 4)] sem=1' in text
    assert parse(text) == compiled.schedule


def test_a_shared_norm_after_a_masked_attention_on_its_cores_takes_gamma_and_beta_a_unit_at_a_time():
    """The attention's mask leaves the fp32 aux CB's write pointer half-way round (one unit of its two), where
    gamma and beta reserved at once would wrap (MiniLM's last layernorm): the norm then reads them one by one."""
    source = ("input q: fp32[1, 32, 64]\ninput k: fp32[1, 32, 64]\ninput v: fp32[1, 32, 64]\ninput m: fp32[32, 32]\n"
              "input x: fp32[1, 384]\nparam g: fp32[384] = random(seed=1, std=0.5, mean=1.0)\n"
              "param b: fp32[384] = random(seed=2)\n"
              "output a = scaled_dot_product_attention(q, k, v, mask=m) @cores(0..2, 0)\n"
              "output y = layernorm(x, g, b, eps=1e-5) @cores(0..2, 0)\n")
    compiled, result, expected = _run(source)
    steps = _steps_of(compiled, "row")
    assert all(steps[(x, 0)].parts == ((0, 0), (1, 0), (2, 0)) for x in range(3))
    for name in ("a", "y"):
        np.testing.assert_allclose(result.outputs[name], expected[name], rtol=0, atol=2e-5)


def _steps_of(compiled, op: str) -> dict:
    (node,) = [n for n in compiled.lowered.nodes if n.attrs.get("_steps") and n.op == op]
    return node.attrs["_steps"]
