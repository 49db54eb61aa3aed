"""Timing-only runs (`Mesh(timing_only=True)`, `tensix run --timing-only`) give the functional run's cycles,
transfers, spans and stats with no data: no outputs, no inputs needed."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from test_examples import _run as example_run  # the functional run of each example, made once per session

from tensix import Mesh
from tensix.cli import main
from tensix.errors import ConfigError
from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs, run_compiled
from tensix.programs.matmul import matmul_program

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.tdf"))


def _same_run(functional, timing):
    assert timing.cycles == functional.cycles
    assert timing.trace.to_dict() == functional.trace.to_dict()  # every transfer and span, cycle for cycle
    # the functional run's stats but its error vs numpy (a timing-only run has no outputs to compare)
    assert timing.stats == replace(functional.stats, reference=None, timing_only=True)
    assert timing.stats.timing_only is True and timing.stats.reference is None
    assert set(timing.outputs) == set(functional.outputs) and all(v is None for v in timing.outputs.values())


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_times_as_its_functional_run(path):
    functional = example_run(path.stem)  # dense: zero skipping needs data
    timing, _ = run_compiled(functional.compiled, {}, mesh=Mesh(functional.compiled.device, timing_only=True))
    _same_run(functional.result, timing)


@pytest.mark.parametrize("fidelity", ["lofi", "hifi4"])
def test_fidelity_and_formats_time_alike(fidelity):
    src = ("input x: bfp8_b[64, 96]\nparam w: bfp4_b[96, 64] = random(seed=1)\n"
           "output y = softmax(relu(x @ w) * 0.5)\n")
    compiled = compile_source(src, "f.tdf", fidelity=fidelity)
    functional, _ = run_compiled(compiled, make_inputs(compiled.graph, 0))
    _same_run(functional, Mesh(compiled.device, timing_only=True).run(compiled.program))


def test_hand_written_multicast_matmul_times_alike():
    program = matmul_program(256, 128, 256, grid=(4, 4))
    rng = np.random.default_rng(0)
    inputs = {"A": rng.standard_normal((256, 128)).astype(np.float32),
              "B": rng.standard_normal((128, 256)).astype(np.float32)}
    _same_run(Mesh().run(program, inputs), Mesh(timing_only=True).run(program))


def test_zero_skipping_is_refused():
    with pytest.raises(ConfigError, match="zero skipping decides by the data, and a timing-only run has none"):
        Mesh(timing_only=True, zero_skip=True)


@pytest.mark.slow
def test_a_matmul_too_big_to_run_functionally_in_seconds():
    # 4096 x 2048 @ 2048 x 2048: a functional run tilizes and multiplies 32 M-element operands (tens of seconds in
    # plain Python); timing-only moves no bytes and allocates no DRAM bank memory for them
    compiled = compile_source("input a: bf16[4096, 2048]\nparam w: bf16[2048, 2048]\noutput y = a @ w\n", "big.tdf")
    result = Mesh(compiled.device, timing_only=True).run(compiled.program)
    assert result.outputs == {"y": None}
    assert result.stats.flops == 2 * 4096 * 2048 * 2048  # every tile product charged
    assert sum(b.bytes_read for b in result.stats.dram) >= (4096 * 2048 + 2048 * 2048) * 2  # operands read


def test_cli_timing_only_says_what_it_did(capsys, tmp_path):
    path = tmp_path / "mm.tdf"
    path.write_text("input x: bf16[64, 64]\nparam w: bf16[64, 64] = zeros\noutput y = x @ w\n")
    assert main(["run", str(path), "--no-viz", "--no-skip-zeros", "--out", str(tmp_path / "f")]) == 0
    functional = capsys.readouterr().out
    assert main(["run", str(path), "--no-viz", "--timing-only", "--out", str(tmp_path / "t")]) == 0
    timing = capsys.readouterr().out
    assert "timing only: zero skipping needs data, so this run is dense (as --no-skip-zeros)" in timing
    assert "timing only: no tile math and no data moved, so there are no outputs" in timing
    assert functional.splitlines()[0] == timing.splitlines()[1]  # the same cycles line
    assert f"wrote {tmp_path / 't'}/stats.json, trace.json" in timing
    assert not (tmp_path / "t" / "outputs.npz").exists() and (tmp_path / "f" / "outputs.npz").exists()


def test_an_embedding_times_as_if_every_token_were_id_0():
    # gather_rows reads the ids to address the table: timing-only has no ids, so L1 reads as zeros (docs/timing.md)
    src = ("input ids: int32[64]\nparam table: bf16[256, 64] = random(seed=1)\nparam w: bf16[64, 64] = random(seed=2)\n"
           "output y = embedding(ids, table) @ w\n")
    compiled = compile_source(src, "e.tdf")
    zeros, _ = run_compiled(compiled, {"ids": np.zeros(64, dtype=np.int32)})
    spread, _ = run_compiled(compiled, {"ids": np.arange(0, 256, 4, dtype=np.int32)})
    timing = Mesh(compiled.device, timing_only=True).run(compiled.program)
    _same_run(zeros, timing)
    assert spread.cycles != zeros.cycles  # the rule matters: real ids hit other banks


@pytest.mark.parametrize("m, k, n, grid", [
    (512, 1024, 512, (2, 2)),  # k blocks of 11 tiles, the last short; 4 sub-blocks spilled to CB_MID
    (1024, 256, 1024, (2, 2)),  # two output blocks per core, 8 spilled sub-blocks each
    (768, 256, 768, (2, 2)),  # 12 sub-blocks of 12 x 1 tiles
    (512, 256, 512, (1, 1)),  # one core: no multicast, k steps of one tile
])
def test_matmul_plans_time_alike(m, k, n, grid):
    src = (f"input a: bf16[{m}, {k}]\nparam w: bf16[{k}, {n}] = random(seed=1, std=0.05)\n"
           f"output c = a @ w @cores(0..{grid[0] - 1}, 0..{grid[1] - 1})\n")
    compiled = compile_source(src, "mm.tdf")
    functional, _ = run_compiled(compiled, make_inputs(compiled.graph, 0))
    _same_run(functional, Mesh(compiled.device, timing_only=True).run(compiled.program))


def _k_read(ctx, *, n: int):
    for i in range(n):  # one tile at a time into a CB of `pages` pages: stalls whenever compute is behind
        ctx.cb_reserve_back(0, 1)
        ctx.noc_async_read_page("A", i, ctx.get_write_ptr(0))
        ctx.noc_async_read_barrier()
        ctx.cb_push_back(0, 1)


def _k_compute(ctx, *, n: int):
    for _ in range(n):
        ctx.cb_wait_front(0, 1)
        ctx.tile_regs_acquire()
        ctx.copy_tile(0, 0, 0)
        for _ in range(4):  # 4 x 256 cycles: slower than a read's round trip, so the reader waits on a full CB
            ctx.exp_tile(0)
        ctx.cb_pop_front(0, 1)
        ctx.cb_reserve_back(16, 1)
        ctx.pack_tile(0, 16)
        ctx.cb_push_back(16, 1)
        ctx.tile_regs_release()


def _k_write(ctx, *, n: int):
    for i in range(n):
        ctx.cb_wait_front(16, 1)
        ctx.noc_async_write_page("C", i, ctx.get_read_ptr(16))
        ctx.noc_async_write_barrier()  # a round trip per tile
        ctx.cb_pop_front(16, 1)


@pytest.mark.parametrize("pages", [1, 2])
def test_back_pressure_on_small_cbs_times_alike(pages):
    from tensix import Program
    n = 12
    p = Program(name="pressure")
    p.dram_buffer("A", (32, 32 * n), "bf16", "input")
    p.dram_buffer("C", (32, 32 * n), "bf16", "output")
    p.circular_buffer((0, 0), 0, "bf16", pages, "in")
    p.circular_buffer((0, 0), 16, "bf16", pages, "out")
    for role, fn in (("reader", _k_read), ("compute", _k_compute), ("writer", _k_write)):
        p.kernel((0, 0), role, fn, {"n": n})
    a = np.random.default_rng(0).standard_normal((32, 32 * n)).astype(np.float32)
    functional = Mesh().run(p, {"A": a})
    timing = Mesh(timing_only=True).run(p)
    _same_run(functional, timing)
    waits = {s.name for s in functional.trace.spans if s.name.startswith("wait:cb_")}
    assert any(w.startswith("wait:cb_reserve_back(1) on CB 0") for w in waits)  # the reader stalled on a full CB
