"""Rope for decompose: x * cos + rotate(x) * sin in primitives (page moves, gathers, binary ops, or an exact 0/1
matmul), with its cos and sin tables as compiler constants. Functions taking `e` add nodes through decompose's
emitter.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from tensix.host_images import frozen
from tensix.lang import pages
from tensix.lang.ir import Node, TensorType
from tensix.ops import Op

__all__ = ["ROPE_POSITIONS", "rope"]

ROPE_POSITIONS = 8192  # rows of the cos/sin tables that explicit rope positions index on the device


def rope(e, n: Node, ts) -> None:
    """x * cos + rotate(x) * sin. The half-split form with a head dim of whole tile pairs rotates by moving tiles
    (with positions 0..S-1 its cos and sin are constants of S rows); any other form rotates with an exact 0/1
    matmul (one product per output). Explicit positions pick their rows of cos and sin tables with a gather."""
    x, t = n.inputs[0], ts[0]
    seq, dim = t.shape[-2:]
    explicit, interleaved = len(n.inputs) > 1, bool(n.attrs.get("interleaved"))
    if not explicit and not interleaved and dim % 64 == 0:
        _rope_tiles(e, n, t)
        return
    pair = np.arange(dim // 2)
    rot = np.zeros((dim, dim))
    if interleaved:  # pairs (2i, 2i+1): rotated[2i] = x[2i+1], rotated[2i+1] = x[2i]
        rot[2 * pair + 1, 2 * pair] = rot[2 * pair, 2 * pair + 1] = 1.0
    else:  # pairs (i, i + d/2): rotated = [x[d/2:], x[:d/2]]
        rot[pair + dim // 2, pair] = rot[pair, pair + dim // 2] = 1.0
    cos, sin = _tables(n.attrs["theta"], dim, ROPE_POSITIONS if explicit else seq, interleaved)
    cos, sin = e.const("cos", cos, t.dtype), e.const("sin", sin, t.dtype)
    if explicit:
        table = TensorType(t.dtype, (seq, dim))
        cos = e.add(Op.GATHER_ROWS, (n.inputs[1], cos), table)
        sin = e.add(Op.GATHER_ROWS, (n.inputs[1], sin), table)
    if not interleaved and dim % 64 == 0:  # the halves are whole tiles: swapped by moving them
        rotated = _swap_halves(e, x, t)
    else:
        rotated = e.add(Op.MATMUL, (x, e.const("rot", rot, t.dtype)), t)
    a = e.add(Op.BINARY, (x, cos), t, fn="mul", bcast="none")
    b = e.add(Op.BINARY, (rotated, sin), t, fn="mul", bcast="none")
    e.add(Op.BINARY, (a, b), n.type, fn="add", bcast="none")


@lru_cache(maxsize=8)
def _tables(theta: float, dim: int, rows: int, interleaved: bool) -> tuple[np.ndarray, np.ndarray]:
    """cos and sin of rows 0..rows-1, float32 and frozen (tensix/host_images.py): every layer's rope has the same
    tables, made once (a 30-layer decoder's 120 tables of 8192 rows took seconds) and shared, which nothing can
    write."""
    angles = np.arange(rows, dtype=np.float64)[:, None] * (theta ** (-np.arange(0, dim, 2, dtype=np.float64) / dim))
    if interleaved:
        cos, sin = np.repeat(np.cos(angles), 2, axis=1), np.repeat(np.sin(angles), 2, axis=1)
        sin[:, 0::2] *= -1
    else:
        cos = np.concatenate([np.cos(angles), np.cos(angles)], axis=1)
        sin = np.concatenate([-np.sin(angles), np.sin(angles)], axis=1)
    return frozen(cos.astype(np.float32)), frozen(sin.astype(np.float32))


def _rope_tiles(e, n: Node, t: TensorType) -> None:
    seq, dim = t.shape[-2:]
    cos, sin = _tables(n.attrs["theta"], dim, seq, False)
    cos, sin = e.const("cos", cos, t.dtype), e.const("sin", sin, t.dtype)
    rotated = _swap_halves(e, n.inputs[0], t)
    a = e.add(Op.BINARY, (n.inputs[0], cos), t, fn="mul", bcast="none")
    b = e.add(Op.BINARY, (rotated, sin), t, fn="mul", bcast="none")
    e.add(Op.BINARY, (a, b), n.type, fn="add", bcast="none")


def _swap_halves(e, x: str, t: TensorType) -> str:
    """[x[..., d/2:], x[..., :d/2]] for a head dim d of whole tile pairs: a page move (rope's rotation, up to
    the signs its sin table carries)."""
    idx = pages.tagged(0, t.shape)
    half = idx.shape[-1] // 2
    return e.add(Op.COPY, (x,), t, _map=pages.move_map(np.concatenate([idx[..., half:], idx[..., :half]], -1)))
