"""The semantic spec of the language: `evaluate(graph, inputs, params) -> {output: array}` in plain numpy.

Every op is computed in float32 (ids and positions in int32) with no rounding to the declared format; the
emulator's bf16/bfp8_b results are compared against this within a tolerance.
"""

from __future__ import annotations

import math

import numpy as np

from tensix.lang.errors import DataError
from tensix.lang.ir import Graph, Node
from tensix.lang.params import materialize, numpy_dtype
from tensix.lang.passes.shapes import query_groups
from tensix.lang.scope import did_you_mean

__all__ = ["evaluate", "KERNELS", "MASK_BIAS"]

MASK_BIAS = 1e9  # softmax(x, mask=m) adds (m - 1) * MASK_BIAS: a dropped score's exp() is exactly 0


def evaluate(graph: Graph, inputs: dict[str, np.ndarray], params: dict[str, np.ndarray] | None = None, *,
             stored: bool = True) -> dict[str, np.ndarray]:
    """Run `graph` on `inputs`; params not in `params` come from their sources. Returns outputs by name.
    `stored=False`: `params` are already in the params' types (params.materialize's result)."""
    env = _inputs(graph, inputs) | materialize(graph, params, stored=stored)
    for node in graph.nodes:
        env[node.id] = _run(node, [env[ref] for ref in node.inputs])
    return {o.name: env[o.value] for o in graph.outputs}


def _inputs(graph: Graph, given: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    names = [i.name for i in graph.inputs]
    for name in given:
        if name not in names:
            raise DataError(None, f"no input named '{name}'" + did_you_mean(name, names))
    env = {}
    for i in graph.inputs:
        if i.name not in given:
            raise DataError(i.pos, f"input '{i.name}' ({i.type}) was not given")
        value = np.asarray(given[i.name])
        if tuple(value.shape) != i.type.shape:
            raise DataError(i.pos, f"input '{i.name}' is declared {i.type} but has shape {list(value.shape)}")
        env[i.name] = value.astype(numpy_dtype(i.type.dtype))
    return env


def _run(node: Node, args: list[np.ndarray]) -> np.ndarray:
    out = KERNELS[node.op](args, node.attrs, node)
    return np.asarray(out).astype(numpy_dtype(node.type.dtype) if node.type else np.float32, copy=False)


# ---- ops: each takes (input arrays, attrs, node) ----


def _erf(x: np.ndarray) -> np.ndarray:
    """math.erf of every element (numpy has no erf); mapped over a list, a third faster than np.vectorize, which
    matters as it holds the GIL beside the emulator."""
    flat = x.astype(np.float64).ravel().tolist()
    return np.fromiter(map(math.erf, flat), np.float64, len(flat)).reshape(x.shape)


def _gelu(xs, attrs, node):
    x = xs[0].astype(np.float64)
    if attrs["approx"]:
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _softmax(xs, attrs, node):
    x = xs[0].astype(np.float32)
    if len(xs) > 1:  # 1 keeps a score, 0 drops it: a bias of (mask - 1) * MASK_BIAS
        x = x + (xs[1].astype(np.float32) - 1.0) * np.float32(MASK_BIAS)
    if attrs["causal"]:
        rows, cols = x.shape[-2:]
        future = np.arange(cols)[None, :] > np.arange(rows)[:, None] + (cols - rows)
        x = np.where(future, -np.inf, x)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _attention(xs, attrs, node):
    """softmax(q @ k^T * scale [+ mask bias], causal) @ v, k and v repeated over the query heads sharing them;
    the fused form's `additive` mask is a bias added as it is."""
    q, k, v = (x.astype(np.float32) for x in xs[:3])
    if q.ndim == 3:
        groups = q.shape[0] // k.shape[0]
        k, v = np.repeat(k, groups, axis=0), np.repeat(v, groups, axis=0)
    scale = attrs["scale"] if attrs.get("scale") is not None else 1.0 / math.sqrt(q.shape[-1])
    scores = q @ np.swapaxes(k, -1, -2) * np.float32(scale)
    if len(xs) > 3:
        mask = xs[3].astype(np.float32)
        scores = scores + (mask if attrs.get("additive") else (mask - 1.0) * np.float32(MASK_BIAS))
    return _softmax([scores], {"causal": attrs.get("causal", False)}, node) @ v


def _layernorm(xs, attrs, node):
    x, gamma, beta = xs
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + attrs["eps"]) * gamma + beta


def _rmsnorm(xs, attrs, node):
    x, gamma = xs
    return x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + attrs["eps"]) * gamma


def _transpose(xs, attrs, node):
    return np.swapaxes(xs[0], -1, -2) if attrs["perm"] is None else np.transpose(xs[0], attrs["perm"])


def _split_heads(xs, attrs, node):
    x, heads = xs[0], attrs["heads"]
    *batch, seq, dim = x.shape
    return np.swapaxes(x.reshape(*batch, seq, heads, dim // heads), -2, -3)


def _merge_heads(xs, attrs, node):
    x = np.swapaxes(xs[0], -2, -3)
    return x.reshape(*x.shape[:-2], x.shape[-2] * x.shape[-1])


def _slice(xs, attrs, node):
    index = [slice(None)] * xs[0].ndim
    index[attrs["axis"]] = slice(attrs["start"], attrs["end"])
    return xs[0][tuple(index)]


def _embedding(xs, attrs, node):
    ids, table = xs
    bad = (ids < 0) | (ids >= table.shape[0])
    if bad.any():
        raise DataError(node.pos, f"embedding: id {int(ids[bad][0])} is out of range for a table of "
                                  f"{table.shape[0]} rows")
    return table[ids]


def _rope(xs, attrs, node):
    """Rotary embedding: pairs (i, i + d/2) ("rotate half"), or (2i, 2i+1) when interleaved."""
    x = xs[0].astype(np.float64)
    seq, dim = x.shape[-2:]
    positions = xs[1] if len(xs) > 1 else np.arange(seq)
    inv_freq = attrs["theta"] ** (-np.arange(0, dim, 2, dtype=np.float64) / dim)
    angles = positions.astype(np.float64)[:, None] * inv_freq[None, :]
    cos, sin = np.cos(angles), np.sin(angles)
    if attrs["interleaved"]:
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2], out[..., 1::2] = a * cos - b * sin, b * cos + a * sin
        return out
    a, b = x[..., : dim // 2], x[..., dim // 2:]
    return np.concatenate([a * cos - b * sin, b * cos + a * sin], axis=-1)


def _topk_gate(xs, attrs, node):
    """Softmax over each row's k largest logits (ties: lower index first); zeros elsewhere."""
    x, k = xs[0].astype(np.float64), attrs["k"]
    chosen = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    mask = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(mask, chosen, True, axis=-1)
    logits = np.where(mask, x, -np.inf) if attrs["normalize"] else x
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return np.where(mask, e / e.sum(axis=-1, keepdims=True), 0.0)


KERNELS = {
    "matmul": lambda xs, a, n: np.matmul(xs[0], np.repeat(xs[1], query_groups(xs[0].shape, xs[1].shape), axis=-3)
                                         if xs[1].ndim > 2 else xs[1]),
    "add": lambda xs, a, n: xs[0] + xs[1],
    "sub": lambda xs, a, n: xs[0] - xs[1],
    "mul": lambda xs, a, n: xs[0] * xs[1],
    "scale": lambda xs, a, n: xs[0] * np.float32(a["factor"]),
    "relu": lambda xs, a, n: np.maximum(xs[0], 0),
    "silu": lambda xs, a, n: xs[0] / (1.0 + np.exp(-xs[0].astype(np.float64))),
    "gelu": _gelu,
    "softmax": _softmax,
    "scaled_dot_product_attention": _attention,
    "layernorm": _layernorm,
    "rmsnorm": _rmsnorm,
    "transpose": _transpose,
    "reshape": lambda xs, a, n: xs[0].reshape(a["shape"]),
    "split_heads": _split_heads,
    "merge_heads": _merge_heads,
    "slice": _slice,
    "concat": lambda xs, a, n: np.concatenate(xs, axis=a["axis"]),
    "embedding": _embedding,
    "rope": _rope,
    "topk_gate": _topk_gate,
    "cast": lambda xs, a, n: xs[0],
}
