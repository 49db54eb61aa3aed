"""A decode matmul's k step with zero skipping taken whole: the activation copied a run of nonzero tiles at a time,
and the compute kernel's face checks and products in one kernel call, with the bits of tile by tile."""

import numpy as np
import pytest

from tensix import Mesh
from tensix.formats import quantize
from tensix.kernels import jit, ref
from tensix.program import BufferSpec
from tensix.programs.stages.build import build_program


@pytest.mark.parametrize("impl", ["jit", "py_func", "ref"])
def test_a_step_of_face_checks_and_products_has_the_bits_of_tile_by_tile(impl):
    rng = np.random.default_rng(7)
    a = rng.standard_normal((6, 32, 32)).astype(np.float32)
    a[0, 16:] = 0  # faces 0 and 1 live: a tile of up to 16 tokens
    a[1] = 0  # nothing to multiply
    a[2, :, :16] = 0  # faces 1 and 3
    a[3, :16, 16:] = -0.0  # face 1 zero (negative zeros are zeros)
    b = rng.standard_normal((12, 32, 32)).astype(np.float32)
    c0 = rng.standard_normal((16, 32, 32)).astype(np.float32)
    fn = {"jit": jit.matmul_faces_step, "py_func": jit.matmul_faces_step.py_func, "ref": ref.matmul_faces_step}[impl]
    step, faces, zeros = c0.copy(), np.empty(6, np.int64), np.empty(6, np.int64)
    fn(a, b, step, 6, 2, faces, zeros)
    tiles = c0.copy()
    for kk in range(6):
        bits, zero = jit.zero_faces(a[kk])
        assert (faces[kk], zeros[kk]) == (bits, zero)
        for j in range(2):
            jit.matmul_acc_faces(a[kk], b[2 * kk + j], tiles[j], bits)
    assert faces.tolist() == [0b0011, 0, 0b1010, 0b1101, 0b1111, 0b1111]
    assert zeros.tolist() == [512, 1024, 512, 256, 0, 0]
    np.testing.assert_array_equal(step, tiles)  # DST tiles past ct untouched too
    for j in range(2):  # against numpy: DST tile j += the sum over the step of a[kk] @ b[2 kk + j]
        expect = c0[j] + sum(a[kk].astype(np.float64) @ b[2 * kk + j] for kk in range(6))
        np.testing.assert_allclose(step[j], expect, rtol=1e-4, atol=1e-4)


def _rows_matmul(h, w):
    """One core, two output tiles, k steps of 8 tiles (the column-split plan's matmul_rows)."""
    bufs = [BufferSpec("h", h.shape, "bf16", "input"), BufferSpec("w", w.shape, "bf16", "param"),
            BufferSpec("w.rows", w.shape, "bf16", "param", "rows", "w"), BufferSpec("y", (h.shape[0], 64), "bf16",
                                                                                    "output")]
    steps = {(0, 0): [{"op": "matmul_rows", "a": "h", "b": "w", "b_rows": "w.rows", "out": "y", "kt": 16, "kb": 8,
                       "b_cols": 2, "out_cols": 2, "blocks": [[0, 1, 0, 2, 0, 0]]}]}
    return build_program("rows", bufs, steps)


def test_a_streamed_step_copies_each_run_of_nonzero_activation_tiles_with_one_read():
    rng = np.random.default_rng(3)
    h = np.abs(rng.standard_normal((8, 512))).astype(np.float32) + 0.1  # every column live: both steps stream
    h[:, 3 * 32:4 * 32] = 0  # k tiles 3 and 5 zero: step 0 sends tiles 0-2, 4, 6-7
    h[:, 5 * 32:6 * 32] = 0
    w = rng.standard_normal((512, 64)).astype(np.float32)
    p = _rows_matmul(h, w)
    dense, skip = Mesh().run(p, {"h": h, "w": w}), Mesh(zero_skip=True).run(p, {"h": h, "w": w})
    np.testing.assert_array_equal(skip.outputs["y"], dense.outputs["y"])
    np.testing.assert_allclose(skip.outputs["y"], quantize(quantize(h, "bf16") @ quantize(w, "bf16"), "bf16"),
                               rtol=2e-2, atol=2e-2)
    # staging to the activation CB on the core itself: three runs of step 0 (3, 1 and 2 tiles of 2,048 bytes)
    # and step 1 whole, where each tile was a read of its own (14)
    local = [t.nbytes for t in skip.trace.transfers if t.src == t.dst]
    assert local == [3 * 2048, 2048, 2 * 2048, 8 * 2048]
    totals = skip.stats.zero_skip.totals
    # 2 zero k tiles x 2 output tiles not multiplied or read; every other tile's faces 2 and 3 (rows 16-31) zero
    assert totals.macs_skipped == 2 * 2 * 32768 + 14 * 2 * 2 * 8192
    assert totals.macs_total == 16 * 2 * 32768
