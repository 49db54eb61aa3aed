"""The k-split plan of a skipping decode matmul (tensix/programs/stages/split.py runs it).

A one-token decode matmul whose activation columns are often zero reads only the weight
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
from tensix.schedule.split import MatmulSplit

# k tiles each core takes, and output tiles each reducer adds up. More cores read more rows at once but each sends
# every reducer its columns (a NoC command each on its writer) and each reducer adds more partials; fewer reducers
# mean fewer commands and more partials each. Chosen by a sweep on sparse_down_proj (1 x 3072 @ 3072 x 768, bf16,
# 90% zero columns, wormhole_n150), cycles: k tiles 2/3/4/8 with 8 reducers 8,853/7,538/7,199/-; with 4 k tiles,
# 4/6/8/12/24 reducers 7,167/6,967/7,199/7,022/9,762 (reducers spread over the cores; contiguous ones 5-9% slower).
K_TILES_PER_CORE = 4
REDUCER_TILES = 4
STAGE_LIMIT = 512 * 1024  # L1 a core's band may take: its gathered rows when every column is live


def column_split(graph: Graph) -> Graph:
    """The graph marked to keep skipping decode matmuls on the column-split plan (`matmul_rows`) instead: the plan
    the gather crossover bench measures, and what matmuls with a bias get."""
    return replace(graph, meta={**graph.meta, "split_k": False})


def split_fits(n: Node, ts: list[TensorType]) -> bool:
    """Whether a skipping decode matmul runs k-split: one token (a weight row is skipped only when its activation
    column is zero in every token, so with m tokens each zero a fraction s of the time, s**m of the rows go: the
    plan pays at one token and loses to the dense decode plan at 8 even at half zeros), no bias (the reducers
    would add it), and each core's band of rows, all live, within STAGE_LIMIT."""
    a, b = ts[0], ts[1]
    row = b.shape[-1] * (4 if b.dtype == "fp32" else 2)
    per = _per_core(pages.tiles(a.shape[-1]), len(n.attrs["_cores"]))
    one_token = all(d == 1 for d in a.shape[:-1])
    return one_token and len(n.inputs) == 2 and per * 32 * row <= STAGE_LIMIT and a.dtype in ("bf16", "fp32")


def _per_core(kt: int, cores: int) -> int:
    """k tiles a core takes: K_TILES_PER_CORE, more when the op has too few cores for that."""
    return max(K_TILES_PER_CORE, -(-kt // cores))


def split_decode(n: Node, ts: list[TensorType], names: dict, b_rows: str) -> dict:
    """The op's cores (in their placed order) each take K_TILES_PER_CORE k tiles, as many as it has; output columns
    go to reducers spread over them, as evenly as they divide."""
    a, b = ts[0], ts[1]
    kt, nt = pages.tiles(a.shape[-1]), pages.tiles(b.shape[-1])
    cores = list(n.attrs["_cores"])
    per = _per_core(kt, len(cores))
    parts = cores[:-(-kt // per)]
    width = max(REDUCER_TILES, -(-nt // len(parts)))
    cols = [(c, min(width, nt - c)) for c in range(0, nt, width)]
    owners = tuple((*parts[i * len(parts) // len(cols)], c, w) for i, (c, w) in enumerate(cols))
    owned = {(x, y): (c, w) for x, y, c, w in owners}
    fields = common(n, names, a=names[n.inputs[0]], b_rows=b_rows, kt=kt, out_cols=nt, parts=tuple(parts),
                    owners=owners, rows=a.shape[0], noc=0)  # measured: NoC 0 11,564 cycles, NoC 1 14,553
    return {core: MatmulSplit(**fields, k0=i * per, k1=min(kt, (i + 1) * per), cols=owned.get(core, (0, 0)))
            for i, core in enumerate(parts)}
