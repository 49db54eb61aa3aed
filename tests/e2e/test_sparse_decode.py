"""Sparse decode matmul as compiled on the column-split plan (`matmul_rows`, what a matmul with a bias gets): one core
fetches the activation vector and multicasts it to the others. (tests/e2e/test_split_decode.py: the k-split plan.)"""

from dataclasses import replace

import numpy as np
import pytest

import tensix.programs.stages.layout as layout
from tensix import Mesh
from tensix.errors import TensixError
from tensix.formats import quantize
from tensix.lang.check import check_source
from tensix.lang.compiler import compile_graph
from tensix.lang.driver import device_feed
from tensix.lang.params import materialize
from tensix.lang.passes.splitk import column_split


def compile_source(text: str, path: str, **kw):
    """The program compiled with its skipping decode matmuls on the column-split plan."""
    return compile_graph(column_split(check_source(text, path)), **kw)

SOURCE = """\
input h: bf16[1, 1024]
param w: bf16[1024, 512] = random(seed=4, std=0.05)
output y = relu(h) @ w
"""


def test_activation_band_is_read_once_and_multicast_along_the_row():
    h = np.abs(np.random.default_rng(1).standard_normal((1, 1024))).astype(np.float32)
    h[:, np.random.default_rng(2).random(1024) < 0.95] = 0  # every k step at most 12.5% live: all gathered
    runs = {}
    for skip in (False, True):
        compiled = compile_source(SOURCE, "d.tdf", zero_skip=skip)
        feed = device_feed(compiled, {"h": h}, materialize(compiled.graph))
        runs[skip] = Mesh(compiled.device, zero_skip=skip).run(compiled.program, feed)
    np.testing.assert_array_equal(runs[False].outputs["y"], runs[True].outputs["y"])
    sparse = runs[True]
    steps = [k.args["steps"][-1] for k in sparse.program.kernels if k.role == "reader"
             and k.args["steps"][-1].op == "matmul_rows"]
    dense = {k.core: k.args["steps"][-1] for k in runs[False].program.kernels if k.role == "reader"
             and k.args["steps"][-1].op == "matmul"}
    # the dense decode plan's cores and column runs (16 output tiles, one a core), its k steps and multicast (the
    # dense plan spreads the activation row over its cores, relu's output being written by several: the skipping
    # plan keeps one sender, which reads the band's zero headers for all)
    assert {k.core: (s.blocks, s.kb, s.mcast) for k, s in zip(
        [k for k in sparse.program.kernels if k.role == "reader" and k.args["steps"][-1].op == "matmul_rows"],
        steps, strict=True)} == {c: (s.blocks, s.kb, replace(s.mcast, a=replace(s.mcast.a, senders=())))
                                 for c, s in dense.items()}
    assert all(s.mcast.a.senders for s in dense.values())
    assert len(steps) == 16 and steps[0].kb == 4  # 32 k tiles in 8 steps
    sender = steps[0].mcast.a.sender
    mcasts = [t for t in sparse.trace.transfers if t.kind == "mcast"]
    # the 32-tile band once, to the 15 others, in 8 chunks of a k step (4 tiles) each, on the NoC its reads do not
    # use (the dense plan's reads and the gathers are on NoC 0)
    assert len(mcasts) == 8 and {(t.issuer, t.noc, t.rect) for t in mcasts} == {(sender, 1, mcasts[0].rect)}
    assert len({t.id for t in mcasts}) == 8 and steps[0].noc == 0
    # reads of one-token activation tiles (header + at most two live faces): the relu op reads each of the 32
    # pages of h once; the matmul's band (32 pages of relu(h)) is read by the sender only, not by all 16 cores
    band_reads = [t for t in sparse.trace.transfers if t.kind == "read" and t.nbytes in (16, 528, 1040)]
    assert len(band_reads) == 32 + 32
    assert sum(t.issuer == sender for t in band_reads) >= 32
    # skipping keeps the zero rows' weights in DRAM (85,248 B moved against the dense run's 1,146,880). In cycles this
    # column-split plan (9,611) no longer beats the dense plan (8,737), whose row spreads over its cores with one
    # readiness multicast a core (stages/mcast.spread_row); the compiler's own skipping plan for it takes 3,987
    assert sparse.stats.dram_bytes * 10 < runs[False].stats.dram_bytes



BOTH = """\
input x: bf16[128, 256]
param w: bf16[256, 256] = random(seed=5, std=0.05)
input h: bf16[1, 512]
param w2: bf16[512, 128] = random(seed=6, std=0.05)
output y = x @ w
output z = relu(h) @ w2
"""


def _cores(program, op: str, mcast: bool = False) -> set:
    return {k.core for k in program.kernels if k.role == "reader"
            and any(s.op == op and (bool(getattr(s, "mcast", None)) or not mcast) for s in k.args["steps"])}


def test_staging_sits_only_on_the_sparse_matmul_cores():
    program = compile_source(SOURCE, "d.tdf", zero_skip=True).program
    staged = {b.core for b in program.l1_buffers if b.name == "rows_stage"}
    assert staged == _cores(program, "matmul_rows") and len(staged) == 16
    assert len({k.core for k in program.kernels}) > 16  # the relu op's other cores hold no staging


def test_grid_multicast_cores_sharing_a_sparse_core_all_hold_the_staging_and_runs_land():
    """A core of the grid multicast matmul also runs the sparse one: every grid core then declares the staging,
    so their operand CBs still sit at one address (the grid sender multicasts into them)."""
    x = np.random.default_rng(3).standard_normal((128, 256)).astype(np.float32)
    h = np.abs(np.random.default_rng(4).standard_normal((1, 512))).astype(np.float32)
    h[:, ::3] = 0
    compiled = compile_source(BOTH, "both.tdf", zero_skip=True)
    params = materialize(compiled.graph)
    program = compiled.program
    sparse, grid = _cores(program, "matmul_rows"), _cores(program, "matmul", mcast=True)
    assert sparse & grid and len(grid) > len(sparse)
    staged = {b.core for b in program.l1_buffers if b.name == "rows_stage"}
    assert staged == sparse | grid
    result = Mesh(compiled.device, zero_skip=True).run(program, device_feed(compiled, {"x": x, "h": h}, params))
    y = quantize(quantize(x, "bf16") @ params["w"], "bf16")
    z = quantize(np.maximum(quantize(h, "bf16"), 0) @ params["w2"], "bf16")
    np.testing.assert_allclose(result.outputs["y"], y, rtol=0.02, atol=0.02)
    np.testing.assert_allclose(result.outputs["z"], z, rtol=0.02, atol=0.02)


def test_a_multicast_row_with_its_cbs_at_different_addresses_is_an_error_not_a_wrong_result(monkeypatch):
    """Were the layout rule above broken, the grid sender's bands would land beside the receivers' CBs; the
    receiving reader checks the address and says so."""
    def sparse_cores_only(steps, formats):
        return {c: v for c, v in layout_staging(steps, formats).items()
                if any(s.op == "matmul_rows" for s in steps[c])}

    layout_staging = layout.staging_sizes
    monkeypatch.setattr(layout, "staging_sizes", sparse_cores_only)
    compiled = compile_source(BOTH, "both.tdf", zero_skip=True)
    x = np.zeros((128, 256), np.float32)
    h = np.zeros((1, 512), np.float32)
    with pytest.raises(TensixError, match=r"multicast operand CB \d+ sits at 0x[0-9a-f]+ .* on the sender"):
        Mesh(compiled.device, zero_skip=True).run(
            compiled.program, device_feed(compiled, {"x": x, "h": h}, materialize(compiled.graph)))


MARKED = """\
input h: bf16[1, 1024] {mark}
param w: bf16[1024, 512] = random(seed=4, std=0.05)
output y = h @ w
"""


@pytest.mark.parametrize("mark", ["@sparse", ""])
def test_an_input_marked_sparse_gets_the_neuron_skipping_plan_and_the_dense_result(mark):
    """A ReLU output computed elsewhere reaches the program as an input: `@sparse` says so, and with skipping on
    its matmul gathers only the weight rows of live columns; unmarked, the compiler cannot know and keeps tiles."""
    h = np.abs(np.random.default_rng(1).standard_normal((1, 1024))).astype(np.float32)
    h[:, np.random.default_rng(2).random(1024) < 0.95] = 0  # every k step at most 12.5% live: all gathered
    runs = {}
    for skip in (False, True):
        compiled = compile_source(MARKED.format(mark=mark), "m.tdf", zero_skip=skip)
        feed = device_feed(compiled, {"h": h}, materialize(compiled.graph))
        runs[skip] = Mesh(compiled.device, zero_skip=skip).run(compiled.program, feed)
    np.testing.assert_array_equal(runs[False].outputs["y"], runs[True].outputs["y"])
    sparse = runs[True].program
    assert bool(_cores(sparse, "matmul_rows")) == bool(mark)
    assert not _cores(runs[False].program, "matmul_rows")
    live_rows = int(np.count_nonzero(quantize(h, "bf16")))
    row_reads = [t for t in runs[True].trace.transfers if t.kind == "read" and t.nbytes == 32 * 2]
    assert len(row_reads) == (16 * live_rows if mark else 0)  # each of the 16 cores reads its 32 columns of each


def test_gathered_fp32_rows_at_a_ragged_edge_give_the_dense_result():
    """Gathered rows become weight tiles by moving words (fp32 here): the last block is narrower than its 4
    tiles and the last group holds fewer than 32 rows; the rest of each tile must be zeros."""
    source = "input h: fp32[3, 1000] @sparse\nparam w: fp32[1000, 200] = random(seed=4, std=0.05)\noutput y = h @ w\n"
    h = np.abs(np.random.default_rng(1).standard_normal((3, 1000))).astype(np.float32)
    h[:, np.random.default_rng(2).random(1000) < 0.9] = 0
    outs = {}
    for skip in (False, True):
        compiled = compile_source(source, "f.tdf", zero_skip=skip)
        run = Mesh(compiled.device, zero_skip=skip).run(
            compiled.program, device_feed(compiled, {"h": h}, materialize(compiled.graph)))
        outs[skip] = run.outputs["y"]
    assert _cores(run.program, "matmul_rows")
    np.testing.assert_array_equal(outs[False], outs[True])


def test_an_all_zero_activation_reads_no_weight_row():
    h = np.zeros((1, 1024), np.float32)
    compiled = compile_source(MARKED.format(mark="@sparse"), "z.tdf", zero_skip=True)
    run = Mesh(compiled.device, zero_skip=True).run(
        compiled.program, device_feed(compiled, {"h": h}, materialize(compiled.graph)))
    assert not run.outputs["y"].any()
    assert not [t for t in run.trace.transfers if t.kind == "read" and t.nbytes == 32 * 2]  # row reads: above
