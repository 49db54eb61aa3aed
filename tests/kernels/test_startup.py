"""A process's first numba kernel loads without importing scipy.linalg or numpy.ma (tensix/kernels/jit/startup.py):
numba asks for scipy's BLAS when it loads its array math, which took ~0.6 s of every fresh `tensix run`, and
whether an array is a masked one when it first types an array (~25 ms)."""

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
print("scipy.linalg" in sys.modules, sys.modules["numba.np.arraymath"]._HAVE_BLAS, "numpy.ma" in sys.modules)
import numba
import numpy.ma
try:  # numpy.ma imported: a masked array is refused as numba refuses it
    numba.njit(lambda x: x.sum())(np.ma.masked_array([1.0, 2.0], mask=[0, 1]))
except numba.core.errors.NumbaTypeError as e:
    print("Unsupported array type: numpy.ma.MaskedArray" in str(e))
"""


def test_first_kernel_leaves_scipy_linalg_and_numpy_ma_unimported():
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True,
                          env={**os.environ, "TENSIX_JIT": "1"})
    assert done.stdout.split() == ["False", "False", "False", "True"]
