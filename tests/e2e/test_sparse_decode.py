"""Sparse decode matmul as compiled: one core fetches the activation vector and multicasts it to the others."""

import numpy as np
from tensix.lang.compiler import compile_source
from tensix.lang.driver import device_feed
from tensix.lang.params import materialize

from tensix import Mesh

SOURCE = """\
input h: bf16[1, 1024]
param w: bf16[1024, 512] = random(seed=4, std=0.05)
output y = relu(h) @ w
"""


def test_activation_band_is_read_once_and_multicast_along_the_row():
    h = np.abs(np.random.default_rng(1).standard_normal((1, 1024))).astype(np.float32)
    h[:, np.random.default_rng(2).random(1024) < 0.9] = 0
    runs = {}
    for skip in (False, True):
        compiled = compile_source(SOURCE, "d.tdf", zero_skip=skip)
        feed = device_feed(compiled, {"h": h}, materialize(compiled.graph))
        runs[skip] = Mesh(compiled.device, zero_skip=skip).run(compiled.program, feed)
    np.testing.assert_array_equal(runs[False].outputs["y"], runs[True].outputs["y"])
    sparse = runs[True]
    steps = [k.args["steps"][-1] for k in sparse.program.kernels if k.role == "reader"
             and k.args["steps"][-1]["op"] == "matmul_rows"]
    assert len(steps) == 4  # 16 output tiles in 1x4 blocks
    sender = tuple(steps[0]["mcast"]["a"]["sender"])
    mcasts = [t for t in sparse.trace.transfers if t.kind == "mcast"]
    assert len(mcasts) == 1 and mcasts[0].issuer == sender  # the 32-tile band, once, to the 3 others
    # reads of one-token activation tiles (header + at most two live faces): the relu op reads each of the 32
    # pages of h once; the matmul's band (32 pages of relu(h)) is read by the sender only, not by all 4 cores
    band_reads = [t for t in sparse.trace.transfers if t.kind == "read" and t.nbytes in (16, 528, 1040)]
    assert len(band_reads) == 32 + 32
    assert sum(t.issuer == sender for t in band_reads) >= 32
    assert sparse.cycles < runs[False].cycles
