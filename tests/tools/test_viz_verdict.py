"""Plain-language findings: what limits a run, NoC imbalance, what ran, and the meanings of op and buffer names."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tensix.tools.explain import buffer_meaning, glossary, op_meaning, wait_base
from tensix.tools.runfiles import Run
from tensix.tools.verdict import compute_share, limit_sentences, noc_balance, program_line, role_waits


def with_stats(run: Run, **changes) -> Run:
    return replace(run, stats=replace(run.stats, **changes))


def test_small_run_is_latency_bound_and_says_why(small):
    first, link, waits = limit_sentences(small)
    assert first.startswith("Latency bound: no single resource is saturated: the cores compute 3.7% of the time "
                            "(compute utilization: 10.7% of the matrix engines' peak on the 12 cores used "
                            "(12 at HiFi4: 1,024 FLOP/cycle each)) and the hottest link, (0,0)\u2192(0,3) "
                            "going north on NoC 1, is busy 42.8% of the run;")
    assert link == ("It carried 8.0 KiB in 1 transfer (1 read; all from DRAM tiles). NoC 1 sends every transfer "
                    "north first, then west, so all transfers that start in the same column share the links going "
                    "north along it.")
    assert waits == ("Where the time went: compute kernels waited 18% of the run, mostly for input tiles from the "
                     "reader (cb_wait_front).")


def test_a_saturated_link_makes_a_run_data_movement_bound(small):
    short = with_stats(small, total_cycles=300)  # the hottest link's 257 busy cycles are now 86% of the run
    assert limit_sentences(short)[0].startswith("Data movement bound: the hottest link, (0,0)\u2192(0,3) going north "
                                                "on NoC 1, is busy 85.7% of the run, while the cores compute 7.4%")


def test_busy_cores_make_a_run_compute_bound(small):
    cores = tuple(replace(c, busy_cycles=(("compute", 540),)) for c in small.stats.cores)
    busy = with_stats(small, cores=cores)
    assert compute_share(busy.stats) == pytest.approx(0.9)
    assert limit_sentences(busy)[0].startswith("Compute bound: the cores compute 90.0% of the time")


def test_an_empty_run_has_nothing_to_judge(small):
    assert limit_sentences(with_stats(small, total_cycles=0)) == ["Nothing to judge: the run took 0 cycles."]


def test_role_waits_average_over_the_cores_of_a_role(small):
    (compute,) = role_waits(small)
    assert (compute.role, compute.main) == ("compute", "cb_wait_front")
    assert compute.share == pytest.approx(210 / (600 * 2))  # one 210-cycle wait; two cores run a compute kernel


def test_noc_imbalance_is_explained(small, wormhole):
    assert noc_balance(small) is None  # NoC 1 carries 75% of the bytes: not lopsided enough to mention
    text = noc_balance(wormhole)
    assert text.startswith("The two NoCs are unevenly loaded: of the link bytes (bytes x hops), NoC 1 83% (320 KiB), "
                           "NoC 0 17% (64 KiB). Reads use NoC 1 and writes NoC 0 by default")
    assert "this run moved 320 KiB in reads on NoC 1 and 64 KiB in writes on NoC 0." in text


def test_program_line_from_program_json_or_from_the_run(small, wormhole):
    assert program_line(small) == ("Program mlp_test: input x bf16[64,128]; parameter w1 bf16[128,256]; output y "
                                   "bf16[64,256]; 12 cores, 36 kernels (reader, compute, writer on each core).")
    assert program_line(wormhole) == ("The run directory has no program.json, so the program is described by what "
                                      "it did: 64 cores, 33,554,432 FLOP, 320 KiB read from DRAM and 0 B written; op "
                                      "labels matmul %w1.")


@pytest.mark.parametrize(("name", "meaning"), [
    ("matmul_tiles", "the matrix engine multiplying a pair of 32x32 tiles and adding the product to a result tile"),
    ("wait:cb_wait_front(2)", "waiting for tiles to arrive in a circular buffer: the kernel that fills it (e.g. the "
                              "reader) is behind"),
    ("wait:cb_wait_front cb 0", "waiting for tiles to arrive in a circular buffer: the kernel that fills it (e.g. "
                                "the reader) is behind"),
    ("add_tiles", "element-wise addition of two tiles"),
    ("mul_bcast_rows", "element-wise multiplication with one operand repeated along rows"),
    ("reduce_sum_row", "reducing a tile with sum along rows"),
    ("exp_tile", "the vector unit applying exp to every element of a tile"),
    ("wait:something_new", "waiting (stalled, not working)"),
    ("frobnicate", ""),
])
def test_op_meanings(name, meaning):
    assert op_meaning(name) == meaning


def test_wait_base_strips_arguments():
    assert [wait_base(n) for n in ("wait:cb_wait_front(4)", "wait:noc_async_read_barrier", "wait:cb_wait_front cb 0")
            ] == ["cb_wait_front", "noc_async_read_barrier", "cb_wait_front"]


@pytest.mark.parametrize(("name", "kind", "meaning"), [
    ("mm_a_bf16", "cb", "matmul input A (activations) tiles in bf16"),
    ("mm_bias_bfp8_b", "cb", "matmul bias tiles in bfp8_b"),
    ("in1", "cb", "tiles of the second input operand (B)"),
    ("cb7", "cb", "circular buffer 7 (the program gave it no name)"),
    ("semaphores", "semaphore", "semaphore words: other cores add to them to signal this core"),
    ("scratchpad", "l1", "an L1 buffer"),
])
def test_buffer_meanings_from_names(name, kind, meaning):
    assert buffer_meaning(name, kind) == meaning


def test_buffer_meaning_adds_the_cb_declaration(small):
    assert buffer_meaning("in0", "cb", small.program) == ("tiles of the first input operand (A of a matmul); CB 0: 2 "
                                                          "pages of bf16 tiles")


def test_glossary_states_the_link_width_and_both_coordinates(small):
    words = dict(glossary(small.stats))
    assert "on this device it moves 32 bytes per cycle" in words["link"]
    assert "logical coordinate" in words["core (x,y)"] and "core (0,0) may sit at NoC (1,1)" in words[
        "NoC position (x,y)"]


def test_program_line_keeps_long_programs_short(small):
    from tensix.tools.programfile import DramBuffer

    params = [DramBuffer(f"w{i}", (32, 32), "bf16", "param") for i in range(8)]
    scratch = [DramBuffer(f"t{i}", (32,), "fp32", "scratch") for i in range(3)]
    program = replace(small.program, buffers=(*params, *scratch, DramBuffer("x", (32, 32), "bf16", "input")))
    assert program_line(replace(small, program=program)).startswith(
        "Program mlp_test: input x bf16[32,32]; parameters w0 bf16[32,32], w1 bf16[32,32], w2 bf16[32,32], w3 "
        "bf16[32,32], w4 bf16[32,32], w5 bf16[32,32], … (8 in all); 3 scratch tensors in DRAM; 12 cores")
