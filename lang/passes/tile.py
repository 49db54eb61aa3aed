"""tile: split every primitive op's output tiles over its cores, as the step each core will run.

Matmul outputs go in blocks of up to 4x4 tiles (they accumulate in the 16 DST registers), smaller when
that leaves cores idle; a 2-D matmul whose output blocks form a grid of at least 3x3 cores runs as tt-metal's
multicast matmul (`@mcast`, lang/passes/plans.grid_matmul) unless its sharding is given, and a decode matmul (one
activation tile row) as ttnn's 1-D matmul (plans.decode_matmul); other ops split their output pages in
contiguous runs. Each node gets attrs["_steps"]: {core: step} (tensix/schedule/contract.py); cores with no work
get no step.
"""

from __future__ import annotations

import math
from dataclasses import fields, replace
from itertools import repeat

import numpy as np

from tensix.config import MeshConfig
from tensix.lang import pages
from tensix.lang.errors import NameResolutionError
from tensix.lang.ir import Graph, Node, TensorType
from tensix.lang.passes.attention import attention_steps
from tensix.lang.passes.choose import cheapest, fidelity, layouts
from tensix.lang.passes.norms import norm_splits, split_norm
from tensix.lang.passes.plans import (
    DST_TILES,
    common,
    decode_matmul,
    decode_pays,
    grid_matmul,
    k_steps,
    reuse_eligible,
    sender_noc,
    spread_pays,
)
from tensix.lang.passes.sharded import shard_plan
from tensix.lang.passes.splitk import choose_split, expected_live, split_fits
from tensix.ops import Op
from tensix.presets import resolve
from tensix.schedule.contract import (
    STEPS,
    BinaryPage,
    Block,
    CopyPage,
    GatherPage,
    MatmulRows,
    Mcast,
    Operand,
    RowSpan,
    Share,
    UnaryPage,
)

_BLOCKS = ((4, 4), (2, 4), (4, 2), (2, 2), (1, 2), (2, 1), (1, 1))


def buffer_names(graph: Graph) -> dict[str, str]:
    """DRAM buffer name of every value: its own name, or the output's name for values the graph returns."""
    names = {v.name: v.name for v in (*graph.inputs, *graph.params)}
    for o in graph.outputs:
        if o.name in names:  # outputs have their own namespace in the language, but not on the device
            raise NameResolutionError(o.pos, f"output '{o.name}' has the name of an input or param; each is a DRAM "
                                             f"buffer named after it on the device, so rename the output")
    taken = set(names) | {o.name for o in graph.outputs}
    for n in graph.nodes:
        names[n.id] = f"t{n.id}"
        while names[n.id] in taken:  # an input, param or output may itself be called t3
            names[n.id] += "_"
    names |= {o.value: o.name for o in graph.outputs if o.value not in {v.name for v in graph.inputs}}
    for n in graph.nodes:
        if n.op == Op.VIEW:  # the same pages read as another shape: its input's buffer
            names[n.id] = names[n.inputs[0]]
    return names


def tile(graph: Graph, cfg: MeshConfig | None = None) -> Graph:
    """`cfg`: the device, whose L1 sizes the k steps of grid matmuls (default: the default preset)."""
    cfg = cfg or resolve(None)
    names = buffer_names(graph)
    types = graph.types()
    skip = bool(graph.meta.get("zero_skip"))
    rows_weights = sparse_weights(graph) if skip else set()
    dense = [n for n in graph.nodes if n.op == Op.MATMUL and n.inputs[1] not in rows_weights]
    decodes = {n.id for n in dense if decode_pays(n, [types[i] for i in n.inputs])}
    asked = {n.id for n in dense if n.id not in decodes and (n.annotations.mcast or n.annotations.shard == "block")}
    auto = {n.id for n in dense if n.id not in decodes | asked and reuse_eligible(n, [types[i] for i in n.inputs])}
    sparse_decodes = {n.id for n in graph.nodes if n.op == Op.MATMUL and n.inputs[1] in rows_weights
                      and decode_pays(n, [types[i] for i in n.inputs])}
    share = min(2, len(asked | auto | decodes | sparse_decodes))
    # a skipping decode matmul runs on its dense plan, so its weights are sharded exactly when a dense compile
    # would shard them (the stream path reads their tiles by page, wherever the layout puts them)
    shards, plans = sharded_weights(graph, names, decodes | sparse_decodes, cfg, share)
    lays = layouts(graph, names, shards)
    memo: dict = {}  # plan estimates by what they depend on: repeated layers estimate once
    gathers: dict[str, list[int]] = {}  # activation -> the NoCs its decode matmuls' senders gather it on
    nodes = []
    for n in graph.nodes:
        if n.op == Op.VIEW:  # no work: its readers read its input's pages
            nodes.append(replace(n, attrs={**n.attrs, "_steps": {}, "cores_used": 0}))
            continue
        ts = [types[i] for i in n.inputs]
        if n.op == Op.ATTENTION:  # (head, q chunk) items balanced over the cores (lang/passes/attention.py)
            steps, chunk = attention_steps(n, ts, names, cfg)
            nodes.append(replace(n, attrs={**n.attrs, "_steps": steps, "cores_used": len(steps), "chunk": chunk}))
            continue
        if n.id in decodes:
            steps = decode_matmul(n, ts, names, cfg, share, plans[n.id] if n.inputs[1] in shards else None)
            spread = spread_pays(n, steps, nodes, lays, cfg, fidelity(graph, n), memo)  # (no sender gathers it)
            steps = spread or sender_noc(steps, gathers.setdefault(n.inputs[0], []), n.annotations.noc)
            kind = "decode-spread" if spread else "decode"
            nodes.append(replace(n, attrs={**n.attrs, "_steps": steps, "cores_used": len(steps), "mcast": kind}))
            continue
        if n.id in asked:
            steps = grid_matmul(n, ts, names, mcast=bool(n.annotations.mcast), skip=skip, cfg=cfg, share=share,
                                fidelity=fidelity(graph, n))
            nodes.append(replace(n, attrs={**n.attrs, "_steps": steps, "cores_used": len(steps)}))
            continue
        sparse = n.op == Op.MATMUL and n.inputs[1] in rows_weights
        if n.id in sparse_decodes and graph.meta.get("split_k", True) and split_fits(n, ts):
            steps = _split_pays(n, ts, names, cfg, share, plans[n.id] if n.inputs[1] in shards else None, lays,
                                fidelity(graph, n), expected_live(graph), memo)
            if steps:
                nodes.append(replace(n, attrs={**n.attrs, "_steps": steps, "cores_used": len(steps),
                                               "skip": "k-split"}))
                continue
        if n.id in sparse_decodes:
            dense_plan = decode_matmul(n, ts, names, cfg, share, plans[n.id] if n.inputs[1] in shards else None)
            steps = skipping_decode(dense_plan, rows_name(names[n.inputs[1]]))
            nodes.append(replace(n, attrs={**n.attrs, "_steps": steps, "cores_used": len(steps), "mcast": "decode",
                                           "skip": f"gather rows if live<={GATHER_PAYS:g} else stream"}))
            continue
        if norm_splits(n, ts) and not n.attrs.get("block"):  # (a streamed row: each core takes whole rows)
            steps = split_norm(n, _row(n, ts, names), lays, cfg, fidelity(graph, n), nodes)
        else:
            steps = _split(n, ts, names, sparse)
        auto_attrs = {}
        if n.id in auto:  # per-core reads, or the multicast grid matmul at one of its k steps: the cheapest
            options = [steps] + [grid_matmul(n, ts, names, mcast=True, skip=skip, cfg=cfg, share=share, kb=kb,
                                             fidelity=fidelity(graph, n))
                                 for kb in k_steps(n, ts)]
            best, _ = cheapest(options, lays, cfg, fidelity(graph, n), memo)
            steps, auto_attrs = options[best], ({"mcast": "auto"} if best else {})
        nodes.append(replace(n, attrs={**n.attrs, "_steps": steps, "cores_used": len(steps), **auto_attrs}))
    layouts_ = {names[w]: "rows" for w in rows_weights}  # these weights also get a row-major copy
    return replace(graph, nodes=tuple(nodes), meta={**graph.meta, "buffers": names, "layouts": layouts_,
                                                    "sharded": shards})


def _split_pays(n: Node, ts: list[TensorType], names: dict, cfg: MeshConfig, share: int, plan, lays: dict,
                fid: str, live: float | None, memo: dict) -> dict | None:
    """The k-split steps of a skipping decode matmul where the estimates choose them over its dense decode plan
    (lang/passes/splitk.choose_split); else None (it runs on that plan)."""
    steps = decode_matmul(n, ts, names, cfg, share, plan)
    _, (dense,) = cheapest([steps], lays, cfg, fid, memo)
    return choose_split(n, ts, names, rows_name(names[n.inputs[1]]), lays, cfg, fid, (dense.cycles, len(steps)), live)


def _split(n: Node, ts: list[TensorType], names: dict, sparse: bool) -> dict:
    """The steps of an op split over its cores: its output pages (matmul blocks) in contiguous runs."""
    work = _matmul(n, ts, names, wide=True) if sparse else _SPLIT[n.op](n, ts, names)
    kind = STEPS[n.op]  # the primitive and its step kind share one name (tensix/ops.py)
    if sparse:
        kind, work["fields"]["b_rows"] = MatmulRows, rows_name(names[n.inputs[1]])
    items = _shard_order(n, work["items"], ts)
    cores = n.attrs["_cores"][:len(items)]  # fewer work items than cores: the first cores take one each
    steps = {core: kind(**work["fields"], **{work["key"]: tuple(items[i * len(items) // len(cores):
                                                                     (i + 1) * len(items) // len(cores)])})
             for i, core in enumerate(cores)}
    if sparse:
        _share_activations(steps)
    return steps


def sharded_weights(graph: Graph, names: dict, decodes: set[str], cfg: MeshConfig, share: int
                    ) -> tuple[dict[str, tuple[int, ...]], dict]:
    """Params to lay out DRAM-sharded (param -> its bands per bank), and each decode matmul's sharded plan: a
    param read only as the weights of decode matmuls whose plans agree on its bands, where the estimate of
    every such matmul is lower sharded than interleaved."""
    params = {p.name: p for p in graph.params}
    types = graph.types()
    users: dict[str, list] = {}
    for n in graph.nodes:
        for i, ref in enumerate(n.inputs):
            if ref in params:
                users.setdefault(ref, []).append(n if n.id in decodes and i == 1 else None)
    plans = {n.id: shard_plan(n, [types[i] for i in n.inputs], cfg) for ns in users.values() for n in ns if n}
    chosen = {}
    interleaved = layouts(graph, names, {})
    last = {names[v]: v for v in types}
    memo: dict = {}  # every layer's decode matmuls have the same shapes and layouts: estimated once
    for w, ns in users.items():
        bands = {plans[n.id].bands if n else None for n in ns}
        if None in bands or len(bands) != 1 or params[w].type.rank != 2:
            continue
        band = next(iter(bands))
        lays = interleaved  # w alone sharded (when its buffer's layout is its own: layouts takes the last value's)
        if band and last[names[w]] == w:
            lays = interleaved | {names[w]: replace(interleaved[names[w]], bands=band)}
        if all(_sharded_pays(n, [types[i] for i in n.inputs], names, cfg, share, plans[n.id], lays,
                             fidelity(graph, n), memo) for n in ns):
            chosen[w] = band
    return chosen, plans


def _sharded_pays(n: Node, ts: list[TensorType], names: dict, cfg: MeshConfig, share: int, plan, lays: dict,
                  fid: str, memo: dict) -> bool:
    options = [decode_matmul(n, ts, names, cfg, share), decode_matmul(n, ts, names, cfg, share, plan)]
    best, _ = cheapest(options, lays, cfg, fid, memo)
    return best == 1


def _share_activations(steps: dict) -> None:
    """Sparse decode matmul on a row of cores: the first reads the activation band, multicasts it to the rest.

    Only when the cores form one rectangle row and run the same number of blocks over the same band, so the
    sender's and the receivers' handshakes pair up.
    """
    cores = sorted(steps, key=lambda c: (c[1], c[0]))
    bands = {tuple(b[0] for b in steps[c].blocks) for c in cores}
    xs = [c[0] for c in cores]
    one_row = len({c[1] for c in cores}) == 1 and xs == list(range(xs[0], xs[0] + len(xs)))
    if len(cores) < 2 or len(bands) != 1 or not one_row:
        return
    first, last = cores[0], cores[-1]
    share = Share(sender=first, rect=(first[0], first[1], last[0], last[1]), n=len(cores) - 1)
    for c in cores:
        steps[c] = replace(steps[c], mcast=Mcast(a=share))


# Share of live activation columns (in one k step of one core) up to which a skipping decode matmul gathers weight
# rows instead of streaming tiles. Measured (`tensix bench --only gather_crossover --json`: every k step made to
# gather, then made to stream, at fractions of live columns chosen at random) on the plan of the per-k-step choice
# over the DRAM-sharded dense decode plan, wormhole_n150, bf16: for 1 x 3072 @ 3072 x 768 gathering costs
# 0.97x/1.00x/1.12x/1.54x of streaming at 12.5/14/15.6/25% live (batch 1; batch 32 0.93x/1.02x/1.09x/1.51x);
# for a wide 1 x 768 @ 768 x 3072 (more output tiles a core, so more bytes a gathered row) 0.94x/1.03x/1.35x at
# 6.25/9.4/12.5% live. Choosing per k step at 12.5% was never slower than at 25% and faster at every point from
# 12.5% to 25% live (e.g. 3072 x 768 batch 1 at 18.75% live 33,660 against 41,395 cycles); against 9.4% it wins on
# the 3072 x 768 shape, the down projection a ReLU feeds (at 9.4% live 25,384 against 29,291), and loses up to 18%
# on the wide one. Measured before, on the plan without the per-k-step choice: 25%.
GATHER_PAYS = 0.125


def skipping_decode(steps: dict, b_rows: str) -> dict:
    """The dense decode plan's steps as skipping steps: the same cores, column runs, k steps and activation
    multicast, so a dense activation streams as the dense plan does (plus the charged zero check) and a sparse one
    gathers only its live weight rows. A core's run goes in blocks of at most DST_TILES output tiles (a block
    accumulates in DST; the band is read and checked once for all of them). Each block picks at run time: gather
    the live weight rows when at most GATHER_PAYS of the activation's columns are live, else stream."""
    out = {}
    for core, step in steps.items():
        (r0, bm, c0, width, b_off, o_r0), = step.blocks
        blocks = tuple(Block(r0, bm, c, min(DST_TILES, c0 + width - c), b_off, o_r0)
                       for c in range(c0, c0 + width, DST_TILES))
        kept = {f.name: getattr(step, f.name) for f in fields(step) if f.name not in ("blocks", "sub", "a_kb")}
        out[core] = MatmulRows(**kept, blocks=blocks, b_rows=b_rows, max_density=GATHER_PAYS)
    return out


def rows_name(weight: str) -> str:
    """The DRAM buffer holding the row-major copy of a sparse matmul's weight."""
    return f"{weight}.rows"


def sparse_weights(graph: Graph) -> set[str]:
    """Weights of decode-sized matmuls (at most 32 activation rows) whose activations come out of a ReLU, or
    are an input marked `@sparse` (computed elsewhere, e.g. by a ReLU), where whole activation columns are
    zero. They are stored row-major and read row by row. (Gating zeroes token rows, not columns: those matmuls
    keep whole tiles and skip the tiles of tokens routed elsewhere.)"""
    producers = {n.id: n for n in graph.nodes}
    params = {p.name: p for p in graph.params}
    chosen, refused = set(), set()
    for n in graph.nodes:
        for i, ref in enumerate(n.inputs):
            if ref in params and (n.op != Op.MATMUL or i != 1 or not _sparse_activation(n, producers, graph)):
                refused.add(ref)
            elif ref in params:
                chosen.add(ref)
    return {w for w in chosen - refused if params[w].type.dtype in ("fp32", "bf16") and params[w].type.rank == 2}


def _sparse_activation(mm: Node, producers: dict, graph: Graph) -> bool:
    a = graph.types()[mm.inputs[0]]
    if a.rank != 2 or a.shape[0] > 32:
        return False
    src = producers.get(mm.inputs[0])
    if src is None:
        return any(i.name == mm.inputs[0] and i.annotations.sparse for i in graph.inputs)
    chain = src.attrs.get("chain", [])
    return bool(chain and chain[-1][0] == "relu")


def _matmul(n: Node, ts: list[TensorType], names: dict, wide: bool = False) -> dict:
    """Output blocks of a matmul; `wide` (sparse decode matmuls) takes 1x4-tile blocks so each core scans the
    activation vector once for four output tiles instead of once per tile."""
    a, b = ts[0], ts[1]
    mt, kt, nt = pages.tiles(a.shape[-2]) if a.rank > 1 else 1, pages.tiles(a.shape[-1]), pages.tiles(b.shape[-1])
    batch = math.prod(a.shape[:-2]) if a.rank > 2 else 1
    bm, bn = (1, min(4, nt)) if wide else _block(mt, nt, batch, len(n.attrs["_cores"]))
    blocks = [Block(bi * mt + r, min(bm, mt - r), c, min(bn, nt - c), bi * kt if b.rank > 2 else 0, bi * mt + r)
              for bi in range(batch) for r in range(0, mt, bm) for c in range(0, nt, bn)]
    fields = {"a": names[n.inputs[0]], "b": names[n.inputs[1]], "kt": kt, "b_cols": nt, "out_cols": nt}
    if len(n.inputs) > 2:
        fields["bias"] = names[n.inputs[2]]
    return {"key": "blocks", "items": blocks, "fields": common(n, names, **fields)}


def _shard_order(n: Node, items: list, ts: list[TensorType]) -> list:
    """@shard(width): cores take contiguous runs of output columns instead of rows (the default, height)."""
    if n.annotations.shard != "width" or n.op == Op.MATMUL and len(items) and len(items[0]) == 6:
        if n.op == Op.MATMUL and n.annotations.shard == "width":
            return sorted(items, key=lambda b: (b[2], b[0]))  # blocks by column, then row
        return items
    grid = pages.grid(n.type.shape)
    cols = grid[-1]
    return sorted(items, key=lambda it: (it[0] % cols, it[0] // cols))


def _block(mt: int, nt: int, batch: int, ncores: int) -> tuple[int, int]:
    for bm, bn in _BLOCKS:
        if bm <= mt and bn <= nt and batch * -(-mt // bm) * -(-nt // bn) >= ncores:
            return bm, bn
    return 1, 1


def _binary(n: Node, ts: list[TensorType], names: dict) -> dict:
    out_grid = pages.grid(n.type.shape)
    total, nt = math.prod(out_grid), out_grid[-1]
    how = n.attrs["bcast"]
    div, mod = _operand_rule(how, ts[1], n.type.shape, nt)
    q = np.arange(total)
    b_pages = (q // div % mod if mod else q // div).tolist()
    # built in C, not a Python call per page (a causal mask's add at 4k tokens has 147k pages a layer); out and a
    # share one int object per page
    qs = list(range(total))
    items = list(map(tuple.__new__, repeat(BinaryPage), zip(qs, qs, b_pages)))
    fields = {"a": names[n.inputs[0]], "b": names[n.inputs[1]], "fn": n.attrs["fn"], "bcast": how}
    more = [Operand(names[ref], fn, bcast, swap, *_operand_rule(bcast, t, n.type.shape, nt), fmt)
            for (fn, bcast, swap, fmt), ref, t in zip(n.attrs.get("more", ()), n.inputs[2:], ts[2:], strict=True)]
    if more:
        fields["more"] = tuple(more)
    return {"key": "pages", "items": items, "fields": common(n, names, **fields)}


def _operand_rule(how: str, t: TensorType, out_shape: tuple[int, ...], nt: int) -> tuple[int, int]:
    """(div, mod): an elementwise operand broadcast `how`, of type t, is read at page (q // div) % mod for output
    page q (mod 0: no modulo): the whole output, each matrix of a batch, a row's pages, or a column's."""
    if how == "row":
        return 1, nt
    if how == "col":
        return nt, 0
    return (1, 0) if t.shape == out_shape else (1, pages.matrix_pages(t.shape))


def _unary(n: Node, ts: list[TensorType], names: dict) -> dict:
    total = math.prod(pages.grid(n.type.shape))
    return {"key": "pages", "items": [UnaryPage(q, q) for q in range(total)],
            "fields": common(n, names, a=names[n.inputs[0]])}


def _reduce(n: Node, ts: list[TensorType], names: dict) -> dict:
    grid = pages.grid(ts[0].shape)
    rows, nt = math.prod(grid[:-1]), grid[-1]
    fields = {"a": names[n.inputs[0]], "fn": n.attrs["fn"], "scale": float(n.attrs["scale"])}
    items = [RowSpan(r, r * nt, nt) for r in range(rows)]
    return {"key": "rows", "items": items, "fields": common(n, names, **fields)}


def _row(n: Node, ts: list[TensorType], names: dict) -> dict:
    """A fused row op: whole tile rows per core (with gamma and beta, or the causal mask's matching rows)."""
    grid = pages.grid(ts[0].shape)
    rows, nt = math.prod(grid[:-1]), grid[-1]
    fields = {"a": names[n.inputs[0]], "fn": n.attrs["fn"], "eps": float(n.attrs.get("eps", 0.0)), "nt": nt,
              "aux": tuple(names[i] for i in n.inputs[1:])}
    if n.attrs.get("block"):  # a row too wide for L1, streamed in blocks
        fields["block"] = n.attrs["block"]
    if n.attrs["fn"] == "softmax" and len(ts) > 1:
        fields["mask_rows"] = math.prod(pages.grid(ts[1].shape)[:-1])
    items = [RowSpan(r, r * nt, nt) for r in range(rows)]
    return {"key": "rows", "items": items, "fields": common(n, names, **fields)}


def _move(n: Node, ts: list[TensorType], names: dict) -> dict:
    items = [CopyPage(q, *entry) for q, entry in enumerate(n.attrs["_map"])]
    return {"key": "pages", "items": items, "fields": common(n, names, inputs=tuple(names[i] for i in n.inputs))}


def _gather(n: Node, ts: list[TensorType], names: dict) -> dict:
    grid = pages.grid(n.type.shape)
    items = [GatherPage(r * grid[-1] + c, r, c) for r in range(grid[-2]) for c in range(grid[-1])]
    fields = {"ids": names[n.inputs[0]], "table": names[n.inputs[1]], "table_cols": grid[-1]}
    return {"key": "pages", "items": items, "fields": common(n, names, **fields)}


_SPLIT = {Op.MATMUL: _matmul, Op.BINARY: _binary, Op.UNARY: _unary, Op.REDUCE: _reduce, Op.ROW: _row, Op.COPY: _move,
          Op.GATHER_ROWS: _gather}
