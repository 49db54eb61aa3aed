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


def set_up() -> None:
    """Numba's own setup, which a process's first kernel load (a cached kernel too) does otherwise: its typing and
    target contexts and the runtime it compiles, under numba's compiler lock (tensix.kernels.cold.warm_up runs it
    in a background thread). A setup that fails here is left to that first load, which reports it."""
    from numba.core.compiler_lock import global_compiler_lock
    from numba.core.registry import cpu_target

    try:
        with global_compiler_lock:
            cpu_target.target_context.refresh()
            cpu_target.typing_context.refresh()
    except Exception:  # noqa: BLE001 (the first kernel load sets up again and raises it where it is used)
        pass


arraymath_without_scipy()
