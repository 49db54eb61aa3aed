"""The LLK calls that run an SFPI face function over a tile (`_llk_math_eltwise_unary_sfpu_params_`,
`_llk_math_eltwise_binary_sfpu_params_`, `_llk_math_eltwise_ternary_sfpu_params_`, the `SFPU_*_CALL_NO_TEMPLATE_ARGS`
macros), the per-TRISC macros (`MATH(x)`, ...) and the experimental ckernel library functions examples call
(`my_add_tile_face`, `smoothstep_tile_face`).

As tt-llk's wrappers do: the unary one points Dst at its tile and calls f(*args) once per face, the binary and
ternary ones point Dst at tile 0 and call f(in0, in1, [in2,] out, *args) once per face (the face function adds
`tile * 32` itself); between faces Dst advances 16 rows (8 dst_reg rows). VectorMode.R runs faces 0 and 1,
C faces 0 and 2, RC all four. The instructions the face function executed cost `sfpi_instruction_cycles` each.
"""

from __future__ import annotations

import enum
import inspect

from tensix.errors import KernelError
from tensix.metal import sfpi
from tensix.metal.sfpi import ROWS_PER_FACE, ROWS_PER_TILE, SfpuState


class VectorMode(enum.IntEnum):
    """tt-llk's VectorMode (its `None` member is `VectorMode.NONE` here: `None` is a Python keyword)."""

    NONE = 0
    R = 1
    C = 2
    RC = 4
    RC_custom = 5


FACES = {VectorMode.R: (0, 1), VectorMode.C: (0, 2), VectorMode.RC: (0, 1, 2, 3), VectorMode.RC_custom: (0, 1, 2, 3),
         VectorMode.NONE: (0,)}


class BuildDefine(str):
    """A value the kernel build defines (DST_SYNC_MODE, DST_ACCUM_MODE, APPROX): the calls that take one read the
    kernel's ComputeConfig instead."""


DST_SYNC_MODE = BuildDefine("DST_SYNC_MODE")
DST_ACCUM_MODE = BuildDefine("DST_ACCUM_MODE")
APPROX = BuildDefine("APPROX")

_TAKES_CTX: dict = {}


def _takes_ctx(fn) -> bool:
    """Whether a face function was transliterated with ctx as its first parameter (kernel helpers are)."""
    if fn not in _TAKES_CTX:
        try:
            params = list(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            params = []
        _TAKES_CTX[fn] = bool(params) and params[0] == "ctx"
    return _TAKES_CTX[fn]


class LlkSfpuCalls:
    """Mixin of MetalCompute: the SFPU wrappers."""

    def _run_faces(self, name: str, fn, base_tile: int, vector_mode, call_args: tuple) -> None:
        mode = VectorMode(int(vector_mode))
        state = SfpuState(self, base_tile * ROWS_PER_TILE)
        lead = (self,) if _takes_ctx(fn) else ()
        sfpi._ACTIVE.append(state)
        try:
            for face in FACES[mode]:
                state.base = base_tile * ROWS_PER_TILE + face * ROWS_PER_FACE
                fn(*lead, *call_args)
                if state.frames:
                    raise KernelError(f"{self.where()}: {getattr(fn, '__name__', fn)} left {len(state.frames)} "
                                      f"v_if without v_endif")
        finally:
            sfpi._ACTIVE.pop()
        self.advance(name, state.instructions * self.timing.sfpi_instruction_cycles)

    def _check_dst(self, *indices) -> None:
        cap = len(self._dst_tiles)
        for i in indices:
            if not 0 <= int(i) < cap:
                raise KernelError(f"{self.where()}: DST index {int(i)} outside 0..{cap - 1} (DST holds {cap} tiles "
                                  f"with this ComputeConfig)")

    def _llk_math_eltwise_unary_sfpu_params_(self, sfpu_func, dst_index, vector_mode=VectorMode.RC, *args,
                                             approximate: bool = False, APPROXIMATE: bool = False) -> None:
        """sfpu_func(*args) once per face of DST tile dst_index (dst_reg[0] = the face's first row)."""
        self._need_sfpu()
        self._check_dst(dst_index)
        self._run_faces("sfpi", sfpu_func, int(dst_index), vector_mode, args)

    def _llk_math_eltwise_binary_sfpu_params_(self, sfpu_func, dst_index_in0, dst_index_in1, dst_index_out,
                                              vector_mode=VectorMode.RC, *args, approximate: bool = False,
                                              APPROXIMATE: bool = False) -> None:
        """sfpu_func(in0, in1, out, *args) once per face, dst_reg counted from DST tile 0."""
        self._need_sfpu()
        self._check_dst(dst_index_in0, dst_index_in1, dst_index_out)
        self._run_faces("sfpi", sfpu_func, 0, vector_mode, (dst_index_in0, dst_index_in1, dst_index_out, *args))

    def _llk_math_eltwise_ternary_sfpu_params_(self, sfpu_func, dst_index_in0, dst_index_in1, dst_index_in2,
                                               dst_index_out, vector_mode=VectorMode.RC, *args,
                                               approximate: bool = False, APPROXIMATE: bool = False) -> None:
        """sfpu_func(in0, in1, in2, out, *args) once per face, dst_reg counted from DST tile 0."""
        self._need_sfpu()
        self._check_dst(dst_index_in0, dst_index_in1, dst_index_in2, dst_index_out)
        self._run_faces("sfpi", sfpu_func, 0, vector_mode,
                        (dst_index_in0, dst_index_in1, dst_index_in2, dst_index_out, *args))

    def SFPU_UNARY_CALL_NO_TEMPLATE_ARGS(self, dst_sync, dst_accum, fn, dst_index, vector_mode=VectorMode.RC,
                                         *args) -> None:
        """The macro: a checked `_llk_math_eltwise_unary_sfpu_params_(fn, dst_index, vector_mode, *args)`."""
        self._llk_math_eltwise_unary_sfpu_params_(fn, dst_index, vector_mode, *args)

    def SFPU_BINARY_CALL_NO_TEMPLATE_ARGS(self, dst_sync, dst_accum, fn, dst_in0, dst_in1, dst_out,
                                          vector_mode=VectorMode.RC, *args) -> None:
        """The macro: a checked `_llk_math_eltwise_binary_sfpu_params_(fn, in0, in1, out, vector_mode, *args)`."""
        self._llk_math_eltwise_binary_sfpu_params_(fn, dst_in0, dst_in1, dst_out, vector_mode, *args)

    def _need_sfpu(self) -> None:
        self._need("an SFPU call", None, "")

    # MATH(x), UNPACK(x), PACK(x): x runs once (one Python thread stands for the three TRISCs)
    def MATH(self, *_done) -> None:
        """`MATH(x)` when written `ctx.MATH(x)`: x has run already."""

    UNPACK = PACK = MATH


# --- experimental ckernel library (tt-metal's experimental/llk_sfpu headers) ---------------------------------------
def my_add_tile_face(dst_index_in0: int, dst_index_in1: int, dst_index_out: int) -> None:
    """ckernel_sfpu_custom_add.h: one face of DST[out] = DST[in0] + DST[in1]."""
    dst_reg = sfpi.dst_reg
    in0, in1, out = (int(i) * ROWS_PER_TILE for i in (dst_index_in0, dst_index_in1, dst_index_out))
    for i in range(ROWS_PER_FACE):
        a = sfpi.vFloat(dst_reg[in0 + i])
        b = sfpi.vFloat(dst_reg[in1 + i])
        dst_reg[out + i] = a + b


def smoothstep_tile_face(edge0: float, edge1: float, inv_delta: float) -> None:
    """ckernel_sfpu_smoothstep.h: one face of t = clamp((x - edge0) * inv_delta, 0, 1); t * t * (3 - 2 t)."""
    dst_reg = sfpi.dst_reg
    for i in range(ROWS_PER_FACE):
        x = sfpi.vFloat(dst_reg[i])
        t = sfpi.vFloat((x - edge0) * inv_delta)
        with sfpi.v_if(t < sfpi.vConst0):
            t[...] = sfpi.vConst0
        with sfpi.v_elseif(t > sfpi.vConst1):
            t[...] = sfpi.vConst1
        sfpi.v_endif()
        result = sfpi.vFloat(t * t * (3.0 - 2.0 * t))
        dst_reg[i] = result


__all__ = ["APPROX", "DST_ACCUM_MODE", "DST_SYNC_MODE", "LlkSfpuCalls", "VectorMode", "my_add_tile_face",
           "smoothstep_tile_face"]
