"""The k-split plan of a skipping decode matmul (tensix/programs/stages/split.py runs it).

A decode-sized matmul (at most 32 activation rows) whose activation columns are often zero reads only the weight
rows of live columns. Split over output columns (the dense decode plan), each core needs a short piece of every
live row: thousands of small reads, each paying the NoC's fixed costs. Split over k instead, each core reads its
band's live rows whole (one contiguous read of the row-major weights each), multiplies them into a partial output
row, and the cores add their partials up: each output column on one reducing core, in k order.
"""

from __future__ import annotations

from dataclasses import replace

from tensix.lang import pages
from tensix.lang.ir import Graph, Node, TensorType
from tensix.lang.passes.plans import common
from tensix.schedule.contract import MatmulSplit

# k tiles each core takes: fewer cores per op than this would leave DRAM banks idle at high sparsity, more would
# lengthen the reduction (each core sends every reducer its columns). Two: sparse_down_proj (96 k tiles) on 48 cores.
K_TILES_PER_CORE = 8
STAGE_LIMIT = 512 * 1024  # L1 a core's band may take: its gathered rows when every column is live


def column_split(graph: Graph) -> Graph:
    """The graph marked to keep skipping decode matmuls on the column-split plan (`matmul_rows`) instead: the plan
    the gather crossover bench measures, and what matmuls with a bias get."""
    return replace(graph, meta={**graph.meta, "split_k": False})


def split_fits(n: Node, ts: list[TensorType]) -> bool:
    """Whether a skipping decode matmul runs k-split: no bias (the reducers would add it), rows of at most
    STAGE_LIMIT / 32 / K_TILES_PER_CORE bytes."""
    b = ts[1]
    row = b.shape[-1] * (4 if b.dtype == "fp32" else 2)
    return len(n.inputs) == 2 and K_TILES_PER_CORE * 32 * row <= STAGE_LIMIT and ts[0].dtype in ("bf16", "fp32")


def split_decode(n: Node, ts: list[TensorType], names: dict, b_rows: str) -> dict:
    """The op's cores (in their placed order) each take K_TILES_PER_CORE k tiles, as many as it has; output columns
    go to reducers spread over them, as evenly as they divide."""
    a, b = ts[0], ts[1]
    kt, nt = pages.tiles(a.shape[-1]), pages.tiles(b.shape[-1])
    cores = list(n.attrs["_cores"])
    per = max(K_TILES_PER_CORE, -(-kt // len(cores)))
    parts = cores[:-(-kt // per)]
    reducers = min(len(parts), nt)
    width = -(-nt // reducers)
    cols = [(c, min(width, nt - c)) for c in range(0, nt, width)]
    owners = tuple((*parts[i * len(parts) // len(cols)], c, w) for i, (c, w) in enumerate(cols))
    owned = {(x, y): (c, w) for x, y, c, w in owners}
    fields = common(n, names, a=names[n.inputs[0]], b_rows=b_rows, kt=kt, out_cols=nt, parts=tuple(parts),
                    owners=owners, rows=a.shape[0], noc=0)
    return {core: MatmulSplit(**fields, k0=i * per, k1=min(kt, (i + 1) * per), cols=owned.get(core, (0, 0)))
            for i, core in enumerate(parts)}
