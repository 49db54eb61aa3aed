"""IR invariants: `verify(graph, after=...)` checks SSA form, def-before-use, types and op arities.

A violation is a compiler bug, not a user mistake, so it raises `IrError` (not a TensixError) naming the pass.
"""

from __future__ import annotations

from collections.abc import Collection

from tensix.lang.ir import DTYPES, Graph, TensorType
from tensix.lang.ops import OPS

__all__ = ["IrError", "verify"]


class IrError(Exception):
    """A graph that breaks an IR invariant: a bug in the pass named in the message."""


def verify(graph: Graph, *, after: str = "lower", typed: bool = True, ops: Collection[str] | None = None) -> Graph:
    """Check `graph`'s invariants and return it; raises IrError("IR invalid after pass '<after>': ...").

    `ops` is the op set allowed after that pass (default: the language's ops); arities are checked for
    the language's ops only, so later passes can introduce their own primitives.
    """
    problems = _problems(graph, typed, ops)
    if problems:
        raise IrError(f"IR invalid after pass '{after}': " + "; ".join(problems[:5]))
    return graph


def _problems(graph: Graph, typed: bool, ops: Collection[str] | None) -> list[str]:
    out: list[str] = []
    defined: set[str] = set()
    for value in (*graph.inputs, *graph.params):
        out += _define(value.name, defined) + _type_problems(f"%{value.name}", value.type, True)
    for node in graph.nodes:
        out += [f"node %{node.id} uses %{ref} before it is defined" for ref in node.inputs if ref not in defined]
        out += _op_problems(node, ops) + _type_problems(f"node %{node.id}", node.type, typed)
        out += _define(node.id, defined)
    names: set[str] = set()
    for o in graph.outputs:
        out += [f"output %{o.name} reads undefined %{o.value}"] if o.value not in defined else []
        out += [f"output %{o.name} is declared twice"] if o.name in names else []
        names.add(o.name)
    return out


def _define(name: str, defined: set[str]) -> list[str]:
    if name in defined:
        return [f"%{name} is defined twice"]
    defined.add(name)
    return []


def _type_problems(what: str, t, required: bool) -> list[str]:
    if t is None:
        return [f"{what} has no type"] if required else []
    if not isinstance(t, TensorType) or t.dtype not in DTYPES:
        return [f"{what} has a malformed type {t!r}"]
    if not t.shape or any(type(d) is not int or d <= 0 for d in t.shape):
        return [f"{what} has a malformed shape {t.shape!r}"]
    return []


def _op_problems(node, ops: Collection[str] | None) -> list[str]:
    if node.op not in (OPS if ops is None else ops):
        return [f"node %{node.id} has unknown op '{node.op}'"]
    if not isinstance(node.attrs, dict):
        return [f"node %{node.id} has attrs of type {type(node.attrs).__name__}"]
    specs = OPS.get(node.op) if ops is None else None  # a primitive may share a language op's name (matmul)
    if specs is None:
        return []
    kinds = [a.kind for a in specs if a.kind.startswith("tensor")]
    least, most = kinds.count("tensor") + kinds.count("tensors"), len(kinds)
    if "tensors" in kinds:
        most = max(len(node.inputs), least)
    if not least <= len(node.inputs) <= most:
        return [f"node %{node.id} ({node.op}) has {len(node.inputs)} inputs"]
    return []
