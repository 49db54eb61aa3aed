"""Host helpers the programming examples call from tt-metal's bfloat16.hpp and assert.hpp, and the `fmt::print`
they print with: bf16 vector packing, identity tiles, numpy-style closeness, TT_FATAL / TT_THROW / TT_ASSERT."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import numpy as np
from ml_dtypes import bfloat16

from tensix.errors import ProgramError


def _words(data) -> np.ndarray:
    """A std::vector<uint32_t> (a list or array of words) as a uint32 array."""
    return np.ascontiguousarray(np.asarray(data, dtype=np.uint32)).reshape(-1)


def create_identity_matrix(rows: int, cols: int, num_ones: int) -> np.ndarray:
    """rows x cols bf16 zeros (row-major) with ones at (i, i) for i < num_ones."""
    if num_ones > min(rows, cols):
        raise ProgramError(f"create_identity_matrix({rows}, {cols}, {num_ones}): more ones than the diagonal holds")
    vec = np.zeros(rows * cols, dtype=bfloat16)
    vec[[i * cols + i for i in range(num_ones)]] = 1
    return vec


def pack_bfloat16_vec_into_uint32_vec(data) -> np.ndarray:
    """Pairs of bf16 values as uint32 words, the first of each pair in the low half."""
    a = np.ascontiguousarray(np.asarray(data, dtype=bfloat16)).reshape(-1)
    if a.size % 2:
        raise ProgramError(f"pack_bfloat16_vec_into_uint32_vec: {a.size} values, not a whole number of pairs")
    return a.view(np.uint32).copy()


def bfloat16_identity_transform(x):
    return x


def unpack_uint32_vec_into_bfloat16_vec(data, transform=bfloat16_identity_transform) -> np.ndarray:
    """Each uint32 word as its two bf16 values (low half first), each passed through `transform`."""
    values = _words(data).view(bfloat16).copy()
    if transform is not bfloat16_identity_transform:
        values = np.array([transform(v) for v in values], dtype=bfloat16)
    return values


def is_close(a: float, b: float, rtol: float = 0.01, atol: float = 0.001) -> bool:
    """tt-metal's is_close, as numpy's: |a - b| <= atol + rtol * |b|."""
    return abs(float(a) - float(b)) <= atol + rtol * abs(float(b))


def reinterpret_cast(dtype, vec) -> np.ndarray:
    """`reinterpret_cast<T*>(vec.data())` on the host: the bytes of vec (a list counts as uint32 words) viewed as T."""
    a = _words(vec) if isinstance(vec, (list, tuple)) else np.ascontiguousarray(vec)
    return a.reshape(-1).view(np.dtype(dtype))


class TTFatalError(ProgramError):
    """TT_FATAL / TT_THROW from a host program."""


def _message(fmt_str: str, args) -> str:
    return fmt_str.format(*args) if args else fmt_str


def TT_FATAL(condition, fmt_str: str = "TT_FATAL", *args) -> None:
    if not condition:
        raise TTFatalError(_message(fmt_str, args))


def TT_THROW(fmt_str: str = "TT_THROW", *args) -> None:
    raise TTFatalError(_message(fmt_str, args))


def TT_ASSERT(condition, fmt_str: str = "TT_ASSERT", *args) -> None:
    TT_FATAL(condition, fmt_str, *args)


def _fmt_print(*args) -> None:
    """fmt::print(format, args...) and fmt::print(stderr, format, args...): Python's format syntax is fmt's."""
    stream = sys.stdout
    if args and args[0] in (sys.stderr, sys.stdout, "stderr", "stdout"):
        stream = {"stderr": sys.stderr, "stdout": sys.stdout}.get(args[0], args[0])
        args = args[1:]
    print(_message(args[0], args[1:]), end="", file=stream)


fmt = SimpleNamespace(print=_fmt_print, format=lambda f, *a: _message(f, a))
stderr, stdout = sys.stderr, sys.stdout

__all__ = ["TTFatalError", "TT_ASSERT", "TT_FATAL", "TT_THROW", "bfloat16_identity_transform", "create_identity_matrix",
           "fmt", "is_close", "pack_bfloat16_vec_into_uint32_vec", "reinterpret_cast", "stderr", "stdout",
           "unpack_uint32_vec_into_bfloat16_vec"]
