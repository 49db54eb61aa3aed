"""decompose: rewrite every language op into the primitives the device runs (tensix/ops.py's `Op`).

matmul (optional bias), binary (add/sub/mul with row/col/batch broadcast), unary (a chain of unary fns), reduce
(row sum/max with scale), copy (page permutation: transpose, heads, reshape, slice, concat), gather_rows
(embedding), row (softmax, layernorm or rmsnorm over whole tile rows held on one core, as tt-metal's fused ops),
attention (fused scaled-dot-product attention, lang/passes/attention.py) and view (the same pages read as another
shape: a reshape that keeps the tile layout moves nothing).
Softmax and the norms become one `row` op: holding whole tile rows when a row and its intermediates fit in a quarter
of a core's L1, else streaming each row in blocks (`block`, read twice, stages/rowstream.py; rowfit.py chooses);
rope and topk_gate become several primitives. Constants they need
(causal masks, rotary tables) go in `graph.meta["constants"]`. Shapes the tile layout cannot express raise
ShapeError at the op.

Any length: every matrix is padded to whole tiles (each matrix of a batch separately, tensix/dram.py). Padding
columns hold zeros (every op keeps them so: a transpose that turns padding rows into columns zeroes them, softmax
masks them, the norms reduce over the real columns only), so a matmul's padded k terms add nothing; padding rows
may hold any finite values, which only reach padding rows. Rows regrouped off tile boundaries (a reshape, a
slice of rows) go through an exact 0/1 matmul.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from tensix.config import MeshConfig
from tensix.lang import pages
from tensix.lang.errors import ShapeError
from tensix.lang.ir import Graph, Node, Output, Param, TensorType
from tensix.lang.passes.attend import attend
from tensix.lang.passes.attention import decompose_attention
from tensix.lang.passes.rope import rope
from tensix.lang.passes.rowfit import row_attrs
from tensix.lang.passes.rows import (
    embedding,
    ones_row,
    padded_rows,
    regroup_rows,
    row_places,
    same_rows,
    softmax_mask,
)
from tensix.lang.passes.shapes import query_groups
from tensix.lang.reference import MASK_BIAS
from tensix.ops import Op

PRIMITIVES = (Op.MATMUL, Op.BINARY, Op.UNARY, Op.REDUCE, Op.COPY, Op.GATHER_ROWS, Op.ROW, Op.ATTENTION, Op.VIEW)


class _Emitter:
    """Collects the primitive nodes of one source node; the last one keeps the source node's id."""

    def __init__(self, node: Node, graph_meta: dict, params: list[Param], l1_bytes: int, shared: dict[tuple, str]):
        self.node, self.meta, self.params, self.l1_bytes = node, graph_meta, params, l1_bytes
        self.shared = shared  # key -> the constant built for it (const_once), over the whole graph
        self.out: list[Node] = []

    def add(self, op: Op, inputs, type_: TensorType, **attrs) -> str:
        attrs.setdefault("chain", [])
        attrs["source_op"] = self.node.op
        nid = f"{self.node.id}.{len(self.out)}"
        self.out.append(Node(nid, op, tuple(inputs), attrs, type_, self.node.annotations, self.node.pos))
        return nid

    def const(self, tag: str, value: np.ndarray, dtype: str) -> str:
        name = f"{self.node.id}.{tag}"
        self.meta.setdefault("constants", {})[name] = value.astype(np.float32, copy=False)
        self.params.append(Param(name, TensorType(dtype, tuple(value.shape)), None, pos=self.node.pos))
        return name

    def const_once(self, key: tuple, tag: str, make, dtype: str) -> str:
        """The constant `make()` gives, built and stored once per graph for each `key` (what determines its values):
        every layer's causal mask is one buffer, not an S x S one per layer (64 MB each at 4k tokens)."""
        name = self.shared.get(key)
        if name is None:
            name = self.shared[key] = self.const(tag, make(), dtype)
        return name

    def finish(self) -> list[Node]:
        last = self.out[-1]
        self.out[-1] = replace(last, id=self.node.id)
        return self.out

    def error(self, message: str) -> ShapeError:
        return ShapeError(self.node.pos, f"{self.node.op}: {message}")


def decompose(graph: Graph, cfg: MeshConfig) -> Graph:
    """The same graph in primitives (node ids of the original ops are kept); written-out attention fused (attend)."""
    graph = attend(graph)
    meta = dict(graph.meta)
    params = list(graph.params)
    types = graph.types()
    nodes: list[Node] = []
    shared: dict[tuple, str] = {}
    for node in graph.nodes:
        e = _Emitter(node, meta, params, cfg.l1_bytes, shared)
        _RULES[node.op](e, node, [types[i] for i in node.inputs])
        for n in e.finish():
            types[n.id] = n.type
            nodes.append(n)
    outputs = _own_output_values(graph, nodes, types)
    return replace(graph, nodes=tuple(nodes), params=tuple(params), outputs=outputs, meta=meta)


def _own_output_values(graph: Graph, nodes: list[Node], types: dict) -> tuple[Output, ...]:
    """Each output needs an op writing its own DRAM buffer: an output naming an input, a param or a value an
    earlier output already returns reads a copy (a `unary` with no chain), appended to `nodes`."""
    taken = {v.name for v in (*graph.inputs, *graph.params)} | {n.id for n in nodes if n.op == Op.VIEW}
    outputs = []
    for o in graph.outputs:
        if o.value in taken:
            nid = str(len(types))  # node ids are numbers; len(types) counts every name and id, so it is unused
            copy = {"chain": [], "source_op": "output"}
            nodes.append(Node(nid, Op.UNARY, (o.value,), copy, types[o.value], pos=o.pos))
            types[nid] = types[o.value]
            o = replace(o, value=nid)
        taken.add(o.value)
        outputs.append(o)
    return tuple(outputs)


# --- elementwise ----------------------------------------------------------------------------------------


def _unary(chain):
    def rule(e: _Emitter, n: Node, ts) -> None:
        e.add(Op.UNARY, n.inputs, n.type, chain=[list(c) for c in chain(n)])
    return rule


def _bcast(a: TensorType, b: TensorType, out: TensorType) -> str | None:
    m, c = out.shape[-2] if out.rank > 1 else 1, out.shape[-1]
    bs = b.shape
    if tuple(bs[-2:]) == (m, c) and len(bs) >= 2 or (len(bs) == 1 and out.rank == 1 and bs[0] == c):
        return "none"
    if bs[-1] == c and (len(bs) == 1 or bs[-2] == 1) and all(d == 1 for d in bs[:-2]):
        return "row"
    if len(bs) >= 2 and bs[-1] == 1 and bs[-2] == m and all(d == 1 for d in bs[:-2]):
        return "col"
    return None


def _binary(e: _Emitter, n: Node, ts) -> None:
    a, b = n.inputs
    ta, tb = ts
    if ta.shape != n.type.shape and n.op in ("add", "mul"):
        a, b, ta, tb = b, a, tb, ta
    how = _bcast(ta, tb, n.type) if ta.shape == n.type.shape else None
    if how is None:
        raise e.error(f"cannot broadcast {tb} against {ta} on the device: the second operand must have the full "
                      f"shape, or be a row [..., 1, N] / [N], or a column [..., M, 1]")
    if how == "none" and len(tb.shape) > 2 and tb.shape[:-2] != n.type.shape[:-2]:
        raise e.error(f"batch broadcast of {tb} against {ta} is supported only when {tb} has no leading dims")
    out = e.add(Op.BINARY, (a, b), n.type, fn=n.op, bcast=how)
    if how == "col" and n.op != "mul" and not pages.aligned(n.type.shape, -1):  # a column added to the padding too
        e.add(Op.BINARY, (out, ones_row(e, n.type.shape[-1], n.type.dtype)), n.type, fn="mul", bcast="row")


# --- row-wise composites ------------------------------------------------------------------------------


def _col_type(t: TensorType) -> TensorType:
    return TensorType(t.dtype, (*t.shape[:-1], 1))


def _softmax(e: _Emitter, n: Node, ts) -> None:
    x, t = n.inputs[0], ts[0]
    if len(ts) > 1:
        x = e.add(Op.BINARY, (x, _mask_bias(e, n.inputs[1], ts[1], t)), t, fn="add",
                  bcast="row" if ts[1].rank == 1 or ts[1].shape[-2] == 1 else "none")
    mask = softmax_mask(e, t, bool(n.attrs.get("causal")))
    fused = row_attrs(e.l1_bytes, "softmax", [t] * (2 if mask else 1))
    if fused is not None:
        e.add(Op.ROW, (x, mask) if mask else (x,), n.type, fn="softmax", **fused)
        return
    if mask:
        x = e.add(Op.BINARY, (x, mask), t, fn="add", bcast="none")
    m = e.add(Op.REDUCE, (x,), _col_type(t), fn="max", scale=1.0)
    ex = e.add(Op.BINARY, (x, m), t, fn="sub", bcast="col", chain=[["exp"]])
    s = e.add(Op.REDUCE, (ex,), _col_type(t), fn="sum", scale=1.0, chain=[["recip"]])
    e.add(Op.BINARY, (ex, s), n.type, fn="mul", bcast="col")


def _mask_bias(e: _Emitter, mask: str, m: TensorType, t: TensorType) -> str:
    """softmax's mask as the bias it adds, (mask - 1) * MASK_BIAS, in a shape the device's add broadcasts: a
    row [N] / [1, N], or whole [M, N] matrices, those of the mask's missing or size-1 leading axes (heads) copied
    page by page."""
    bias = e.add(Op.UNARY, (mask,), m, chain=[["add_scalar", -1.0], ["scale", MASK_BIAS]])
    if m.rank == 1 or m.shape[-2] == 1:
        if any(d != 1 for d in m.shape[:-2]):
            raise e.error(f"a row mask {m} must have no leading axes other than 1 on the device; give it as "
                          f"[..., {t.shape[-2]}, {t.shape[-1]}]")
        return bias
    if m.rank == 2 or m.shape[:-2] == t.shape[:-2]:
        return bias
    grid = pages.tagged(0, m.shape).reshape((1,) * (t.rank - m.rank) + pages.grid(m.shape))
    full = np.broadcast_to(grid, (*t.shape[:-2], *grid.shape[-2:]))
    return e.add(Op.COPY, (bias,), TensorType(m.dtype, (*t.shape[:-2], *m.shape[-2:])), _map=pages.move_map(full))


def _norm(e: _Emitter, x: str, t: TensorType, eps: float, center: bool) -> str:
    inv_n = 1.0 / t.shape[-1]
    if center:
        mean = e.add(Op.REDUCE, (x,), _col_type(t), fn="sum", scale=inv_n)
        x = e.add(Op.BINARY, (x, mean), t, fn="sub", bcast="col")
        if not pages.aligned(t.shape, -1):  # x - mean is -mean in the padding columns: zero them again
            x = e.add(Op.BINARY, (x, ones_row(e, t.shape[-1], t.dtype)), t, fn="mul", bcast="row")
    sq = e.add(Op.UNARY, (x,), t, chain=[["square"]])
    rstd = e.add(Op.REDUCE, (sq,), _col_type(t), fn="sum", scale=inv_n, chain=[["add_scalar", eps], ["rsqrt"]])
    return e.add(Op.BINARY, (x, rstd), t, fn="mul", bcast="col")


def _fused_norm(e: _Emitter, fn: str, ts: list[TensorType]) -> dict | None:
    """A norm's row op attrs (rowfit.row_attrs), or None: its kernel averages over whole tiles."""
    return row_attrs(e.l1_bytes, fn, ts) if pages.aligned(ts[0].shape, -1) else None


def _layernorm(e: _Emitter, n: Node, ts) -> None:
    x, gamma, beta = n.inputs
    fused = _fused_norm(e, "layernorm", ts)
    if fused is not None:
        e.add(Op.ROW, n.inputs, n.type, fn="layernorm", eps=n.attrs["eps"], **fused)
        return
    normed = _norm(e, x, ts[0], n.attrs["eps"], center=True)
    scaled = e.add(Op.BINARY, (normed, gamma), n.type, fn="mul", bcast="row")
    e.add(Op.BINARY, (scaled, beta), n.type, fn="add", bcast="row")


def _rmsnorm(e: _Emitter, n: Node, ts) -> None:
    x, gamma = n.inputs
    fused = _fused_norm(e, "rmsnorm", ts)
    if fused is not None:
        e.add(Op.ROW, n.inputs, n.type, fn="rmsnorm", eps=n.attrs["eps"], **fused)
        return
    normed = _norm(e, x, ts[0], n.attrs["eps"], center=False)
    e.add(Op.BINARY, (normed, gamma), n.type, fn="mul", bcast="row")


def _topk_gate(e: _Emitter, n: Node, ts) -> None:
    (t,) = ts
    if t.shape[-1] > 32:
        raise e.error(f"{t}: the device gate handles at most 32 experts (one tile column)")
    if not n.attrs.get("normalize", True):
        raise e.error("normalize=false is not supported on the device; the gate renormalizes over the top k")
    e.add(Op.UNARY, n.inputs, n.type, chain=[["topk", n.attrs["k"], t.shape[-1]]])


# --- data movement --------------------------------------------------------------------------------------


def _move(e: _Emitter, n: Node, out: np.ndarray, transpose: bool = False, source: TensorType | None = None) -> None:
    """A copy of the pages `out` names; a view when they are all of `source`'s pages in their order (a 1-row
    split_heads or merge_heads, a slice of every row): the same bits, nothing moved."""
    flat = out.reshape(-1)
    if (not transpose and source is not None and flat.size == pages.page_index(source.shape).size
            and np.array_equal(flat, np.arange(flat.size))):
        e.add(Op.VIEW, n.inputs[:1], n.type)
        return
    e.add(Op.COPY, n.inputs, n.type, _map=pages.move_map(out, transpose))


def _require(e: _Emitter, ok: bool, what: str) -> None:
    if not ok:
        raise e.error(f"{what} (the device moves whole 32x32 tiles)")


def _transpose(e: _Emitter, n: Node, ts) -> None:
    t = ts[0]
    r = t.rank
    perm = list(n.attrs["perm"]) if n.attrs.get("perm") is not None else [*range(r - 2), r - 1, r - 2]
    _require(e, sorted(perm[-2:]) == [r - 2, r - 1], f"transpose {perm} must keep the last two axes last")
    swap = perm[-1] == r - 2
    moved = e.add(Op.COPY, n.inputs, n.type, _map=pages.move_map(np.transpose(pages.tagged(0, t.shape), perm), swap))
    if swap and not pages.aligned(t.shape, -2):  # the padding rows (any values) became padding columns: zero them
        e.add(Op.BINARY, (moved, ones_row(e, t.shape[-2], t.dtype)), n.type, fn="mul", bcast="row")


def _split_heads(e: _Emitter, n: Node, ts) -> None:
    t, heads = ts[0], n.attrs["heads"]
    dh = t.shape[-1] // heads
    _require(e, dh % 32 == 0, f"split_heads of {t} into {heads} heads needs a head dim that is a multiple of 32")
    idx = pages.tagged(0, t.shape)
    idx = idx.reshape(*idx.shape[:-1], heads, dh // 32)
    _move(e, n, np.swapaxes(idx, -2, -3), source=t)


def _merge_heads(e: _Emitter, n: Node, ts) -> None:
    t = ts[0]
    _require(e, pages.aligned(t.shape, -1), f"merge_heads of {t} needs a head dim that is a multiple of 32")
    idx = np.swapaxes(pages.tagged(0, t.shape), -2, -3)
    _move(e, n, idx.reshape(*idx.shape[:-2], idx.shape[-2] * idx.shape[-1]), source=t)


def _reshape(e: _Emitter, n: Node, ts) -> None:
    """A view when the pages stay where they are (every row keeps its place in the padded layout), else the rows
    regrouped by a 0/1 matmul."""
    t = ts[0]
    if not (t.shape[-1] == n.type.shape[-1] or t.rank == 1 and n.type.rank == 1):
        raise e.error(f"reshape {t} -> {n.type} changes the last dim ({t.shape[-1]} -> {n.type.shape[-1]}), which "
                      f"would move values between tile rows and columns; the device reshapes only the leading dims "
                      f"(split_heads / merge_heads split or join the last dim in whole tiles)")
    if same_rows(t.shape, n.type.shape):
        e.add(Op.VIEW, n.inputs, n.type)
        return
    regroup_rows(e, n.inputs[0], t, n.type, np.arange(math.prod(t.shape[:-1])))


def _slice(e: _Emitter, n: Node, ts) -> None:
    t = ts[0]
    axis = n.attrs["axis"] % t.rank
    start, end = n.attrs["start"], n.attrs.get("end")
    end = t.shape[axis] if end is None else end % (t.shape[axis] + 1)
    in_tiles = axis >= t.rank - 2
    if axis == t.rank - 1 and not (start % 32 == 0 and (end % 32 == 0 or end == t.shape[axis])):
        # columns off tile boundaries: multiply by a 0/1 selection matrix (exact: one product per output)
        pick = np.zeros((t.shape[-1], end - start))
        pick[np.arange(start, end), np.arange(end - start)] = 1.0
        e.add(Op.MATMUL, (n.inputs[0], e.const("pick", pick, t.dtype)), n.type)
        return
    if axis == t.rank - 2 and start % 32:  # rows off tile boundaries: regrouped by a 0/1 matmul
        lead, rows = math.prod(t.shape[:-2]), t.shape[-2]
        source = (np.arange(lead)[:, None] * rows + np.arange(start, end)[None, :]).reshape(-1)
        regroup_rows(e, n.inputs[0], t, n.type, source)
        return
    # a slice of rows from a tile boundary takes whole tiles: the rows after `end` land in the padding rows
    idx = pages.tagged(0, t.shape)
    g_axis = axis if t.rank > 1 else 1
    lo, hi = (start // 32, pages.tiles(end)) if in_tiles else (start, end)
    _move(e, n, np.take(idx, np.arange(lo, hi), axis=g_axis), source=t)


def _concat(e: _Emitter, n: Node, ts) -> None:
    """Whole tiles of the parts moved into place; parts off tile boundaries along one of the last two axes placed
    by exact 0/1 matmuls (one product per output) and added."""
    axis = n.attrs["axis"] % n.type.rank
    if axis >= n.type.rank - 2 and any(t.shape[axis] % 32 for t in ts[:-1]):
        placed = [_place_part(e, x, t, n.type, sum(u.shape[axis] for u in ts[:i]), axis == n.type.rank - 1)
                  for i, (x, t) in enumerate(zip(n.inputs, ts, strict=True))]
        out = placed[0]
        for part in placed[1:]:
            out = e.add(Op.BINARY, (out, part), n.type, fn="add", bcast="none")
        return
    parts = [pages.tagged(i, t.shape) for i, t in enumerate(ts)]
    _move(e, n, np.concatenate(parts, axis=axis if n.type.rank > 1 else 1))


def _place_part(e: _Emitter, x: str, t: TensorType, out: TensorType, offset: int, columns: bool) -> str:
    """A concat part at `offset` along the last axis (x @ E, E [d, D] 0/1) or the rows axis (P @ x on 2-D views of
    both tensors' pages, P 0/1), zeros elsewhere."""
    if columns:
        place = np.zeros((t.shape[-1], out.shape[-1]))
        place[np.arange(t.shape[-1]), offset + np.arange(t.shape[-1])] = 1.0
        return e.add(Op.MATMUL, (x, e.const(f"place{offset}", place, t.dtype)), out)
    lead, rows = math.prod(t.shape[:-2]), t.shape[-2]
    targets = (np.arange(lead)[:, None] * out.shape[-2] + offset + np.arange(rows)[None, :]).reshape(-1)
    pick = np.zeros((padded_rows(out.shape), padded_rows(t.shape)))
    pick[row_places(out.shape)[targets], row_places(t.shape)] = 1.0
    flat_in = TensorType(t.dtype, (padded_rows(t.shape), t.shape[-1]))
    flat_out = TensorType(out.dtype, (padded_rows(out.shape), out.shape[-1]))
    if t.rank > 2:
        x = e.add(Op.VIEW, (x,), flat_in)
    y = e.add(Op.MATMUL, (e.const(f"place{offset}", pick, t.dtype), x), flat_out if out.rank > 2 else out)
    return e.add(Op.VIEW, (y,), out) if out.rank > 2 else y


def _matmul(e: _Emitter, n: Node, ts) -> None:
    a, b = ts
    rhs = n.inputs[1]
    groups = query_groups(a.shape, b.shape)
    if groups > 1:  # grouped-query: copy each of b's heads next to itself for the heads of a that share it
        b = TensorType(b.dtype, (*b.shape[:-3], b.shape[-3] * groups, *b.shape[-2:]))
        idx = np.repeat(pages.tagged(0, ts[1].shape), groups, axis=-3)
        rhs = e.add(Op.COPY, (n.inputs[1],), b, _map=pages.move_map(idx))
    if b.rank > 2 and b.shape[:-2] != a.shape[:-2]:
        raise e.error(f"batched matmul of {a} @ {b}: batch dims must match (or b has none)")
    e.add(Op.MATMUL, (n.inputs[0], rhs), n.type)


_RULES = {
    "matmul": _matmul, "add": _binary, "sub": _binary, "mul": _binary,
    "scale": _unary(lambda n: [["scale", n.attrs["factor"]]]),
    "relu": _unary(lambda n: [["relu"]]),
    "silu": _unary(lambda n: [["silu"]]),
    "gelu": _unary(lambda n: [["gelu_tanh" if n.attrs.get("approx") else "gelu"]]),
    "cast": _unary(lambda n: [["trunc"]] if n.attrs["dtype"] == "int32" else []),  # as the reference's astype
    "softmax": _softmax, "layernorm": _layernorm, "rmsnorm": _rmsnorm, "topk_gate": _topk_gate, "rope": rope,
    "transpose": _transpose, "split_heads": _split_heads, "merge_heads": _merge_heads, "reshape": _reshape,
    "slice": _slice, "concat": _concat, "embedding": embedding,
    "scaled_dot_product_attention": lambda e, n, ts: decompose_attention(e, n, ts, _RULES, _mask_bias),
}
