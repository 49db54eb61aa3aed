"""Zero-activation skipping: identical outputs, counters equal to hand counts, real savings where zeros are."""

import numpy as np
import pytest

from tensix import Mesh
from tensix.formats import quantize
from tensix.kernels import jit, ref
from tensix.program import BufferSpec
from tensix.programs.stages.build import build_program
from tensix.zeroskip import ZeroSkip

RNG = np.random.default_rng(0)


def _tiled_matmul(x, w, fmt="bf16"):
    m, k = x.shape
    n = w.shape[1]
    bufs = [BufferSpec("x", x.shape, fmt, "input"), BufferSpec("w", w.shape, fmt, "param"),
            BufferSpec("y", (m, n), fmt, "output")]
    mm = {"op": "matmul", "a": "x", "b": "w", "out": "y", "kt": k // 32, "b_cols": n // 32, "out_cols": n // 32,
          "blocks": [[0, m // 32, 0, n // 32, 0, 0]]}
    return build_program("t", bufs, {(0, 0): [mm]})


def test_zero_k_tiles_skip_math_and_weight_reads_by_hand_count():
    x = RNG.standard_normal((64, 128), dtype=np.float32)
    x[:, 32:96] = 0  # k-tiles 1 and 2 of both tile rows are zero: 4 zero activation tiles
    w = RNG.standard_normal((128, 64), dtype=np.float32)
    p = _tiled_matmul(x, w)
    dense, skip = Mesh().run(p, {"x": x, "w": w}), Mesh(zero_skip=True).run(p, {"x": x, "w": w})
    np.testing.assert_array_equal(dense.outputs["y"], skip.outputs["y"])
    totals = skip.stats.zero_skip.totals
    assert totals.macs_total == 2 * 2 * 4 * 32768  # 2x2 output tiles, 4 k-steps
    assert totals.macs_skipped == 8 * 32768  # the 4 zero tiles times 2 output columns
    # 4 zero activation pages cross as 16-byte headers, and 2 k-steps x 2 weight tiles are never read
    assert totals.noc_bytes_skipped == totals.dram_bytes_skipped == 4 * (2048 - 16) + 4 * 2048
    # 8 matmuls x 64 cycles avoided, minus a 32-cycle zero check on each of the 8 activation tiles
    assert totals.cycles_skipped == 8 * 64 - 8 * 32
    assert skip.cycles < dense.cycles


def test_zero_faces_skip_a_quarter_of_the_math_each():
    x = RNG.standard_normal((32, 32), dtype=np.float32)
    x[16:, :16] = 0  # one of four 16x16 faces
    w = RNG.standard_normal((32, 32), dtype=np.float32)
    p = _tiled_matmul(x, w, "fp32")
    r = Mesh(zero_skip=True).run(p, {"x": x, "w": w})
    np.testing.assert_array_equal(r.outputs["y"], Mesh().run(p, {"x": x, "w": w}).outputs["y"])
    op = r.stats.zero_skip.ops[0]
    assert (op.macs_skipped, op.zero_fraction) == (8192, 0.25)
    # on the NoC the page is a 16-byte header plus its three live 1 KiB fp32 faces
    assert op.noc_bytes_skipped == op.dram_bytes_skipped == 4096 - 16 - 3 * 1024
    assert op.cycles_avoided == 64 - 48


@pytest.mark.parametrize("impl", ["jit", "py_func", "ref"])
def test_face_skipping_kernel_matches_numpy_and_is_bit_identical_to_dense(impl):
    a = RNG.standard_normal((32, 32)).astype(np.float32)
    a[:16, 16:] = 0
    b = RNG.standard_normal((32, 32)).astype(np.float32)
    fn = {"jit": jit.matmul_acc_faces, "py_func": jit.matmul_acc_faces.py_func, "ref": ref.matmul_acc_faces}[impl]
    bits, zeros = {"jit": jit.zero_faces, "py_func": jit.zero_faces.py_func, "ref": ref.zero_faces}[impl](a)
    assert (bits, zeros) == (0b1101, 256)
    out = np.zeros((32, 32), np.float32)
    fn(a, b, out, bits)
    np.testing.assert_allclose(out, a @ b, rtol=1e-5, atol=1e-5)
    if impl == "jit":
        dense = np.zeros((32, 32), np.float32)
        jit.matmul_acc(a, b, dense)
        np.testing.assert_array_equal(out, dense)


@pytest.mark.parametrize("faces", range(16))
@pytest.mark.parametrize("impl", ["jit", "tile_py_func", "ref"])
def test_face_skipping_is_bit_identical_to_dense_for_every_face_mask(impl, faces):
    """In each implementation (the numpy one too, under TENSIX_JIT=0), and all of them alike."""
    rng = np.random.default_rng(faces)
    a = rng.standard_normal((32, 32)).astype(np.float32)
    for f in range(4):
        if not faces >> f & 1:
            a[16 * (f >> 1):16 * (f >> 1) + 16, 16 * (f & 1):16 * (f & 1) + 16] = 0
    b = rng.standard_normal((32, 32)).astype(np.float32)
    c0 = rng.standard_normal((32, 32)).astype(np.float32)
    dense, skip, jit_dense = c0.copy(), c0.copy(), c0.copy()
    (ref.matmul_acc if impl == "ref" else jit.matmul_acc)(a, b, dense)
    if impl == "jit":
        jit.matmul_acc_faces(a, b, skip, faces)
    elif impl == "ref":
        ref.matmul_acc_faces(a, b, skip, faces)
    else:
        jit._matmul_tile.py_func(a, b, skip, faces)
    np.testing.assert_array_equal(skip, dense)
    jit.matmul_acc(a, b, jit_dense)
    np.testing.assert_array_equal(dense, jit_dense)


def _rows_matmul(h, w):
    b, k = h.shape
    n = w.shape[1]
    bufs = [BufferSpec("h", h.shape, "bf16", "input"), BufferSpec("w", w.shape, "bf16", "param"),
            BufferSpec("w.rows", w.shape, "bf16", "param", "rows", "w"), BufferSpec("y", (b, n), "bf16", "output")]
    steps = {(i, 0): [{"op": "matmul_rows", "a": "h", "b": "w", "b_rows": "w.rows", "out": "y", "kt": k // 32,
                       "kb": 8, "b_cols": n // 32, "out_cols": n // 32, "blocks": [[0, 1, 2 * i, 2, 0, 0]]}]
             for i in range(n // 64)}
    return build_program("rows", bufs, steps)


def test_neuron_level_skipping_gathers_only_live_weight_rows():
    h = np.abs(RNG.standard_normal((4, 1024))).astype(np.float32)
    h[:, RNG.random(1024) < 0.9] = 0  # 90% of the activation columns are zero for every token
    w = RNG.standard_normal((1024, 128)).astype(np.float32) * 0.05
    p = _rows_matmul(h, w)
    dense, skip = Mesh().run(p, {"h": h, "w": w}), Mesh(zero_skip=True).run(p, {"h": h, "w": w})
    expected = quantize(quantize(h, "bf16") @ quantize(w, "bf16"), "bf16")
    np.testing.assert_allclose(skip.outputs["y"], expected, rtol=1e-2, atol=1e-2)
    np.testing.assert_allclose(dense.outputs["y"], expected, rtol=1e-2, atol=1e-2)
    cols = h.any(axis=0)  # live activation columns: their weight rows are gathered
    live = int(cols.sum())
    # per k step of 8 k tiles (256 columns), its live columns packed 32 to a tile
    groups = sum(-(-int(cols[i:i + 256].sum()) // 32) for i in range(0, 1024, 256))
    totals = skip.stats.zero_skip.totals
    # 4 tokens fill rows 0-3 of each activation tile: faces 2 and 3 are padding; faces 0 and 1 are live when
    # their 16 columns hold a nonzero. A page crosses the NoC as a 16-byte header plus its live 512-byte faces.
    halves = h.reshape(4, 64, 16).any(axis=(0, 2)).reshape(32, 2).sum(axis=1)  # live faces per k-tile
    activation_saved = int((2048 - 16 - 512 * halves).sum())
    output_saved = 4 * (2048 - 16 - 2 * 512)  # 4 output tiles, rows 0-3 only
    # per output block (2 of 4 column tiles each): 32 k tiles of 2 weight tiles are read as `live` rows of 2 x 32
    # bf16 values, and multiplied as `groups` packed tiles
    assert totals.dram_bytes_skipped == 2 * (32 * 2 * 2048 - live * 2 * 32 * 2 + activation_saved) + output_saved
    assert totals.macs_skipped >= 2 * (32 - groups) * 2 * 32768
    rows_read = [t for t in skip.trace.transfers if t.kind == "read" and t.nbytes == 2 * 32 * 2]
    assert len(rows_read) == 2 * live  # one NoC read per live weight row, per block
    # against the same plan run dense (8 k tiles a step, streamed): about 8x fewer MACs and weight bytes, but the
    # checks, the row reads and the compaction cost
    assert dense.cycles / skip.cycles > 1.5


def test_threshold_mode_flushes_small_values_and_changes_outputs():
    x = RNG.standard_normal((32, 64), dtype=np.float32)
    w = RNG.standard_normal((64, 32), dtype=np.float32)
    p = _tiled_matmul(x, w, "fp32")
    exact = Mesh(zero_skip=True).run(p, {"x": x, "w": w}).outputs["y"]
    loose = Mesh(zero_skip=ZeroSkip(threshold=4.0)).run(p, {"x": x, "w": w}).outputs["y"]
    expected = x @ w
    expected[np.abs(expected) < 4.0] = 0
    np.testing.assert_allclose(loose, expected, rtol=1e-5, atol=1e-4)
    assert not np.array_equal(loose, exact)


def test_counters_added_in_place_and_by_name_meet_in_one_row():
    from tensix.zeroskip import CYCLES_AVOIDED, MACS_SKIPPED, MACS_TOTAL, ZeroSkipPolicy

    policy = ZeroSkipPolicy(ZeroSkip())
    policy.add((1, 0), "matmul %3", macs_total=32768, macs_skipped=8192, cycles_avoided=16)
    row = policy.row((1, 0), "matmul %3")
    row[MACS_TOTAL] += 32768
    row[MACS_SKIPPED] += 16384
    row[CYCLES_AVOIDED] += 32
    policy.add((1, 0), "matmul %3", steps_gathered=1)
    [op] = policy.to_stats().ops
    assert (op.macs_total, op.macs_skipped, op.cycles_avoided, op.steps_gathered) == (65536, 24576, 48, 1)
    assert policy.row((0, 1), "matmul %3") == [0] * 10 and len(policy.to_stats().ops) == 2
