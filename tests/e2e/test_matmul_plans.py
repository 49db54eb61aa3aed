"""Production matmul plans (tt-metal's multicast matmul): the same bits as the plan they replace, each operand
band read from DRAM once per core row (column), the compute kernel's k-blocked work as the timing model prices it.

The plan they replace ran each DST-sized column sub-block of a core's block over all of k, re-reading (and
re-multicasting) the activation band per sub-block; `_old_plan` rebuilds it from a compiled schedule.
"""

from dataclasses import replace

import ml_dtypes
import numpy as np
import pytest

from tensix import Mesh
from tensix.lang.compiler import compile_source
from tensix.lang.driver import device_feed, make_inputs
from tensix.lang.params import materialize
from tensix.presets import preset
from tensix.programs.stages.build import program
from tensix.programs.stages.layout import core_schedules, subblocks
from tensix.schedule.contract import Block, Matmul
from tensix.timing import TimingModel

# 512 x 512 @ 512 x 1536 on a 4x4 grid: 4 x 12-tile blocks of 16 x 48 output tiles (more than DST's 16), 16 k tiles
SOURCE = """\
input x: {dt}[512, 512]
param w: {dt}[512, 1536] = random(seed=1, std=0.05)
param b: {dt}[1536] = random(seed=2, std=0.05)
output y = relu(x @ w + b) @cores(0..3, 0..3)
"""
WH = preset("wormhole_n150")


def _old(step):
    """The replaced plan of one step: every sub-block a block of its own, over all of k, at most 4 k tiles a step."""
    if not isinstance(step, Matmul) or step.sub is None:
        return step
    blocks = tuple(Block(b.a_row + i0, h, b.col + j0, w, b.b_offset, b.out_row + i0)
                   for b in step.blocks for i0, h, j0, w in subblocks(step, b))
    return replace(step, blocks=blocks, sub=None, kb=min(4, step.kt))


def _old_plan(schedule, cfg):
    steps = {cs.core: [_old(s) for s in cs.steps] for cs in schedule.cores}
    formats = {b.name: b.dtype for b in schedule.buffers}
    count, cores = core_schedules(steps, formats, cfg.l1_alignment)
    return program(replace(schedule, semaphores=count, cores=tuple(cores)))


def _runs(dt: str, cfg):
    compiled = compile_source(SOURCE.format(dt=dt), "mm.tdf", cfg)
    feed = device_feed(compiled, make_inputs(compiled.graph, 0), materialize(compiled.graph))
    new = Mesh(cfg).run(compiled.program, feed)
    old = Mesh(WH).run(_old_plan(compiled.schedule, WH), feed)  # its kb of 4 may need more L1; bits do not
    return compiled.schedule.cores[0].steps[0], new, old


def _read(result) -> int:
    return sum(b.bytes_read for b in result.stats.dram)


def _l1_acc_reference(x, w, b, kb: int, dt: str) -> np.ndarray:
    """relu(x @ w + b) in the order the k-blocked plan adds (numpy): every product and sum rounded to float32 as
    the matrix engine's (k ascending into DST); each k step of kb tiles summed in DST from zero and added to the
    fp32 partial sums by the packer (L1 accumulation); the last k step on top of the reloaded partial sums."""
    x, w, b = (np.asarray(v, np.float32).astype(ml_dtypes.bfloat16 if dt == "bf16" else np.float32)
               .astype(np.float32) for v in (x, w, b))
    steps = [range(k, min(k + 32 * kb, x.shape[1])) for k in range(0, x.shape[1], 32 * kb)]
    partial = np.zeros((x.shape[0], w.shape[1]), np.float32)
    for n, ks in enumerate(steps):
        dst = partial.copy() if n == len(steps) - 1 else np.zeros_like(partial)
        for k in ks:
            dst += np.multiply.outer(x[:, k], w[k])
        partial = dst if n in (0, len(steps) - 1) else partial + dst
    y = np.maximum(partial + b, np.float32(0))
    return y.astype(ml_dtypes.bfloat16).astype(np.float32) if dt == "bf16" else y


# L1 sizes giving k steps of 3 tiles (lang/passes/plans._plan): partial sums cross k steps
@pytest.mark.parametrize(("dt", "kib"), [("fp32", 1024), ("bf16", 640)])
def test_the_k_blocked_plan_accumulates_in_the_packer_and_reads_each_band_once_per_row_and_column(dt, kib):
    mm, new, old = _runs(dt, WH.with_(l1_bytes=kib * 1024))
    assert mm.blocks == (Block(0, 4, 0, 12, 0, 0),) and mm.sub == (4, 4) and mm.kb == 3
    # the packer's accumulation adds each k step's sum to the partial sums, where the replaced plan added every
    # product to them in DST: the same sums in another order, so equal to float32 rounding, and bit for bit the
    # order written out in numpy
    compiled = compile_source(SOURCE.format(dt=dt), "mm.tdf", WH)
    x, params = make_inputs(compiled.graph, 0)["x"], materialize(compiled.graph)
    want = _l1_acc_reference(x, params["w"], params["b"], mm.kb, dt)
    np.testing.assert_array_equal(new.outputs["y"], want)
    np.testing.assert_allclose(new.outputs["y"], old.outputs["y"], rtol=1e-2 if dt == "bf16" else 1e-5, atol=1e-5)
    tile = 4096 if dt == "fp32" else 2048
    # ideal 2-D blocking: each grid row's 4 x 16-tile band of x once, each column's 16 x 12-tile band of w once;
    # every core reads its 12 bias tiles
    assert _read(new) == (16 * 16 + 16 * 48 + 16 * 12) * tile
    assert _read(old) == (3 * 16 * 16 + 16 * 48 + 16 * 12) * tile  # x's band once per 4 x 4 sub-block


def test_the_compute_kernel_of_a_k_blocked_matmul_costs_its_products_spills_and_epilogue():
    cfg = WH.with_(l1_bytes=640 * 1024)
    mm, new, _ = _runs("bf16", cfg)
    # hand-derived, per core: 16 k x 48 tile products on the math thread, the partial sums copied back in the last
    # of the 6 k steps, then the bias added, relu, and the bf16 result packed (to the writer's CB: in order, here);
    # the packer thread packs every output tile to fp32 after the first k step and with L1 accumulation (4096 B at
    # 32 B a cycle) after the next four, beside the math: a sub-block's packs (16 x 130) take less than the next
    # sub-block's products (16 x 3 x 64), so the math thread never waits for a DST half
    t = TimingModel()
    assert -(-mm.kt // mm.kb) == 6
    expected = (16 * 48 * t.matmul("HiFi4", "bf16") + 48 * t.unpack("fp32")
                + 48 * (t.eltwise("add", "HiFi4", "bf16", 1) + t.sfpu("relu") + t.pack("bf16")))
    packed = 48 * (t.pack("fp32") + 4 * t.pack("fp32", True))
    # relu: 32 rows of SFPLOAD, one instruction, SFPSTORE
    assert expected == 16 * 48 * 64 + 48 * 66 + 48 * (34 + 32 * 3 + 34) and packed == 48 * (66 + 4 * 130)
    busy = {c.core: dict(c.busy_cycles)["compute"] for c in new.stats.cores}
    assert set(busy.values()) == {expected}
    packer, waits = {}, set()
    for s in new.trace.spans:
        if s.role == "packer":
            packer[s.core] = packer.get(s.core, 0) + s.end - s.start
        if s.role == "compute" and s.name in ("wait:dst_half", "wait:packer"):
            waits.add(s.core)
    assert set(packer.values()) == {packed} and len(packer) == len(busy) and not waits


def test_partial_sums_too_large_for_l1_go_in_column_passes_each_reading_the_activation_band_again():
    mm, new, old = _runs("bf16", WH.with_(l1_bytes=160 * 1024))
    # 4 x 12 tiles of fp32 partial sums (192 KiB) exceed 40% of L1: three 4 x 4 blocks, each fits DST
    assert mm.blocks == tuple(Block(0, 4, c, 4, 0, 0) for c in (0, 4, 8)) and mm.sub == (4, 4)
    np.testing.assert_array_equal(new.outputs["y"], old.outputs["y"])
    assert _read(new) == (3 * 16 * 16 + 16 * 48 + 16 * 12) * 2048


def test_a_decode_matmul_streams_its_weights_once_and_multicasts_the_activation_row():
    source = ("input x: bf16[1, 1024]\nparam w: bf16[1024, 2048] = random(seed=1, std=0.05)\n"
              "output y = x @ w @cores(0..3, 0..3)\n")
    compiled = compile_source(source, "mm.tdf", WH)
    steps = {cs.core: cs.steps[0] for cs in compiled.schedule.cores}
    # 64 output tile columns over the 16 cores; 32 k tiles of weights in 8 steps of 4, the activation row at once
    assert len(steps) == 16 and {s.kb for s in steps.values()} == {4} and {s.a_kb for s in steps.values()} == {32}
    assert sorted(c for s in steps.values() for b in s.blocks for c in range(b.col, b.col + b.cols)) == list(range(64))
    assert {s.mcast.a.sender for s in steps.values()} == {(0, 0)} and steps[(1, 2)].mcast.a.n == 15
    feed = device_feed(compiled, make_inputs(compiled.graph, 0), materialize(compiled.graph))
    new = Mesh(WH).run(compiled.program, feed)
    # the replaced plan: every core reads the activation row and its weights itself, a k tile at a time
    old_steps = {c: [replace(s, mcast=None, kb=1, a_kb=0, b_slots=0)] for c, s in steps.items()}
    formats = {b.name: b.dtype for b in compiled.schedule.buffers}
    count, cores = core_schedules(old_steps, formats, WH.l1_alignment)
    old = Mesh(WH).run(program(replace(compiled.schedule, semaphores=count, cores=tuple(cores))), feed)
    np.testing.assert_array_equal(new.outputs["y"], old.outputs["y"])
    assert _read(new) == (32 + 32 * 64) * 2048  # the activation row once, every weight tile once
    assert _read(old) == (16 * 32 + 32 * 64) * 2048
    assert new.cycles < old.cycles



def test_a_spilling_block_has_an_output_cb_for_all_its_sub_blocks_so_the_math_never_waits_for_the_writer():
    # tt-metal's multicast matmul sizes its output CB to the whole output block (out_CB_tiles = out_block_tiles):
    # here 3 sub-blocks of 4 x 4 tiles, where a block that does not spill double-buffers 2. At LoFi with no
    # epilogue the last k step packs a sub-block faster than the writer stores one in DRAM: with 2 sub-blocks'
    # room the math thread waited 15,552 cycles for it
    src = SOURCE.replace("relu(x @ w + b)", "x @ w").format(dt="bf16")
    compiled = compile_source(src, "mm.tdf", WH.with_(l1_bytes=640 * 1024), fidelity="lofi")
    mm = compiled.schedule.cores[0].steps[0]
    assert len(subblocks(mm, mm.blocks[0])) == 3 and mm.sub == (4, 4) and mm.kb == 3
    outs = {cb.pages for cs in compiled.schedule.cores for cb in cs.cbs if cb.name.startswith("mm_out")}
    assert outs == {3 * 16}
    result = Mesh(compiled.device, timing_only=True).run(compiled.program)
    assert not [s for s in result.trace.spans if s.role == "compute" and "mm_out" in s.name]
