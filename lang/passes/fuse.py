"""fuse: fold elementwise chains into the op that produces their input, so they run in its epilogue.

A `unary` whose input is produced by another primitive used only by it joins that op's chain; an
`add` of a row vector after a bias-free `matmul` becomes the matmul's bias, and so does the other operand of an
`add` of two one-row matrices (a decode step's residual `x + h @ w`); a `copy` of a `copy` (slice, then
split_heads, then transpose) becomes one copy, its page maps composed; a `binary` one of whose inputs another
`binary` (with its chain) alone produces becomes that binary with one more input (`a * b + c`: one step reading a,
b and c, the product staying in DST). Fewer DRAM round trips and steps.
"""

from __future__ import annotations

from dataclasses import replace

from tensix.lang.ir import Graph, Node
from tensix.lang.passes.alloc import device_dtype
from tensix.ops import STEPLESS, Op
from tensix.schedule.operand import OPERAND

_CHAINABLE = frozenset(Op) - set(STEPLESS)  # every primitive that runs a step takes a unary chain in its epilogue
MAX_INPUTS = 6  # of one fused elementwise step: its extra inputs stream through the EL_B CBs, two units each


def fuse(graph: Graph) -> Graph:
    """The same graph with unary chains and matmul biases folded into their producers."""
    outputs = {o.value for o in graph.outputs}
    users: dict[str, int] = {}
    for n in graph.nodes:
        for ref in n.inputs:
            users[ref] = users.get(ref, 0) + 1
    fused: dict[str, Node] = {}  # value id -> the (possibly fused) node that now defines it
    order: list[str] = []
    for node in graph.nodes:
        if _one_row_sum(node):  # x + y @ w: the matmul may be either operand
            node = _matmul_first(node, fused, users)
        producer = _fusable_producer(node, fused, users, outputs)
        if producer is None and node.op == Op.BINARY:
            node, producer = _binary_producer(node, fused, users, outputs)
        if producer is None:
            fused[node.id] = node
            order.append(node.id)
            continue
        merged = _merge(producer, node)
        del fused[producer.id]
        fused[node.id] = merged
        if merged.op == Op.BINARY and node.op == Op.BINARY:  # at node's place: its other input may come later
            order.remove(producer.id)
            order.append(node.id)
        else:
            order[order.index(producer.id)] = node.id
    return replace(graph, nodes=tuple(fused[i] for i in order))


def _fusable_producer(node: Node, fused: dict[str, Node], users: dict[str, int], outputs: set[str]) -> Node | None:
    src = node.inputs[0] if node.inputs else None
    producer = fused.get(src)
    if producer is None or users.get(src) != 1 or src in outputs or producer.annotations != node.annotations:
        return None
    if node.op == Op.UNARY and producer.op in _CHAINABLE:
        return producer
    if node.op == Op.COPY and producer.op == Op.COPY and len(node.inputs) == 1:  # (one input: stays in order)
        return producer
    is_bias = node.op == Op.BINARY and node.attrs["fn"] == "add" and node.attrs["bcast"] == "row" or _one_row_sum(node)
    if is_bias and producer.op == Op.MATMUL and len(producer.inputs) == 2 and not producer.attrs["chain"]:
        return producer
    return None


def _binary_producer(node: Node, fused: dict[str, Node], users: dict[str, int], outputs: set[str]
                     ) -> tuple[Node, Node | None]:
    """(node, the binary it extends) when one of node's inputs is an elementwise binary's value of node's shape that
    only node reads: its first input (b may be broadcast), or its second when nothing is broadcast (then marked
    `_swap`: the value in DST is the op's right operand). Else (node, None)."""
    for slot in (0, 1) if node.attrs["bcast"] == "none" else (0,):
        ref = node.inputs[slot]
        producer = fused.get(ref)
        if (producer is None or producer.op != Op.BINARY or users.get(ref) != 1 or ref in outputs
                or producer.annotations != node.annotations or producer.type.shape != node.type.shape
                or node.inputs[1 - slot] == ref or len(producer.inputs) >= MAX_INPUTS):
            continue
        other = node.inputs[1 - slot]
        return replace(node, inputs=(ref, other), attrs={**node.attrs, "_swap": slot}), producer
    return node, None


def _one_row_sum(node: Node) -> bool:
    """An elementwise add of two one-row matrices ([1, N] + [1, N], a decode step's residual): the same as adding
    a bias row, which a matmul producing either operand adds in its epilogue."""
    return (node.op == Op.BINARY and node.attrs["fn"] == "add" and node.attrs["bcast"] == "none"
            and node.type.rank == 2 and node.type.shape[0] == 1)


def _matmul_first(node: Node, fused: dict[str, Node], users: dict[str, int]) -> Node:
    """The add with the operand a bias-free matmul alone produces and only it reads first (the one fusing looks
    at), when only the second is one; when both are, the later-defined one, so the other (its bias) is defined
    before the fused matmul that reads it."""
    def fusable(ref: str) -> bool:
        n = fused.get(ref)
        return n is not None and n.op == Op.MATMUL and len(n.inputs) == 2 and users.get(ref) == 1
    a, b = node.inputs
    if fusable(a) and fusable(b):
        defined = list(fused)
        return replace(node, inputs=(b, a)) if defined.index(b) > defined.index(a) else node
    return replace(node, inputs=(b, a)) if fusable(b) and not fusable(a) else node


def _merge(producer: Node, node: Node) -> Node:
    """The producer, now computing `node`'s value (id, type) with node's work appended."""
    if node.op == Op.COPY:
        return _compose_moves(producer, node)
    if node.op == Op.UNARY:
        attrs = {**producer.attrs, "chain": producer.attrs["chain"] + node.attrs["chain"]}
        return replace(producer, id=node.id, type=node.type, attrs=attrs)
    if producer.op == Op.BINARY:  # DST = DST (fn) the new input, where the chain says, then node's own chain
        at = len(producer.attrs.get("more", []))
        more = [*producer.attrs.get("more", []),
                [node.attrs["fn"], node.attrs["bcast"], node.attrs["_swap"], device_dtype(producer.type.dtype)]]
        chain = [*producer.attrs["chain"], [OPERAND, at], *node.attrs["chain"]]
        attrs = {**producer.attrs, "chain": chain, "more": more, "source_op": _sources(producer, node)}
        return replace(producer, id=node.id, type=node.type, inputs=(*producer.inputs, node.inputs[1]), attrs=attrs)
    attrs = {**producer.attrs, "chain": list(node.attrs["chain"])}
    return replace(producer, id=node.id, type=node.type, inputs=(*producer.inputs, node.inputs[1]), attrs=attrs)


def _sources(producer: Node, node: Node) -> str:
    """The fused step's label: its ops in order (mul+add)."""
    return "+".join(n.attrs.get("source_op", n.op) for n in (producer, node))


def _compose_moves(inner: Node, outer: Node) -> Node:
    """One move doing inner then outer: outer's pages taken from inner's output are looked up in inner's map
    (a tile transposed twice is not transposed); inner's inputs take the place of its output among outer's.
    Unary chains commute with moving tiles, so inner's runs first, then outer's."""
    slot = outer.inputs.index(inner.id)
    inputs = (*outer.inputs[:slot], *inner.inputs, *outer.inputs[slot + 1:])
    shift = len(inner.inputs) - 1  # outer inputs after the slot move right
    composed = []
    for index, page, transpose in outer.attrs["_map"]:
        if index == slot:
            i_index, i_page, i_transpose = inner.attrs["_map"][page]
            composed.append([slot + i_index, i_page, transpose ^ i_transpose])
        else:
            composed.append([index + shift if index > slot else index, page, transpose])
    attrs = {**outer.attrs, "_map": composed, "chain": inner.attrs["chain"] + outer.attrs["chain"]}
    return replace(outer, inputs=inputs, attrs=attrs)
