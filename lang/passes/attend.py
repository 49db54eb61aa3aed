"""attend: find attention written out as ops and make it the fused op (run first in decompose).

`softmax(q @ transpose(k) [* scale] [+ bias], causal, mask) @ v`, its intermediates used nowhere else, becomes
`scaled_dot_product_attention(q, k, v, scale, causal, mask)` (a bias added before the softmax becomes the op's
additive mask), so programs written the long way get the fused kernel: the [H, S, S_kv] scores never go to DRAM.
The fused node keeps `fused=softmax` in its attrs (shown by `--emit ir`). It runs where the pattern's ops say: a
placement written on any one of them (`@cores` on the softmax alone, say) places the fused op; ops placed
differently, or at different fidelities, are left as written, as are forms the fused step would run unfused
anyway (causal with a mask or bias, causal with more keys than queries).
"""

from __future__ import annotations

from dataclasses import replace

from tensix.lang.errors import ShapeError
from tensix.lang.ir import Annotations, Graph, Node
from tensix.lang.passes.shapes import infer


def attend(graph: Graph) -> Graph:
    """The graph with each written-out attention replaced by one `attention` node."""
    users: dict[str, int] = {}
    for n in graph.nodes:
        for ref in n.inputs:
            users[ref] = users.get(ref, 0) + 1
    for o in graph.outputs:  # a returned value is used outside the pattern
        users[o.value] = users.get(o.value, 0) + 1
    by_id = {n.id: n for n in graph.nodes}
    types = graph.types()
    fused, dead = {}, set()
    for n in graph.nodes:
        found = _match(n, by_id, users, types)
        if found is not None:
            fused[n.id], gone = found
            dead |= gone
    if not fused:
        return graph
    return replace(graph, nodes=tuple(fused.get(n.id, n) for n in graph.nodes if n.id not in dead))


def _only(ref: str, by_id: dict, users: dict, op: str) -> Node | None:
    """The node defining `ref` when it is an `op` node used once."""
    n = by_id.get(ref)
    return n if n is not None and n.op == op and users.get(ref) == 1 else None


def _match(pv: Node, by_id: dict, users: dict, types: dict) -> tuple[Node, set[str]] | None:
    """The attention node replacing matmul `pv` and the ids of the nodes it takes in, or None."""
    if pv.op != "matmul" or len(pv.inputs) != 2:
        return None
    p = _only(pv.inputs[0], by_id, users, "softmax")
    if p is None:
        return None
    x, mask, bias = p.inputs[0], (p.inputs[1:] or [None])[0], None
    taken = [p]
    add = _only(x, by_id, users, "add")
    if add is not None and mask is None:  # scores + bias: the bias is the other operand
        a, b = add.inputs
        x, bias = (a, b) if by_id.get(a) is not None and by_id[a].op in ("scale", "matmul") else (b, a)
        taken.append(add)
    factor = 1.0
    sc = _only(x, by_id, users, "scale")
    if sc is not None:
        factor, x = sc.attrs["factor"], sc.inputs[0]
        taken.append(sc)
    mm = _only(x, by_id, users, "matmul")
    if mm is None or len(mm.inputs) != 2:
        return None
    t = by_id.get(mm.inputs[1])
    if t is None or t.op != "transpose" or t.attrs.get("perm") not in (None, (0, 2, 1), [0, 2, 1]):
        return None
    taken.append(mm)
    if users.get(t.id) == 1:
        taken.append(t)
    where = _joined(pv.annotations, taken)
    if where is None:
        return None
    causal = bool(p.attrs.get("causal"))
    extra = mask if mask is not None else bias
    if causal and extra is not None:  # the fused step takes one mask: this would run unfused anyway
        return None
    inputs = (mm.inputs[0], t.inputs[0], pv.inputs[1], *(() if extra is None else (extra,)))
    attrs = {"scale": float(factor), "causal": causal, "fused": "softmax", **({"additive": True} if bias else {})}
    try:
        out = infer("scaled_dot_product_attention", [types[i] for i in inputs], attrs, pv.pos)
    except ShapeError:
        return None
    q, k = types[inputs[0]], types[inputs[1]]
    if out != pv.type or causal and q.shape[-2] != k.shape[-2] or add is not None and add.type != mm.type:
        return None
    fused = replace(pv, op="scaled_dot_product_attention", inputs=inputs, attrs=attrs, annotations=where)
    return fused, {n.id for n in taken}


# where and how an op runs; the rest (@l1, @shard) describe a value, and the pattern's intermediates vanish
_RUN = ("cores", "noc", "mcast", "region", "fidelity")


def _joined(where: Annotations, taken: list[Node]) -> Annotations | None:
    """`where` (the output matmul's annotations) with the placement the other ops give, None where two disagree."""
    for n in taken:
        for name in _RUN:
            mine, theirs = getattr(where, name), getattr(n.annotations, name)
            if theirs is None or mine == theirs:
                continue
            if mine is not None:
                return None
            where = replace(where, **{name: theirs})
    return where
