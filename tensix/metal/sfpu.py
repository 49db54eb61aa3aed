"""Numeric paths of Metalium compute configuration that tensix's tile kernels do not have: the approximate
exp of math_approx_mode and DST's 16-bit (bf16) values."""

from __future__ import annotations

import ml_dtypes
import numpy as np

_LOG2E = np.float32(1.4426950408889634)


def exp_approx(d: np.ndarray) -> None:
    """exp in place the way an approximate SFPU path does it: 2^(x log2 e) with the fraction of the exponent
    taken linearly into the mantissa (one multiply-add, no polynomial); relative error up to about 6%."""
    y = np.clip(d * _LOG2E, -126.0, 127.0).astype(np.float32)
    bits = ((y + np.float32(127.0)) * np.float32(1 << 23)).astype(np.int64)
    d[:] = bits.astype(np.uint32).view(np.float32)


def round_bf16(d: np.ndarray) -> None:
    """Round float32 values in place to the nearest bf16 (a 16-bit DST register)."""
    d[:] = d.astype(ml_dtypes.bfloat16).astype(np.float32)
