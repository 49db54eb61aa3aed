"""attention: the fused attention op's primitives (decompose) and its per-core work (tile).

decompose turns `scaled_dot_product_attention(q, k, v, scale, causal, mask)` into k transposed once (a copy,
[KV, d, S_kv]: S x d tiles, not the S x S scores), the bias it adds (causal: one [MAX_CHUNK, MAX_CHUNK]-tile
lower-triangle block, the same on every diagonal chunk; a mask: (mask - 1) * 1e9 as softmax's; keys padded to whole
tiles: their -1e9 row) and one `attention` primitive (the step kind). The few forms the fused step does not take
(causal with a mask, causal with more keys than queries) go through the unfused ops instead, as written out. tile
splits the (head, q chunk) work items over the op's cores, the costliest first to the least loaded core (causal
items cost their chunk index + 1).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import replace

import numpy as np

from tensix.config import MeshConfig
from tensix.formats import tile_nbytes
from tensix.lang import pages
from tensix.lang.ir import Node, TensorType
from tensix.lang.passes.plans import common
from tensix.lang.passes.rows import ones_row, softmax_mask
from tensix.lang.reference import MASK_BIAS
from tensix.ops import Op
from tensix.schedule.attention import Attention

MAX_CHUNK = 8  # q and key tile rows of a chunk at most (the causal block constant is this many tiles square)
L1_SHARE = 4  # an attention step's CBs may take 1/L1_SHARE of a core's L1


def _heads(t: TensorType) -> TensorType:
    return t if t.rank == 3 else TensorType(t.dtype, (1, *t.shape))


def default_scale(q: TensorType) -> float:
    return 1.0 / math.sqrt(q.shape[-1])


def decompose_attention(e, n: Node, ts: list[TensorType], rules: dict, mask_bias) -> None:
    """The primitives of one attention op (`rules`: decompose's, for the unfused forms; `mask_bias`: softmax's
    mask as the bias it adds, broadcast over heads)."""
    q, k = _heads(ts[0]), _heads(ts[1])  # [S, d]: one head, its pages as [1, S, d]'s
    causal, masked = bool(n.attrs.get("causal")), len(ts) > 3
    scale = n.attrs["scale"] if n.attrs.get("scale") is not None else default_scale(q)
    if causal and (masked or q.shape[1] != k.shape[1]) or ts[1].dtype != ts[2].dtype:  # (k^T and v share a CB)
        _unfused(e, n, ts, rules, scale)
        return
    kt_type = TensorType(k.dtype, (*ts[1].shape[:-2], k.shape[2], k.shape[1]))
    kt = e.add(Op.COPY, (n.inputs[1],), kt_type, _map=pages.move_map(np.swapaxes(pages.tagged(0, k.shape), -1, -2),
                                                                       True))
    if not pages.aligned(k.shape, -2):  # k's padding rows (any values) became padding columns: zero them
        kt = e.add(Op.BINARY, (kt, ones_row(e, k.shape[1], k.dtype)), kt_type, fn="mul", bcast="row")
    scores = TensorType(q.dtype, (q.shape[0], q.shape[1], k.shape[1]))
    bias = _bias(e, n, ts, scores, mask_bias)
    inputs = (n.inputs[0], kt, n.inputs[2]) + ((bias[0],) if bias else ())
    fused = {"fused": n.attrs["fused"]} if "fused" in n.attrs else {}
    e.add(Op.ATTENTION, inputs, n.type, scale=float(scale), causal=causal, **(bias[1] if bias else {}), **fused)


def _bias(e, n: Node, ts: list[TensorType], scores: TensorType, mask_bias) -> tuple[str, dict] | None:
    """The bias the step adds and where its tiles are (mask_rows, mask_heads, mask_cols), or None."""
    if n.attrs.get("causal"):
        side = MAX_CHUNK * pages.TILE

        def block() -> np.ndarray:
            future = np.arange(side)[None, :] > np.arange(side)[:, None]
            return np.where(future, np.float32(-MASK_BIAS), np.float32(0.0))
        name = e.const_once(("attention_causal", side, scores.dtype), "causal", block, scores.dtype)
        return name, {"mask_rows": MAX_CHUNK, "mask_heads": 1, "mask_cols": MAX_CHUNK}
    pad = softmax_mask(e, scores, False)  # keys padded to whole tiles: -1e9 on the padding columns (or None)
    if len(ts) <= 3:
        return (pad, _where(TensorType(scores.dtype, (1, scores.shape[-1])))) if pad else None
    if n.attrs.get("additive"):  # a bias added as it is (the fused form of softmax(q @ k^T * s + bias))
        bias, bt = n.inputs[3], ts[3]
        if pad:
            bias = e.add(Op.BINARY, (bias, pad), bt, fn="add", bcast="row")
    else:
        bias = mask_bias(e, n.inputs[3], ts[3], scores)  # padding columns of a 0/1 mask are 0: dropped already
        bt = e.out[-1].type if e.out and e.out[-1].id == bias else ts[3]
    return bias, _where(bt)


def _where(t: TensorType) -> dict:
    grid = pages.grid(t.shape)
    row = t.rank == 1 or t.shape[-2] == 1
    return {"mask_rows": grid[-2], "mask_heads": math.prod(grid[:-2]), "mask_cols": grid[-1], "mask_row": int(row)}


def _unfused(e, n: Node, ts: list[TensorType], rules: dict, scale: float) -> None:
    """softmax(q @ transpose(k) * scale, causal, mask) @ v through decompose's own rules."""
    q, k, v = n.inputs[:3]
    tq, tk, tv = ts[:3]
    types = {q: tq, k: tk, v: tv}

    def op(name: str, inputs: tuple, type_: TensorType, **attrs) -> str:
        rules[name](e, replace(n, op=name, inputs=inputs, attrs=attrs, type=type_), [types[i] for i in inputs])
        out = e.out[-1].id
        types[out] = type_
        return out
    kt = op("transpose", (k,), TensorType(tk.dtype, (*tk.shape[:-2], tk.shape[-1], tk.shape[-2])), perm=None)
    scores = TensorType(n.type.dtype, (*tq.shape[:-1], tk.shape[-2]))
    s = op("scale", (op("matmul", (q, kt), scores),), scores, factor=scale)
    if len(n.inputs) > 3:
        types[n.inputs[3]] = ts[3]
    p = op("softmax", (s, *n.inputs[3:]), scores, causal=bool(n.attrs.get("causal")))
    op("matmul", (p, v), n.type)


def attention_steps(n: Node, ts: list[TensorType], names: dict, cfg: MeshConfig) -> tuple[dict, int]:
    """{core: Attention step} over the op's cores, and the chunk (q and key tile rows per chunk) chosen."""
    q, kt = _heads(ts[0]), _heads(ts[1])
    heads, nq, dt, nk = q.shape[0], pages.tiles(q.shape[1]), pages.tiles(q.shape[2]), pages.tiles(kt.shape[2])
    cores = n.attrs["_cores"]
    causal = bool(n.attrs.get("causal"))
    chunk = _chunk(heads, nq, dt, len(cores), [tile_nbytes(t.dtype) for t in ts], cfg.l1_bytes)
    work = [(h, c) for h in range(heads) for c in range(-(-nq // chunk))]
    cost = {w: (w[1] + 1 if causal else -(-nk // chunk)) for w in work}
    load = {core: [0, []] for core in cores}
    least = [(0, i) for i in range(len(cores))]  # (load, core's index): the least loaded core, first of equals
    for w in sorted(work, key=lambda w: (-cost[w], w)):  # the costliest item to the least loaded core
        total, i = heapq.heappop(least)
        load[cores[i]][0] = total + cost[w]
        load[cores[i]][1].append(w)
        heapq.heappush(least, (total + cost[w], i))
    fields = common(n, names, q=names[n.inputs[0]], kt=names[n.inputs[1]], v=names[n.inputs[2]],
                    scale=float(n.attrs["scale"]), nq=nq, nk=nk, dt=dt, groups=heads // kt.shape[0], chunk=chunk,
                    causal=int(causal))
    if len(n.inputs) > 3:
        fields |= {"mask": names[n.inputs[3]], "mask_rows": n.attrs["mask_rows"],
                   "mask_heads": n.attrs["mask_heads"], "mask_cols": n.attrs["mask_cols"],
                   "mask_row": n.attrs.get("mask_row", 0)}
    steps = {core: Attention(**fields, work=tuple(sorted(items))) for core, (_, items) in load.items() if items}
    return steps, chunk


def _chunk(heads: int, nq: int, dt: int, ncores: int, tile_bytes: list[int], l1_bytes: int) -> int:
    """The most tile rows a chunk takes that still gives every core two items (else one), and whose CBs fit."""
    def fits(ch: int) -> bool:
        return cb_nbytes(ch, dt, tile_bytes) * L1_SHARE <= l1_bytes
    options = [ch for ch in (8, 4, 2, 1) if ch <= MAX_CHUNK and (ch == 1 or ch <= nq) and fits(ch)]
    for want in (2 * ncores, ncores):
        for ch in options:
            if heads * -(-nq // ch) >= want:
                return ch
    return options[-1] if options else 1


def cb_nbytes(ch: int, dt: int, tile_bytes: list[int]) -> int:
    """L1 an attention step's CBs take (stages/layout.py): two q bands, k^T and v chunks (v in k's format), mask
    and output rows,
    CB_MID (two rows of scores) and CB_STAT (the row records) in fp32."""
    q, k = tile_bytes[:2]
    mask = tile_bytes[3] if len(tile_bytes) > 3 else 0
    row = max(ch, dt)
    return 2 * ch * dt * (q + 2 * k) + 2 * row * (mask + q) + (2 * ch + (3 + dt) * (ch + 1)) * 4096
