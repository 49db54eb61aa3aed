"""SFPI on numpy: the vector types (`vFloat`, `vInt`, `vUInt`), `dst_reg` and lane predication
(`v_if` / `v_elseif` / `v_else` / `v_endif`) of tt-metal's SFPI library, for compute kernels that program the
SFPU (vector unit) directly. Transliteration rules are in docs/metalium.md ("SFPI kernels").

A vector is 32 lanes of float32 (int32 / uint32). `dst_reg[k]` addresses 32 datums of Dst as Wormhole's
SFPLOAD/SFPSTORE do (ISA `WormholeB0/TensixTile/TensixCoprocessor/SFPLOAD.md`): SFPI halves the Dst row
address, so k is raw row 2k; lane l reads row (2k & ~3) + l // 8, column 2 (l % 8) + (k odd). Eight consecutive
k cover one 16x16 face, 32 one 32x32 tile (faces in Dst row order: top-left, top-right, bottom-left,
bottom-right). Indices count from the Dst row the running LLK wrapper set (`tensix.metal.llk_sfpu`), which
also owns the lane-enable state and counts the SFPU instructions executed (one per vector operation).
"""

from __future__ import annotations

import numpy as np

from tensix.errors import KernelError

LANES = 32
ROWS_PER_FACE = 8  # dst_reg indices per 16x16 face
ROWS_PER_TILE = 32  # dst_reg indices per 32x32 tile


def _lane_map() -> np.ndarray:
    """[k, lane] -> flat index into a 32x32 tile for the 32 dst_reg rows of one tile."""
    idx = np.empty((ROWS_PER_TILE, LANES), dtype=np.intp)
    for k in range(ROWS_PER_TILE):
        face, addr = divmod(k, ROWS_PER_FACE)
        addr *= 2  # raw Dst row of this SFPI row within its face
        for lane in range(LANES):
            row = (addr & ~3) + lane // 8
            col = (lane & 7) * 2 + (1 if addr & 2 else 0)
            idx[k, lane] = ((face // 2) * 16 + row) * 32 + (face % 2) * 16 + col
    return idx


LANE_MAP = _lane_map()
ALL_LANES = np.ones(LANES, dtype=bool)


class _Frame:
    """One v_if ... v_endif: the lanes enabled around it and those an earlier branch already took."""

    __slots__ = ("parent", "taken")

    def __init__(self, parent: np.ndarray):
        self.parent, self.taken = parent, np.zeros(LANES, dtype=bool)


class SfpuState:
    """The SFPU during one LLK wrapper call: the kernel context, the Dst row dst_reg[0] is at, lane enables,
    open v_if frames and the instructions executed."""

    def __init__(self, ctx, base_row: int):
        self.ctx, self.base, self.enabled = ctx, int(base_row), ALL_LANES
        self.frames: list[_Frame] = []
        self.instructions = 0

    def flat(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(the flat DST tile, the 32 element indices) of dst_reg[k]."""
        row = self.base + int(k)
        if row < 0:
            raise KernelError(f"{self.ctx.where()}: dst_reg[{k}] lies before Dst row 0")
        tile, q = divmod(row, ROWS_PER_TILE)
        return self.ctx._d(tile).reshape(-1), LANE_MAP[q]


_ACTIVE: list[SfpuState] = []


def active() -> SfpuState:
    if not _ACTIVE:
        raise KernelError("SFPI (dst_reg, v_if) used outside an SFPU call: run the face function through "
                          "_llk_math_eltwise_unary_sfpu_params_ / _llk_math_eltwise_binary_sfpu_params_ or an "
                          "SFPU_*_CALL macro, which set the Dst address and lane state")
    return _ACTIVE[-1]


def _count(n: int = 1) -> None:
    if _ACTIVE:
        _ACTIVE[-1].instructions += n


def _mask() -> np.ndarray:
    return _ACTIVE[-1].enabled if _ACTIVE else ALL_LANES


# --- vectors ----------------------------------------------------------------------------------------------------
class _Vec:
    """32 lanes of one type; arithmetic computes every lane, assignment (`x[...] = y`, `x += y`) writes only the
    enabled ones, as on the SFPU."""

    __slots__ = ("v",)
    DTYPE = np.float32

    def __init__(self, value=0):
        self.v = self._lanes(value).copy()

    @classmethod
    def _lanes(cls, value) -> np.ndarray:
        if isinstance(value, _Vec):
            return value.v if value.v.dtype == cls.DTYPE else value.v.astype(cls.DTYPE)
        if isinstance(value, np.ndarray) and value.shape == (LANES,):
            return value.astype(cls.DTYPE, copy=False)
        return np.full(LANES, value, dtype=cls.DTYPE)

    @classmethod
    def _wrap(cls, lanes: np.ndarray):
        out = cls.__new__(cls)
        out.v = lanes.astype(cls.DTYPE, copy=False)
        return out

    def _op(self, other, fn, reverse: bool = False):
        _count()
        a, b = self.v, self._lanes(other)
        return self._wrap(fn(b, a) if reverse else fn(a, b))

    def __add__(self, o):
        return self._op(o, np.add)

    def __radd__(self, o):
        return self._op(o, np.add, True)

    def __sub__(self, o):
        return self._op(o, np.subtract)

    def __rsub__(self, o):
        return self._op(o, np.subtract, True)

    def __mul__(self, o):
        return self._op(o, np.multiply)

    def __rmul__(self, o):
        return self._op(o, np.multiply, True)

    def __neg__(self):
        _count()
        return self._wrap(-self.v)

    def _cmp(self, other, fn) -> VCond:
        _count()
        return VCond(fn(self.v, self._lanes(other)))

    def __lt__(self, o):
        return self._cmp(o, np.less)

    def __le__(self, o):
        return self._cmp(o, np.less_equal)

    def __gt__(self, o):
        return self._cmp(o, np.greater)

    def __ge__(self, o):
        return self._cmp(o, np.greater_equal)

    def __eq__(self, o):
        return self._cmp(o, np.equal)

    def __ne__(self, o):
        return self._cmp(o, np.not_equal)

    __hash__ = None

    def __setitem__(self, key, value) -> None:
        """`x = y` on a declared vector (written `x[...] = y`): the enabled lanes take y."""
        if key is not Ellipsis:
            raise KernelError(f"assign a whole SFPI vector as x[...] = value, not x[{key!r}]")
        _count()
        m = _mask()
        self.v[m] = self._lanes(value)[m]

    def _assign_op(self, other, fn):
        _count()
        m = _mask()
        self.v[m] = fn(self.v, self._lanes(other))[m]
        return self

    def __iadd__(self, o):
        return self._assign_op(o, np.add)

    def __isub__(self, o):
        return self._assign_op(o, np.subtract)

    def __imul__(self, o):
        return self._assign_op(o, np.multiply)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.v.tolist()})"


class vFloat(_Vec):
    """`sfpi::vFloat`: 32 float32 lanes."""

    __slots__ = ()


class _IntVec(_Vec):
    __slots__ = ()

    def __and__(self, o):
        return self._op(o, np.bitwise_and)

    def __or__(self, o):
        return self._op(o, np.bitwise_or)

    def __xor__(self, o):
        return self._op(o, np.bitwise_xor)

    def __lshift__(self, n):
        return self._op(n, np.left_shift)

    def __rshift__(self, n):
        return self._op(n, np.right_shift)

    def __invert__(self):
        _count()
        return self._wrap(~self.v)

    def __iand__(self, o):
        return self._assign_op(o, np.bitwise_and)

    def __ior__(self, o):
        return self._assign_op(o, np.bitwise_or)


class vInt(_IntVec):
    """`sfpi::vInt`: 32 int32 lanes."""

    __slots__ = ()
    DTYPE = np.int32


class vUInt(_IntVec):
    """`sfpi::vUInt`: 32 uint32 lanes."""

    __slots__ = ()
    DTYPE = np.uint32


class VCond:
    """A lane condition: comparisons of vectors, joined with `&`, `|` and `~` (C++'s `&&`, `||`, `!`)."""

    __slots__ = ("m",)

    def __init__(self, m: np.ndarray):
        self.m = m

    def __and__(self, o: VCond) -> VCond:
        _count()
        return VCond(self.m & o.m)

    def __or__(self, o: VCond) -> VCond:
        _count()
        return VCond(self.m | o.m)

    def __invert__(self) -> VCond:
        _count()
        return VCond(~self.m)

    def __bool__(self):
        raise KernelError("an SFPI lane condition has no single truth value: use it in v_if / v_elseif, and join "
                          "conditions with & | ~ (C++'s && || !), each comparison in parentheses")


class _Reinterpret:
    """`sfpi::reinterpret<T>(v)` -> `reinterpret[T](v)`: the same 32 bits seen as another vector type."""

    def __getitem__(self, cls):
        def cast(v: _Vec):
            return cls._wrap(v.v.view(cls.DTYPE))
        return cast


reinterpret = _Reinterpret()


def abs(v: vFloat) -> vFloat:  # noqa: A001 - sfpi::abs
    """`sfpi::abs`."""
    _count()
    return type(v)._wrap(np.abs(v.v))


def setsgn(v: vFloat, sign) -> vFloat:
    """`sfpi::setsgn(v, s)`: v with the sign of s (a vector) or the sign bit s (0 or 1)."""
    _count()
    neg = (sign.v < 0) if isinstance(sign, _Vec) else np.full(LANES, bool(sign))
    return vFloat._wrap(np.where(neg, -np.abs(v.v), np.abs(v.v)))


def clamp(v: vFloat, lo, hi) -> vFloat:
    """`sfpi::clamp(v, lo, hi)` (a min and a max)."""
    _count(2)
    return vFloat._wrap(np.clip(v.v, vFloat._lanes(lo), vFloat._lanes(hi)))


# --- Dst --------------------------------------------------------------------------------------------------------
class _DstReg:
    """`sfpi::dst_reg`: dst_reg[k] loads 32 datums of Dst (SFPLOAD), dst_reg[k] = v stores the enabled lanes
    (SFPSTORE)."""

    def __getitem__(self, k) -> vFloat:
        s = active()
        s.instructions += 1
        flat, idx = s.flat(k)
        return vFloat._wrap(flat[idx])

    def __setitem__(self, k, value) -> None:
        s = active()
        s.instructions += 1
        flat, idx = s.flat(k)
        lanes = value.v if isinstance(value, vFloat) else vFloat._lanes(value)
        if isinstance(value, _IntVec):
            lanes = value.v.view(np.float32)  # an integer vector stored raw, as SFPSTORE of 32-bit lanes
        m = s.enabled
        if m is ALL_LANES:
            flat[idx] = lanes
        else:
            flat[idx[m]] = lanes[m]

    def __iadd__(self, n: int) -> _DstReg:
        """`dst_reg++` -> `sfpi.dst_reg += 1`: dst_reg[0] moves on one row (until the wrapper's next face)."""
        active().base += int(n)
        return self


dst_reg = _DstReg()

vConst0 = vFloat(0.0)
vConst1 = vFloat(1.0)
vConstNeg1 = vFloat(-1.0)
vConst0p8373 = vFloat(0.8373)
for _const in (vConst0, vConst1, vConstNeg1, vConst0p8373):
    _const.v.setflags(write=False)  # constant registers: `vFloat x = vConst1;` copies (x = vFloat(vConst1))


# --- predication ------------------------------------------------------------------------------------------------
class _Branch:
    """The body of one v_if / v_elseif / v_else: enables the lanes of its condition not taken before."""

    __slots__ = ("state", "frame", "cond")

    def __init__(self, state: SfpuState, frame: _Frame, cond: VCond | None):
        self.state, self.frame, self.cond = state, frame, cond

    def __enter__(self) -> None:
        f = self.frame
        lanes = f.parent & ~f.taken
        if self.cond is not None:
            lanes = lanes & self.cond.m
        f.taken = f.taken | lanes
        self.state.enabled = lanes

    def __exit__(self, *exc) -> None:
        self.state.enabled = self.frame.parent


def _cond(cond) -> VCond:
    if not isinstance(cond, VCond):
        raise KernelError(f"v_if / v_elseif take a lane condition (a comparison of SFPI vectors), not {cond!r}")
    return cond


def v_if(cond: VCond) -> _Branch:
    """`v_if (c) { ... }` -> `with v_if(c): ...`."""
    s = active()
    s.instructions += 1  # push the condition stack and set the lanes
    frame = _Frame(s.enabled)
    s.frames.append(frame)
    return _Branch(s, frame, _cond(cond))


def _open_frame(what: str) -> tuple[SfpuState, _Frame]:
    s = active()
    if not s.frames:
        raise KernelError(f"{what} without an open v_if")
    s.instructions += 1
    return s, s.frames[-1]


def v_elseif(cond: VCond) -> _Branch:
    """`v_elseif (c) { ... }` -> `with v_elseif(c): ...`."""
    s, frame = _open_frame("v_elseif")
    return _Branch(s, frame, _cond(cond))


def v_else() -> _Branch:
    """`v_else { ... }` -> `with v_else(): ...`."""
    s, frame = _open_frame("v_else")
    return _Branch(s, frame, None)


def v_endif() -> None:
    """`v_endif;` -> `v_endif()`: every lane enabled before the v_if is enabled again."""
    s, frame = _open_frame("v_endif")
    s.frames.pop()
    s.enabled = frame.parent


__all__ = ["LANE_MAP", "SfpuState", "VCond", "active", "dst_reg", "reinterpret", "setsgn", "v_else",
           "v_elseif", "v_endif", "v_if", "vConst0", "vConst0p8373", "vConst1", "vConstNeg1", "vFloat", "vInt",
           "vUInt"]  # sfpi.abs stays namespaced so as not to hide Python's abs
