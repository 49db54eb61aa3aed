"""Shape and dtype inference: `shapes(graph) -> Graph` types every node; `infer` is the rule for one op.

Float ops take fp32 | bf16 | bfp8_b and produce the widest input format (fp32 > bf16 > bfp8_b > bfp4_b); int32 is
only for token ids and positions. Errors are `ShapeError`s at the op's position naming both shapes.
"""

from __future__ import annotations

import math
from dataclasses import replace

from tensix.lang.errors import ErrorList, ShapeError, SourcePos
from tensix.lang.ir import DTYPES, FLOAT_DTYPES, Graph, TensorType

__all__ = ["infer", "shapes", "broadcast", "query_groups"]


class _Mismatch(Exception):
    """A rule's complaint; `infer` turns it into a ShapeError at the op's position."""


def infer(op: str, types: list[TensorType], attrs: dict, pos: SourcePos | None = None) -> TensorType:
    """The output type of `op` applied to inputs of `types`; raises ShapeError naming the op."""
    rule = _RULES.get(op)
    if rule is None:
        raise ShapeError(pos, f"unknown op '{op}'")
    try:
        return rule(types, attrs)
    except _Mismatch as e:
        raise ShapeError(pos, f"{op}: {e}") from None


def shapes(graph: Graph) -> Graph:
    """Infer every node's type from its inputs; raises ErrorList of ShapeErrors (one per failing op)."""
    known: dict[str, TensorType | None] = {v.name: v.type for v in (*graph.inputs, *graph.params)}
    nodes, errors = [], []
    for node in graph.nodes:
        ins = [known.get(ref) for ref in node.inputs]
        type_ = None
        if all(ins):
            try:
                type_ = infer(node.op, ins, node.attrs, node.pos)
            except ShapeError as e:
                errors.append(e)
        known[node.id] = type_
        nodes.append(replace(node, type=type_))
    outputs = tuple(replace(o, type=known.get(o.value)) for o in graph.outputs)
    if errors:
        raise ErrorList(errors)
    return replace(graph, nodes=tuple(nodes), outputs=outputs)


# ---- helpers ----


def _float(t: TensorType, role: str = "input") -> TensorType:
    if t.dtype not in FLOAT_DTYPES:
        raise _Mismatch(f"{role} must be a float tensor (fp32, bf16, bfp8_b, bfp4_b), got {t}")
    return t


def _promote(*types: TensorType) -> str:
    return min((_float(t).dtype for t in types), key=FLOAT_DTYPES.index)


def broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """NumPy broadcasting of two shapes, or None when they do not broadcast."""
    out = []
    for x, y in zip(reversed((1,) * (len(b) - len(a)) + a), reversed((1,) * (len(a) - len(b)) + b), strict=True):
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y))
    return tuple(reversed(out))


def _min_rank(t: TensorType, rank: int, what: str) -> None:
    if t.rank < rank:
        raise _Mismatch(f"{what} needs at least {rank} axes, got {t}")


def _last_axis_vector(x: TensorType, v: TensorType, role: str) -> None:
    if v.shape != x.shape[-1:]:
        raise _Mismatch(f"{role} {v} does not match the last axis of {x} (expected [{x.shape[-1]}])")


# ---- rules ----


def _matmul(ts, attrs):
    a, b = ts
    dtype = _promote(a, b)
    _min_rank(a, 2, "left operand")
    _min_rank(b, 2, "right operand")
    if a.shape[-1] != b.shape[-2]:
        raise _Mismatch(f"inner dimensions differ: {a} @ {b} ({a.shape[-1]} vs {b.shape[-2]})")
    batch = broadcast(a.shape[:-2], grouped_shape(a.shape, b.shape))
    if batch is None:
        raise _Mismatch(f"batch dimensions of {a} and {b} do not broadcast (nor group: b's heads, axis -3, "
                        f"must divide a's)")
    return TensorType(dtype, batch + (a.shape[-2], b.shape[-1]))


def query_groups(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """Grouped-query matmul: how many of a's heads (axis -3) share each of b's, or 1 when b is not grouped.

    `[9, S, d] @ [3, d, S]` groups 3: a's heads 0-2 use b's head 0, 3-5 head 1, 6-8 head 2.
    """
    if len(a) < 3 or len(b) < 3 or b[-3] in (1, a[-3]) or a[-3] % b[-3]:
        return 1
    return a[-3] // b[-3]


def grouped_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """b's batch dims with its heads repeated to a's count when the matmul is grouped."""
    batch = b[:-2]
    return (*batch[:-1], batch[-1] * query_groups(a, b)) if batch else batch


def _eltwise(ts, attrs):
    a, b = ts
    dtype = _promote(a, b)
    shape = broadcast(a.shape, b.shape)
    if shape is None:
        raise _Mismatch(f"cannot broadcast {a} with {b}")
    return TensorType(dtype, shape)


def _unary(ts, attrs):
    return _float(ts[0])


def _softmax(ts, attrs):
    x = _float(ts[0])
    _min_rank(x, 2 if attrs.get("causal") else 1, "causal softmax" if attrs.get("causal") else "softmax")
    rows, cols = x.shape[-2:] if x.rank > 1 else (1, x.shape[-1])
    if attrs.get("causal") and rows > cols:  # query i sees keys up to i + cols - rows: the first ones see none
        raise _Mismatch(f"causal softmax of {x} has {rows} queries but {cols} keys, so the first {rows - cols} "
                        f"would attend to no key; give at least as many keys as queries")
    if len(ts) > 1 and broadcast(x.shape, _float(ts[1], "mask").shape) != x.shape:
        raise _Mismatch(f"mask {ts[1]} does not broadcast to {x}")
    return x


def _attention(ts, attrs):
    """q [H, S, d], k and v [KV, S_kv, d] with KV dividing H (grouped-query), or one head ([S, d], [S_kv, d]); an
    optional mask broadcasting to the scores [H, S, S_kv]."""
    q, k, v = (_float(t, role) for t, role in zip(ts, ("q", "k", "v"), strict=False))
    for t, role in ((q, "q"), (k, "k"), (v, "v")):
        if t.rank != q.rank or t.rank not in (2, 3):
            raise _Mismatch(f"{role} must be [heads, rows, head dim] (or [rows, head dim], all three alike), got {t}")
    if k.shape != v.shape:
        raise _Mismatch(f"k {k} and v {v} must have one shape [kv heads, keys, head dim]")
    if k.shape[-1] != q.shape[-1]:
        raise _Mismatch(f"q {q} and k {k} have different head dims ({q.shape[-1]} vs {k.shape[-1]})")
    if q.rank == 3 and q.shape[0] % k.shape[0]:
        raise _Mismatch(f"k's {k.shape[0]} heads must divide q's {q.shape[0]} (grouped-query attention)")
    rows, cols = q.shape[-2], k.shape[-2]
    if attrs.get("causal") and rows > cols:
        raise _Mismatch(f"causal attention of {rows} queries to {cols} keys: the first {rows - cols} would attend "
                        f"to no key; give at least as many keys as queries")
    scores = (*q.shape[:-1], cols)
    if len(ts) > 3 and broadcast(scores, _float(ts[3], "mask").shape) != scores:
        raise _Mismatch(f"mask {ts[3]} does not broadcast to the scores [{', '.join(map(str, scores))}]")
    return TensorType(_promote(q, k, v), (*q.shape[:-1], v.shape[-1]))


def _layernorm(ts, attrs):
    x = _float(ts[0])
    for role, t in zip(("gamma", "beta"), ts[1:], strict=False):
        _last_axis_vector(x, _float(t, role), role)
    if attrs["eps"] <= 0:
        raise _Mismatch(f"eps must be positive, got {attrs['eps']}")
    return x


def _transpose(ts, attrs):
    x = ts[0]
    perm = attrs.get("perm")
    if perm is None:
        _min_rank(x, 2, "transpose")
        return TensorType(x.dtype, x.shape[:-2] + (x.shape[-1], x.shape[-2]))
    if sorted(perm) != list(range(x.rank)):
        raise _Mismatch(f"perm {list(perm)} is not a permutation of the {x.rank} axes of {x}")
    return TensorType(x.dtype, tuple(x.shape[p] for p in perm))


def _reshape(ts, attrs):
    x, shape = ts[0], list(attrs["shape"])
    if not shape or shape.count(-1) > 1 or any(d == 0 or d < -1 for d in shape):
        raise _Mismatch(f"bad target shape {shape}: dimensions must be positive, with at most one -1")
    known = math.prod(d for d in shape if d != -1)
    if -1 in shape and x.numel % known == 0:
        shape[shape.index(-1)] = x.numel // known
    if math.prod(shape) != x.numel or -1 in shape:
        raise _Mismatch(f"cannot reshape {x} ({x.numel} elements) to {list(attrs['shape'])}")
    return TensorType(x.dtype, tuple(shape))


def _split_heads(ts, attrs):
    x, heads = ts[0], attrs["heads"]
    _min_rank(x, 2, "split_heads")
    if heads <= 0 or x.shape[-1] % heads:
        raise _Mismatch(f"cannot split {x} into {heads} heads: {x.shape[-1]} is not a multiple of {heads}")
    return TensorType(x.dtype, x.shape[:-2] + (heads, x.shape[-2], x.shape[-1] // heads))


def _merge_heads(ts, attrs):
    x = ts[0]
    _min_rank(x, 3, "merge_heads")
    return TensorType(x.dtype, x.shape[:-3] + (x.shape[-2], x.shape[-3] * x.shape[-1]))


def _axis(t: TensorType, axis: int) -> int:
    if not -t.rank <= axis < t.rank:
        raise _Mismatch(f"axis {axis} is out of range for {t}")
    return axis % t.rank


def _slice(ts, attrs):
    x = ts[0]
    axis = _axis(x, attrs["axis"])
    start, end, dim = attrs["start"], attrs["end"], x.shape[axis]
    end = dim if end is None else end
    if not 0 <= start < end <= dim:
        raise _Mismatch(f"range {start}:{end} of axis {axis} is out of bounds for {x} (size {dim})")
    return TensorType(x.dtype, x.shape[:axis] + (end - start,) + x.shape[axis + 1:])


def _concat(ts, attrs):
    first = ts[0]
    axis = _axis(first, attrs["axis"])
    for t in ts[1:]:
        if t.rank != first.rank or any(a != b for i, (a, b) in enumerate(zip(t.shape, first.shape)) if i != axis):
            raise _Mismatch(f"cannot join {first} and {t} along axis {axis}")
    size = sum(t.shape[axis] for t in ts)
    return TensorType(_promote(*ts), first.shape[:axis] + (size,) + first.shape[axis + 1:])


def _embedding(ts, attrs):
    ids, table = ts
    if ids.dtype != "int32":
        raise _Mismatch(f"ids must be int32, got {ids}")
    if _float(table, "table").rank != 2:
        raise _Mismatch(f"table must have 2 axes [vocab, dim], got {table}")
    return TensorType(table.dtype, ids.shape + (table.shape[1],))


def _rope(ts, attrs):
    x = _float(ts[0])
    _min_rank(x, 2, "rope")
    theta = attrs.get("theta")
    if theta is not None and not theta > 0:  # theta ** (-2i / d): zero, negative or NaN gives infinite or NaN angles
        raise _Mismatch(f"theta must be a positive number, got {theta}")
    if x.shape[-1] % 2:
        raise _Mismatch(f"the last axis of {x} must be even")
    if len(ts) > 1 and (ts[1].dtype != "int32" or ts[1].shape != (x.shape[-2],)):
        raise _Mismatch(f"positions must be int32[{x.shape[-2]}] for {x}, got {ts[1]}")
    return x


def _topk_gate(ts, attrs):
    x, k = _float(ts[0]), attrs["k"]
    _min_rank(x, 1, "topk_gate")
    if not 1 <= k <= x.shape[-1]:
        raise _Mismatch(f"k={k} must lie in 1..{x.shape[-1]} for {x}")
    return x


def _cast(ts, attrs):
    if attrs["dtype"] not in DTYPES:
        raise _Mismatch(f"unknown dtype '{attrs['dtype']}'")
    return TensorType(attrs["dtype"], ts[0].shape)


_RULES = {
    "matmul": _matmul, "add": _eltwise, "sub": _eltwise, "mul": _eltwise, "scale": _unary, "relu": _unary,
    "silu": _unary, "gelu": _unary, "softmax": _softmax, "layernorm": _layernorm, "rmsnorm": _layernorm,
    "transpose": _transpose, "reshape": _reshape, "split_heads": _split_heads, "merge_heads": _merge_heads,
    "slice": _slice, "concat": _concat, "embedding": _embedding, "rope": _rope, "topk_gate": _topk_gate,
    "cast": _cast, "scaled_dot_product_attention": _attention,
}
