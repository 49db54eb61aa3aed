"""What numba loads with its first kernel, made cheaper: imported once, before any kernel runs.

numba types an array argument (the first call of each kind of array in a process) by first asking whether it is a
numpy.ma.MaskedArray, and `np.ma` imports numpy.ma: ~25 ms of a fresh process's first run. No masked array exists
before numpy.ma is imported, so until then arrays are typed by numba's own function with that question answered
no; afterwards by numba's function as it is.

numba's array-math module, which the first kernel of a process loads (a cached one too), asks at import whether
scipy's BLAS is there: importing scipy.linalg for that took ~0.6 s of every fresh process, more than a small run.
No kernel here calls BLAS, so that module is imported first with scipy.linalg out of sight: in jitted code numba
then runs np.convolve and np.correlate without BLAS, and np.dot still loads scipy when it is first compiled.
"""

import sys
import types

import numpy as np


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


class _NotMasked:
    """A class no array is an instance of: numpy.ma.MaskedArray's stand-in until numpy.ma is imported."""


def typeof_arrays_without_numpy_ma() -> None:
    """Register numba's typing of numpy arrays again, with numpy.ma imported only once something else imports it
    (a masked array cannot exist before). The typing is numba's own code, run with `np.ma.MaskedArray` looked up
    in a stand-in; if numba's function is not as expected (it uses `np` for anything else), nothing changes."""
    from numba.core.typing import typeof as numba_typeof

    numba_way = getattr(numba_typeof, "_typeof_ndarray", None)
    code = getattr(numba_way, "__code__", None)
    if code is None or numba_way.__globals__.get("np") is not np or _uses_np_otherwise(code):
        return
    stand_in = types.SimpleNamespace(ma=types.SimpleNamespace(MaskedArray=_NotMasked))
    without_ma = types.FunctionType(code, {**numba_way.__globals__, "np": stand_in}, code.co_name,
                                    numba_way.__defaults__, numba_way.__closure__)

    def typeof_ndarray(val, c):
        return (numba_way if "numpy.ma" in sys.modules else without_ma)(val, c)

    numba_typeof.typeof_impl.register(np.ndarray)(typeof_ndarray)


def _uses_np_otherwise(code) -> bool:
    """Whether the function reads anything of `np` but `np.ma.MaskedArray` (its bytecode: each load of the global
    np followed by an attribute load of ma, then of MaskedArray)."""
    import dis

    ops = [(i.opname, i.argval) for i in dis.get_instructions(code) if i.opname not in ("CACHE", "PRECALL")]
    return any(ops[k + 1:k + 3] != [("LOAD_ATTR", "ma"), ("LOAD_ATTR", "MaskedArray")]
               for k, op in enumerate(ops) if op == ("LOAD_GLOBAL", "np"))


typeof_arrays_without_numpy_ma()
