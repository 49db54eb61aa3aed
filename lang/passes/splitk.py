"""The k-split plan of a skipping decode matmul (tensix/programs/stages/split.py runs it).

A one-token decode matmul whose activation columns are often zero reads only the weight
rows of live columns. Split over output columns (the dense decode plan), each core needs a short piece of every
live row: thousands of small reads, each paying the NoC's fixed costs. Split over k instead, each core reads its
band's live rows whole (one contiguous read of the row-major weights each), multiplies them into a partial output
row, and the cores add their partials up: each output column on one reducing core, in k order.

How many k tiles a core takes, how many cores reduce and which NoC reads are chosen by the cost estimate
(lang/passes/costs.estimate_split) over every shape that fits, and the plan is taken over the dense decode plan
only where the estimates say so (`choose_split`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tensix.config import MeshConfig
from tensix.lang import pages
from tensix.lang.ir import Graph, Node, TensorType
from tensix.lang.passes.costs import Layout, estimate_split_at
from tensix.lang.passes.plans import common
from tensix.schedule.split import MatmulSplit

STAGE_LIMIT = 512 * 1024  # L1 a core's band may take: its gathered rows when every column is live
# Shares of live (nonzero) activation columns a plan is weighed at when the compile is not told the share to expect
# (graph.meta["expected_live"]): the compiler cannot know it, so it takes the plan whose estimate is nearest the
# best plan's at every share, from one live column in 32 to all of them (the smallest worst ratio).
LIVE_SHARES = (1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1.0)
# Plans whose worst ratios are within this share of the smallest are not told apart, and the one on the fewest cores
# is taken (it leaves cores to other ops, and has fewer partials to add). Checked against runs of every shape on
# three matmuls (1 x 3072 @ 3072 x 768, 1 x 1024 @ 1024 x 384, 1 x 768 @ 768 x 3072; at 90%, 50% and 0% zeros):
# with 5% the pick measured at most 3.6% above the best shape at every share; with none (the smallest worst ratio
# alone) it took the most cores and ran up to 21% slower at 90% zeros, with 10% too few and up to 24% slower with
# every column live.
SAME_COST = 0.05


@dataclass(frozen=True, slots=True)
class SplitShape:
    """`per` k tiles a core (so ceil(kt / per) cores), `reducers` cores adding the partials' columns, the NoC the
    readers read on (`noc`; the writers write on the other)."""

    per: int
    reducers: int
    noc: int = 0


def column_split(graph: Graph) -> Graph:
    """The graph marked to keep skipping decode matmuls on the column-split plan (`matmul_rows`) instead: the plan
    the gather crossover bench measures, and what matmuls with a bias get."""
    return replace(graph, meta={**graph.meta, "split_k": False})


def expected_live(graph: Graph) -> float | None:
    """The share of live activation columns the compile was told to expect, if any."""
    live = graph.meta.get("expected_live")
    return None if live is None else float(live)


def split_fits(n: Node, ts: list[TensorType]) -> bool:
    """Whether a skipping decode matmul can run k-split: one token (a weight row is skipped only when its activation
    column is zero in every token, so with m tokens each zero a fraction s of the time, s**m of the rows go: the
    plan pays at one token and loses to the dense decode plan at 8 even at half zeros), no bias (the reducers
    would add it), a float activation, and some shape whose band of rows, all live, fits STAGE_LIMIT."""
    a = ts[0]
    one_token = all(d == 1 for d in a.shape[:-1])
    return one_token and len(n.inputs) == 2 and a.dtype in ("bf16", "fp32") and bool(shapes(n, ts))


def shapes(n: Node, ts: list[TensorType]) -> list[SplitShape]:
    """Every shape the op's cores can run: each distinct count of cores (k tiles a core from the fewest its cores
    allow up to the band STAGE_LIMIT holds) with each distinct count of reducers (output tiles a reducer, 1 up to
    all; no more reducers than cores), reading on either NoC (the one an `@noc` annotation names)."""
    a, b = ts[0], ts[1]
    kt, nt = pages.tiles(a.shape[-1]), pages.tiles(b.shape[-1])
    row = b.shape[-1] * (4 if b.dtype == "fp32" else 2)
    most = STAGE_LIMIT // (32 * row)
    pers = {-(-kt // cores) for cores in range(1, len(n.attrs["_cores"]) + 1)}
    pers = sorted({-(-kt // -(-kt // per)) for per in pers if per <= most})  # the fewest tiles for that many cores
    counts = sorted({-(-nt // width) for width in range(1, nt + 1)})
    nocs = (0, 1) if n.annotations.noc is None else (n.annotations.noc,)
    return [SplitShape(per, r, noc) for noc in nocs for per in pers for r in counts if r <= -(-kt // per)]


def split_decode(n: Node, ts: list[TensorType], names: dict, b_rows: str, shape: SplitShape) -> dict:
    """The op's cores (in their placed order) each take `shape.per` k tiles, as many as it has; output columns go
    to `shape.reducers` reducers spread over them, as evenly as they divide."""
    a, b = ts[0], ts[1]
    kt, nt = pages.tiles(a.shape[-1]), pages.tiles(b.shape[-1])
    per = shape.per
    parts = list(n.attrs["_cores"])[:-(-kt // per)]
    width = -(-nt // shape.reducers)
    cols = [(c, min(width, nt - c)) for c in range(0, nt, width)]
    owners = tuple((*parts[i * len(parts) // len(cols)], c, w) for i, (c, w) in enumerate(cols))
    owned = {(x, y): (c, w) for x, y, c, w in owners}
    fields = common(n, names, a=names[n.inputs[0]], b_rows=b_rows, kt=kt, out_cols=nt, parts=tuple(parts),
                    owners=owners, rows=a.shape[0], noc=shape.noc, write_noc=1 - shape.noc)
    return {core: MatmulSplit(**fields, k0=i * per, k1=min(kt, (i + 1) * per), cols=owned.get(core, (0, 0)))
            for i, core in enumerate(parts)}


def choose_split(n: Node, ts: list[TensorType], names: dict, b_rows: str, lays: dict[str, Layout], cfg: MeshConfig,
                 fidelity: str, dense: tuple[float, int], live: float | None = None) -> dict | None:
    """The k-split steps of the shape chosen by estimate, or None where the dense decode plan (`dense`: its estimate,
    whatever the share, and its cores) is the choice. Each plan's worst ratio to the best plan's estimate over
    LIVE_SHARES (or at `live` alone, when the compile was told the share): of those within SAME_COST of the
    smallest, the one on the fewest cores (then the smaller ratio, then the first)."""
    lays = {**lays, b_rows: Layout(pages.tiles(ts[1].shape[-1]), ts[1].dtype)}
    lives = LIVE_SHARES if live is None else (live,)
    options: list[tuple[dict | None, int, list[float]]] = [(None, dense[1], [dense[0]] * len(lives))]
    memo: dict = {}
    for shape in shapes(n, ts):
        steps = split_decode(n, ts, names, b_rows, shape)
        costs = estimate_split_at(steps, lays, cfg, lives, fidelity=fidelity, memo=memo)
        options.append((steps, len(steps), [e.cycles for e in costs]))
    best = [min(o[2][i] for o in options) for i in range(len(lives))]
    worst = [max(c / b for c, b in zip(o[2], best, strict=True)) for o in options]
    near = [i for i, w in enumerate(worst) if w <= min(worst) * (1 + SAME_COST)]
    return options[min(near, key=lambda i: (options[i][1], worst[i]))][0]
