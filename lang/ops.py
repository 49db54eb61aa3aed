"""The op vocabulary: each op's call signature (tensor inputs, then attributes with defaults).

`lower` binds call arguments with it, `GraphBuilder` mirrors it method by method, `verify` checks arities.
Semantics live in `reference.py`, shape rules in `passes/shapes.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OPS", "REQUIRED", "Arg", "signature_text", "tensor_args", "attr_args"]

REQUIRED = object()
TENSOR_KINDS = ("tensor", "tensor?", "tensors")


@dataclass(frozen=True, slots=True)
class Arg:
    """One parameter. kind: tensor, tensor?, tensors (variadic), int, int?, float, bool, ints, ints?, dtype."""

    name: str
    kind: str
    default: object = REQUIRED


def _t(*names: str) -> tuple[Arg, ...]:
    return tuple(Arg(n, "tensor") for n in names)


OPS: dict[str, tuple[Arg, ...]] = {
    "matmul": _t("a", "b"),
    "add": _t("a", "b"),
    "sub": _t("a", "b"),
    "mul": _t("a", "b"),
    "scale": (*_t("x"), Arg("factor", "float")),
    "relu": _t("x"),
    "silu": _t("x"),
    "gelu": (*_t("x"), Arg("approx", "bool", False)),
    "softmax": (*_t("x"), Arg("causal", "bool", False), Arg("mask", "tensor?", None)),
    "scaled_dot_product_attention": (*_t("q", "k", "v"), Arg("scale", "float?", None), Arg("causal", "bool", False),
                                     Arg("mask", "tensor?", None)),
    "layernorm": (*_t("x", "gamma", "beta"), Arg("eps", "float", 1e-5)),
    "rmsnorm": (*_t("x", "gamma"), Arg("eps", "float", 1e-6)),
    "transpose": (*_t("x"), Arg("perm", "ints?", None)),
    "reshape": (*_t("x"), Arg("shape", "ints")),
    "split_heads": (*_t("x"), Arg("heads", "int")),
    "merge_heads": _t("x"),
    "slice": (*_t("x"), Arg("axis", "int"), Arg("start", "int", 0), Arg("end", "int?", None)),
    "concat": (Arg("xs", "tensors"), Arg("axis", "int", -1)),
    "embedding": _t("ids", "table"),
    "rope": (*_t("x"), Arg("positions", "tensor?", None), Arg("theta", "float", 10000.0),
             Arg("interleaved", "bool", False)),
    "topk_gate": (*_t("logits"), Arg("k", "int"), Arg("normalize", "bool", True)),
    "cast": (*_t("x"), Arg("dtype", "dtype")),
}


def tensor_args(op: str) -> tuple[Arg, ...]:
    return tuple(a for a in OPS[op] if a.kind in TENSOR_KINDS)


def attr_args(op: str) -> tuple[Arg, ...]:
    return tuple(a for a in OPS[op] if a.kind not in TENSOR_KINDS)


def _render_default(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "none" if value is None else repr(value)


def signature_text(op: str) -> str:
    """`softmax(x, causal=false)`: how the op is called, for error messages and docs."""
    parts = []
    for a in OPS[op]:
        name = f"{a.name}..." if a.kind == "tensors" else a.name
        parts.append(name if a.default is REQUIRED else f"{name}={_render_default(a.default)}")
    return f"{op}({', '.join(parts)})"
