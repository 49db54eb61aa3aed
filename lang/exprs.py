"""Expressions for `lower`: AST expression -> compile-time value or builder `Tensor` (adding IR nodes).

Numbers fold at compile time; tensor arithmetic and op calls go to the `GraphBuilder`; block calls go back
to the lowering through `call_block`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from tensix.lang import syntax as s
from tensix.lang.builder import GraphBuilder, Tensor
from tensix.lang.errors import NameResolutionError, ShapeError
from tensix.lang.ops import OPS, REQUIRED, TENSOR_KINDS, signature_text
from tensix.lang.scope import POISON, BlockDef, Dtype, Frame, Poisoned, Results, did_you_mean, fill_template

__all__ = ["ExprLowerer", "CONST_FUNCS", "INITIALIZERS", "show"]

CONST_FUNCS: dict[str, Callable] = {"sqrt": math.sqrt}
INITIALIZERS = ("load", "random", "zeros", "ones", "full")
_BINOPS = {"+": "add", "-": "sub", "*": "mul", "@": "matmul"}


def show(value) -> str:
    """A value as the language would write it, for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Tensor):
        return f"a tensor {value.type}"
    if isinstance(value, BlockDef):
        return f"block '{value.syntax.name}'"
    if isinstance(value, Results):
        return f"the {len(value.values)} results of block '{value.block}' (bind them with `let a, b = ...`)"
    if isinstance(value, Dtype):
        return value.name
    if isinstance(value, tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return repr(value)


def _fold(op: str, a, b, pos):
    try:
        return _fold_unchecked(op, a, b, pos)
    except OverflowError:
        raise ShapeError(pos, "number too large") from None


def _fold_unchecked(op: str, a, b, pos):
    if op == "/":
        if b == 0:
            raise ShapeError(pos, "division by zero")
        exact = type(a) is int and type(b) is int and a % b == 0
        return a // b if exact else a / b
    return {"+": a + b, "-": a - b, "*": a * b}[op]


def _is_number(v) -> bool:
    return type(v) in (int, float)


class ExprLowerer:
    """Evaluates expressions in a `Frame`, adding nodes to `builder`."""

    def __init__(self, builder: GraphBuilder, call_block: Callable):
        self.builder = builder
        self.call_block = call_block

    def eval(self, e: s.Expr, frame: Frame):
        method = getattr(self, "_" + type(e).__name__.lower())
        return method(e, frame)

    def const(self, e: s.Expr, frame: Frame, what: str = "value"):
        """A compile-time value (number, bool, string, list, dtype); a tensor here is an error."""
        v = self.eval(e, frame)
        if isinstance(v, Tensor | BlockDef | Results):
            raise ShapeError(e.pos, f"{what} must be known at compile time, got {show(v)}")
        return v

    def integer(self, e: s.Expr, frame: Frame, what: str) -> int:
        v = self.const(e, frame, what)
        if type(v) is not int:
            raise ShapeError(e.pos, f"{what} must be an integer, got {show(v)}")
        return v

    def tensor(self, e: s.Expr, frame: Frame, what: str = "value") -> Tensor:
        v = self.eval(e, frame)
        if not isinstance(v, Tensor):
            raise ShapeError(e.pos, f"{what} must be a tensor, got {show(v)}")
        return v

    # ---- leaves ----

    def _num(self, e: s.Num, frame: Frame):
        return e.value

    def _bool(self, e: s.Bool, frame: Frame):
        return e.value

    def _str(self, e: s.Str, frame: Frame):
        return fill_template(e.value, frame.scope, e.pos)

    def _dtypelit(self, e: s.DtypeLit, frame: Frame):
        return Dtype(e.name)

    def _listlit(self, e: s.ListLit, frame: Frame):
        return tuple(self.const(item, frame, "a list item") for item in e.items)

    def _ref(self, e: s.Ref, frame: Frame):
        name = fill_template(e.name, frame.scope, e.pos)
        found, v = frame.scope.find(name)
        if v is POISON:
            raise Poisoned()
        if found:
            return v
        if name in OPS or name in CONST_FUNCS:
            raise NameResolutionError(e.pos, f"'{name}' is an op; call it as {name}(...)")
        hint = did_you_mean(name, frame.scope.names())
        raise frame.scope.unknown(NameResolutionError(e.pos, f"unknown name '{name}'{hint}"))

    # ---- arithmetic ----

    def _binop(self, e: s.BinOp, frame: Frame):
        a, b = self.eval(e.left, frame), self.eval(e.right, frame)
        if _is_number(a) and _is_number(b) and e.op != "@":
            return _fold(e.op, a, b, e.pos)
        if isinstance(a, Tensor) and isinstance(b, Tensor) and e.op in _BINOPS:
            return self.builder.op(_BINOPS[e.op], [a, b], pos=e.pos)
        if e.op == "*" and {type(a), type(b)} & {int, float} and isinstance(a if _is_number(b) else b, Tensor):
            tensor, factor = (a, b) if _is_number(b) else (b, a)
            return self.builder.op("scale", [tensor], {"factor": factor}, pos=e.pos)
        if e.op == "/" and isinstance(a, Tensor) and _is_number(b):
            if b == 0:
                raise ShapeError(e.pos, "division by zero")
            return self.builder.op("scale", [a], {"factor": 1.0 / b}, pos=e.pos)
        raise ShapeError(e.pos, f"'{e.op}' cannot combine {show(a)} and {show(b)}")

    def _neg(self, e: s.Neg, frame: Frame):
        v = self.eval(e.operand, frame)
        if _is_number(v):
            return -v
        if isinstance(v, Tensor):
            return self.builder.op("scale", [v], {"factor": -1.0}, pos=e.pos)
        raise ShapeError(e.pos, f"cannot negate {show(v)}")

    def _index(self, e: s.Index, frame: Frame):
        x = self.tensor(e.base, frame, "an indexed value")
        if len(e.slices) > x.type.rank:
            raise ShapeError(e.pos, f"{len(e.slices)} axes indexed but {x.type} has {x.type.rank}")
        for axis, item in enumerate(e.slices):
            start = self.integer(item.start, frame, "a slice start") if item.start is not None else None
            end = self.integer(item.end, frame, "a slice end") if item.end is not None else None
            if start is not None or end is not None:
                attrs = {"axis": axis, "start": start or 0, "end": end}
                x = self.builder.op("slice", [x], attrs, pos=e.pos)
        return x

    # ---- calls ----

    def _call(self, e: s.Call, frame: Frame):
        found, target = frame.scope.find(e.func)
        if target is POISON:
            raise Poisoned()
        if isinstance(target, BlockDef):
            args = [self.eval(a, frame) for a in e.args]
            kwargs = {k.name: (self.eval(k.value, frame), k) for k in e.kwargs}
            return self.call_block(target, e, args, kwargs, frame)
        if found:
            raise NameResolutionError(e.func_pos, f"'{e.func}' is {show(target)}, not an op or a block")
        if e.instance is not None:
            raise NameResolutionError(e.instance_pos, f"'as' names a block instance, but '{e.func}' is not a block")
        if e.func in CONST_FUNCS:
            return self._const_func(e, frame)
        if e.func in OPS:
            return self._op_call(e, frame)
        if e.func in INITIALIZERS:
            raise NameResolutionError(e.func_pos, f"'{e.func}(...)' can only initialize a param")
        blocks = [n for n in frame.scope.names() if isinstance(frame.scope.find(n)[1], BlockDef)]
        hint = did_you_mean(e.func, blocks) or did_you_mean(e.func, OPS)
        raise frame.scope.unknown(NameResolutionError(e.func_pos, f"unknown op '{e.func}'{hint}"))

    def _const_func(self, e: s.Call, frame: Frame):
        if len(e.args) != 1 or e.kwargs:
            raise ShapeError(e.pos, f"{e.func} takes one number")
        v = self.const(e.args[0], frame)
        if not _is_number(v) or v < 0:
            raise ShapeError(e.args[0].pos, f"{e.func} needs a non-negative number, got {show(v)}")
        try:
            return CONST_FUNCS[e.func](v)
        except OverflowError:
            raise ShapeError(e.pos, "number too large") from None

    def _op_call(self, e: s.Call, frame: Frame):
        bound = self._bind(e, frame)
        tensors, attrs = [], {}
        for spec in OPS[e.func]:
            value = bound.get(spec.name, spec.default)
            if value is REQUIRED:
                raise ShapeError(e.pos, f"{e.func}: missing argument '{spec.name}' in {signature_text(e.func)}")
            if spec.kind == "tensors":
                tensors += value
            elif spec.kind in TENSOR_KINDS:
                tensors += [] if value is None else [value]
            else:
                attrs[spec.name] = value.name if isinstance(value, Dtype) else value
        return self.builder.op(e.func, tensors, attrs, pos=e.pos)

    def _bind(self, e: s.Call, frame: Frame) -> dict:
        """Match the call's arguments to the op's signature (a variadic tensor arg takes every positional)."""
        specs, bound = OPS[e.func], {}
        if specs[0].kind == "tensors":
            bound[specs[0].name] = [self.tensor(a, frame, f"{e.func} input") for a in e.args]
        elif len(e.args) > len(specs):
            raise ShapeError(e.pos, f"{e.func} takes at most {len(specs)} arguments: {signature_text(e.func)}")
        else:
            for spec, arg in zip(specs, e.args, strict=False):
                bound[spec.name] = self._arg(spec, arg, frame, e.func)
        names = {spec.name: spec for spec in specs}
        for kw in e.kwargs:
            if kw.name not in names or names[kw.name].kind == "tensors":
                raise NameResolutionError(kw.pos, f"{e.func} has no argument '{kw.name}'"
                                          + did_you_mean(kw.name, names))
            if kw.name in bound:
                raise ShapeError(kw.pos, f"{e.func}: argument '{kw.name}' is given twice")
            bound[kw.name] = self._arg(names[kw.name], kw.value, frame, e.func)
        return bound

    def _arg(self, spec, arg: s.Expr, frame: Frame, op: str):
        if spec.kind in TENSOR_KINDS:
            return self.tensor(arg, frame, f"{op} argument '{spec.name}'")
        return self.const(arg, frame, f"{op} argument '{spec.name}'")
