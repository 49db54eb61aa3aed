"""Rows of padded tensors for decompose: where each row of a tensor sits in its pages, and the constants that keep
padding harmless (a row of ones that zeroes padding columns, softmax's bias on them, a 0/1 matrix regrouping rows),
and the embedding rule (2-D ids gather their rows, then read as [B, S, D]).

A tensor's pages hold one matrix: leading dims folded into rows, each matrix padded to whole tile rows (a 2-D
tensor is padded by its tiles). Functions taking `e` add nodes through decompose's emitter.
"""

from __future__ import annotations

import math

import numpy as np

from tensix.lang import pages
from tensix.lang.ir import Node, TensorType
from tensix.lang.reference import MASK_BIAS
from tensix.ops import Op

__all__ = ["embedding", "ones_row", "padded_rows", "regroup_rows", "row_places", "same_rows", "softmax_mask"]


def ones_row(e, n: int, dtype: str) -> str:
    """A [n] row of ones: multiplied in (bcast row), it zeroes the padding columns of an n-column value."""
    return e.const_once(("ones", n, dtype), f"ones{n}", lambda: np.ones(n, np.float32), dtype)


def softmax_mask(e, t: TensorType, causal: bool) -> str | None:
    """The bias softmax adds before its max: -MASK_BIAS on future keys (causal) and on the padding columns of a
    row that is not whole tiles, so neither joins the max or the sum. Without causal masking, one tile row of
    it serves every row (it is laid out as a padded [32, cols] matrix)."""
    rows, cols = t.shape[-2:] if t.rank > 1 else (1, t.shape[-1])
    pad = -cols % pages.TILE
    if not causal and not pad:
        return None

    def bias() -> np.ndarray:  # float32 from the start: at 4k tokens it is 4096 x 4096
        out = np.full((rows if causal else pages.TILE, cols + pad), -MASK_BIAS, np.float32)
        if causal:
            future = np.arange(cols)[None, :] > np.arange(rows)[:, None] + (cols - rows)
            out[:, :cols] = np.where(future, np.float32(-MASK_BIAS), np.float32(0.0))
        else:
            out[:, :cols] = 0.0
        return out

    return e.const_once(("mask", rows, cols, causal, t.dtype), "mask", bias, t.dtype)


def same_rows(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """Whether two shapes with one last dim lay their rows out alike in pages (a reshape of one to the other is
    a view)."""
    ra, rb = row_places(a), row_places(b)
    return pages.tiles(padded_rows(a)) == pages.tiles(padded_rows(b)) and np.array_equal(ra, rb)


def padded_rows(shape: tuple[int, ...]) -> int:
    """Rows of the 2-D matrix a tensor's pages hold: leading dims folded in, each matrix padded to whole tiles
    (a 2-D tensor is its own matrix: the tiles pad it)."""
    if len(shape) <= 2:
        return shape[0] if len(shape) == 2 else 1
    return math.prod(shape[:-2]) * pages.tiles(shape[-2]) * pages.TILE


def row_places(shape: tuple[int, ...]) -> np.ndarray:
    """For each row of the tensor (leading dims and axis -2 flattened, in order), its row in that matrix."""
    if len(shape) <= 2:
        return np.arange(shape[0] if len(shape) == 2 else 1)
    lead, rows = math.prod(shape[:-2]), shape[-2]
    return (np.arange(lead)[:, None] * pages.tiles(rows) * pages.TILE + np.arange(rows)[None, :]).reshape(-1)


def regroup_rows(e, x: str, t: TensorType, out: TensorType, source: np.ndarray) -> str:
    """`out`'s rows, row i a copy of t's row source[i] (rows counted as in row_places), as P @ x with P an exact
    0/1 matrix (one product per output), on 2-D views of both tensors' pages; padding rows come out zero."""
    pick = np.zeros((padded_rows(out.shape), padded_rows(t.shape)))
    pick[row_places(out.shape), row_places(t.shape)[source]] = 1.0
    flat_in = TensorType(t.dtype, (padded_rows(t.shape), t.shape[-1]))
    flat_out = TensorType(out.dtype, (padded_rows(out.shape), out.shape[-1]))
    if t.rank > 2:
        x = e.add(Op.VIEW, (x,), flat_in)
    y = e.add(Op.MATMUL, (e.const("rows", pick, t.dtype), x), flat_out if out.rank > 2 else out)
    return e.add(Op.VIEW, (y,), out) if out.rank > 2 else y


def embedding(e, n: Node, ts) -> None:
    """Rows of the table, one per id in row-major order; [B, S] ids gather B*S rows, then read as [B, S, D] (a
    view, or rows regrouped when S is not whole tiles)."""
    ids, table = ts
    if ids.rank > 2 or table.dtype not in ("fp32", "bf16"):
        raise e.error(f"the device looks up 1-D or 2-D ids in an fp32/bf16 table, got ids {ids} and table {table}")
    if ids.rank == 1:
        e.add(Op.GATHER_ROWS, n.inputs, n.type)
        return
    flat = TensorType(n.type.dtype, (ids.numel, table.shape[-1]))
    rows = e.add(Op.GATHER_ROWS, n.inputs, flat)
    if same_rows(flat.shape, n.type.shape):
        e.add(Op.VIEW, (rows,), n.type)
    else:
        regroup_rows(e, rows, flat, n.type, np.arange(ids.numel))
