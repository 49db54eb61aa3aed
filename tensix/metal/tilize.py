"""Host layout helpers of tt-metal's tilize_utils: a row-major matrix to tile order (face by face) and back,
for any element type (bfloat16 arrays as the examples use them)."""

from __future__ import annotations

import numpy as np

from tensix.errors import ProgramError


def _check(a: np.ndarray, rows: int, cols: int) -> np.ndarray:
    a = np.asarray(a)
    if a.size != rows * cols or rows % 32 or cols % 32:
        raise ProgramError(f"tilize: {a.size} values are not a {rows}x{cols} matrix of whole 32x32 tiles")
    return a


def tilize_nfaces(data, rows: int, cols: int) -> np.ndarray:
    """Row-major (rows, cols) values in tile order: tiles row by row, each tile face by face, each face row-major."""
    a = _check(data, rows, cols).reshape(rows // 32, 2, 16, cols // 32, 2, 16)
    return np.ascontiguousarray(a.transpose(0, 3, 1, 4, 2, 5)).reshape(-1)


def untilize_nfaces(data, rows: int, cols: int) -> np.ndarray:
    """The inverse of tilize_nfaces."""
    a = _check(data, rows, cols).reshape(rows // 32, cols // 32, 2, 2, 16, 16)
    return np.ascontiguousarray(a.transpose(0, 2, 4, 1, 3, 5)).reshape(-1)


tilize = tilize_nfaces
untilize = untilize_nfaces


def check_bfloat16_vector_pcc(golden, result) -> float:
    """Pearson correlation of two value vectors (the examples' PCC check)."""
    x = np.asarray(golden, dtype=np.float64).reshape(-1)
    y = np.asarray(result, dtype=np.float64).reshape(-1)
    x, y = x - x.mean(), y - y.mean()
    return float((x * y).sum() / np.sqrt((x * x).sum() * (y * y).sum()))


def pack_two_bfloat16_into_uint32(pair) -> int:
    """The uint32 holding two bf16 values, the first in the low half (tt-metal's bfloat16.hpp helper)."""
    import ml_dtypes
    lo, hi = np.asarray(pair, dtype=np.float32).astype(ml_dtypes.bfloat16).view(np.uint16).tolist()
    return lo | hi << 16


def create_constant_vector_of_bfloat16(num_bytes: int, value: float) -> np.ndarray:
    """num_bytes of bf16 `value`, as uint32 words of two values (tt-metal's test helper)."""
    import ml_dtypes
    return np.full(num_bytes // 2, value, dtype=np.float32).astype(ml_dtypes.bfloat16).view(np.uint32)


def create_random_vector_of_bfloat16(num_bytes: int, rand_max_float: float, seed: int,
                                     offset: float = 0.0) -> np.ndarray:
    """num_bytes of bf16 values uniform in [offset, offset + rand_max_float), as uint32 words of two values."""
    import ml_dtypes
    values = np.random.default_rng(seed).uniform(0.0, rand_max_float, num_bytes // 2) + offset
    return values.astype(np.float32).astype(ml_dtypes.bfloat16).view(np.uint32)
