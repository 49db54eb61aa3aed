"""How a fused row op (softmax, layernorm, rmsnorm) fits a core: whole tile rows held in L1, or streamed in blocks.

A row op may take 1/ROW_BUDGET of a core's L1 (its CBs: stages/layout.py). Rows whose CBs fit hold the whole row
(stages/row.py); wider rows stream, a block of tiles at a time, read twice (stages/rowstream.py); when not even a
one-tile block fits, decompose writes the op out as reductions and broadcasts. The budget is for a core holding
nothing else: where another op's CBs share the core (a matmul's), alloc narrows the block until the core fits.
"""

from __future__ import annotations

from tensix.formats import tile_nbytes
from tensix.lang import pages
from tensix.lang.ir import TensorType
from tensix.programs.stages.layout import row_cb_nbytes, stream_cb_nbytes

ROW_BUDGET = 4  # a fused row op may take 1/ROW_BUDGET of L1


def row_attrs(l1_bytes: int, fn: str, ts: list[TensorType]) -> dict | None:
    """The row op's attrs for x (ts[0]) and its operands (gamma and beta, or the mask): {} to hold whole rows,
    {"block": n} to stream them n tiles at a time, None when neither fits."""
    nt = pages.tiles(ts[0].shape[-1])
    x, aux = tile_nbytes(ts[0].dtype), [tile_nbytes(t.dtype) for t in ts[1:]]
    if row_cb_nbytes(fn, nt, x, aux) * ROW_BUDGET <= l1_bytes:
        return {}
    most = 0
    while most < nt and stream_cb_nbytes(most + 1, x, aux) * ROW_BUDGET <= l1_bytes:
        most += 1
    # evened out over the row's blocks: 64 tiles that allow 40 go as two blocks of 32
    return {"block": -(-nt // -(-nt // most))} if most else None
