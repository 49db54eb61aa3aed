"""What numba loads with its first kernel, made cheaper: imported once, before any kernel runs.

numba's array-math module, which the first kernel of a process loads (a cached one too), asks at import whether
scipy's BLAS is there: importing scipy.linalg for that took ~0.6 s of every fresh process, more than a small run.
No kernel here calls BLAS, so that module is imported first with scipy.linalg out of sight: in jitted code numba
then runs np.convolve and np.correlate without BLAS, and np.dot still loads scipy when it is first compiled.
"""

import sys


def arraymath_without_scipy() -> None:
    """Import numba.np.arraymath while an import of scipy.linalg fails (unless either is imported already)."""
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return
    sys.modules["scipy.linalg"] = None  # meanwhile `import scipy.linalg...` raises ImportError
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        del sys.modules["scipy.linalg"]


arraymath_without_scipy()
