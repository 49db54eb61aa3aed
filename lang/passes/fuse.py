"""fuse: fold elementwise chains into the op that produces their input, so they run in its epilogue.

A unary `un` whose input is produced by another primitive used only by it joins that op's chain; an
`add` of a row vector after a bias-free `mm` becomes the matmul's bias. Fewer DRAM round trips and steps.
"""

from __future__ import annotations

from dataclasses import replace

from tensix.lang.ir import Graph, Node

_CHAINABLE = ("mm", "bin", "un", "red", "row", "move", "gather")


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
        producer = _fusable_producer(node, fused, users, outputs)
        if producer is None:
            fused[node.id] = node
            order.append(node.id)
            continue
        merged = _merge(producer, node)
        del fused[producer.id]
        fused[node.id] = merged
        order[order.index(producer.id)] = node.id
    return replace(graph, nodes=tuple(fused[i] for i in order))


def _fusable_producer(node: Node, fused: dict[str, Node], users: dict[str, int], outputs: set[str]) -> Node | None:
    src = node.inputs[0] if node.inputs else None
    producer = fused.get(src)
    if producer is None or users.get(src) != 1 or src in outputs or producer.annotations != node.annotations:
        return None
    if node.op == "un" and producer.op in _CHAINABLE:
        return producer
    is_bias = node.op == "bin" and node.attrs["fn"] == "add" and node.attrs["bcast"] == "row"
    if is_bias and producer.op == "mm" and len(producer.inputs) == 2 and not producer.attrs["chain"]:
        return producer
    return None


def _merge(producer: Node, node: Node) -> Node:
    """The producer, now computing `node`'s value (id, type) with node's work appended."""
    if node.op == "un":
        attrs = {**producer.attrs, "chain": producer.attrs["chain"] + node.attrs["chain"]}
        return replace(producer, id=node.id, type=node.type, attrs=attrs)
    attrs = {**producer.attrs, "chain": list(node.attrs["chain"])}
    return replace(producer, id=node.id, type=node.type, inputs=(*producer.inputs, node.inputs[1]), attrs=attrs)
