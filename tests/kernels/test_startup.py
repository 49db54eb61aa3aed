"""A process's first numba kernel loads without importing scipy.linalg (tensix/kernels/jit/startup.py): numba
asks for scipy's BLAS when it loads its array math, which took ~0.6 s of every fresh `tensix run`."""

import os
import subprocess
import sys

CODE = """
import sys
import numpy as np
from tensix import kernels as K
a = np.full((32, 32), 1.5, np.float32)
out = np.empty_like(a)
K.eltwise_binary(0, a, a, out)  # ops.ADD, compiled (TENSIX_JIT=1): numba loads its array math
assert (out == 3.0).all()
print("scipy.linalg" in sys.modules, sys.modules["numba.np.arraymath"]._HAVE_BLAS)
"""


def test_first_kernel_leaves_scipy_linalg_unimported():
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True,
                          env={**os.environ, "TENSIX_JIT": "1"})
    assert done.stdout.split() == ["False", "False"]
