"""The Python frontend: `GraphBuilder` makes the same `ir.Graph` as the text language (and `lower` uses it).

Every node is typed as it is made (`passes.shapes.infer`), so mistakes surface at the line that made them.
"""

from __future__ import annotations

import difflib
import linecache
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from tensix.lang.errors import NameResolutionError, ShapeError, SourceError, SourcePos
from tensix.lang.ir import (
    DTYPES,
    STATE_NEXT,
    Annotations,
    Graph,
    Input,
    Node,
    Output,
    Param,
    ParamSource,
    TensorType,
)
from tensix.lang.ops import OPS, REQUIRED, TENSOR_KINDS, Arg
from tensix.lang.passes.shapes import infer
from tensix.lang.scope import where

__all__ = ["GraphBuilder", "Tensor", "MAX_NODES"]

MAX_NODES = 200_000  # a guard against runaway unrolling, far above any real model
_HERE = str(Path(__file__).parent)


@dataclass(eq=False, slots=True)
class Tensor:
    """A value under construction; arithmetic operators add nodes to its builder."""

    builder: GraphBuilder
    ref: str
    type: TensorType

    @property
    def shape(self) -> tuple[int, ...]:
        return self.type.shape

    @property
    def dtype(self) -> str:
        return self.type.dtype

    def __repr__(self) -> str:
        return f"%{self.ref} : {self.type}"

    def __matmul__(self, other: Tensor) -> Tensor:
        return self.builder.matmul(self, other)

    def __add__(self, other: Tensor) -> Tensor:
        return self.builder.add(self, other)

    def __sub__(self, other: Tensor) -> Tensor:
        return self.builder.sub(self, other)

    def __mul__(self, other: Tensor | float) -> Tensor:
        if isinstance(other, Tensor):
            return self.builder.mul(self, other)
        return self.builder.scale(self, other)

    __rmul__ = __mul__

    def __truediv__(self, other: float) -> Tensor:
        return self.builder.scale(self, 1.0 / other)

    def __neg__(self) -> Tensor:
        return self.builder.scale(self, -1.0)


def _caller_pos() -> SourcePos | None:
    """The position of the first caller outside this package, with the column span of the calling expression."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_HERE):
        frame = frame.f_back
    if frame is None:
        return None
    positions = list(frame.f_code.co_positions())
    line, _, col, end_col = positions[frame.f_lasti // 2] if frame.f_lasti // 2 < len(positions) else (None,) * 4
    line = line or frame.f_lineno
    return SourcePos(frame.f_code.co_filename, line, (col or 0) + 1, end_col + 1 if end_col is not None else None)


def _source(pos: SourcePos | None) -> str | None:
    if pos is None:
        return None
    return "".join(linecache.getlines(pos.path)) or None


class GraphBuilder:
    """Build a graph op by op: `x = g.input("x", "bf16", [128, 768]); g.output("y", g.relu(x @ w))`."""

    def __init__(self, name: str, *, device: str | None = None, fidelity: str | None = None):
        self.name, self.device, self.fidelity = name, device, fidelity
        self._inputs: list[Input] = []
        self._params: list[Param] = []
        self._nodes: list[Node] = []
        self._outputs: list[Output] = []
        self._declared: dict[str, SourcePos | None] = {}
        self._types: dict[str, TensorType] = {}
        self._annotations = Annotations()
        self._call_site: SourcePos | None = None
        self._state: dict[str, str] = {}  # state name -> the output holding its next value ('' until `update`)

    # ---- declarations ----

    def input(self, name: str, dtype: str, shape: Sequence[int], *, pos: SourcePos | None = None) -> Tensor:
        """Declare a graph input of `dtype` and `shape` (elements)."""
        pos = pos or _caller_pos()
        type_ = self._declare(name, dtype, shape, pos)
        self._inputs.append(Input(name, type_, self._annotations, pos))
        return Tensor(self, name, type_)

    def state(self, name: str, dtype: str, shape: Sequence[int], *, pos: SourcePos | None = None) -> Tensor:
        """Declare device state: read like an input, but held in device DRAM between runs of programs on one
        Mesh (zero on a fresh Mesh); `update(name, value)` gives its value for the next run."""
        value = self.input(name, dtype, shape, pos=pos or _caller_pos())
        self._state[name] = ""
        return value

    def update(self, name: str, value: Tensor, *, pos: SourcePos | None = None) -> None:
        """`value` becomes state `name` for the next run (this run reads the old value throughout)."""
        pos = pos or _caller_pos()
        if name not in self._state:
            raise NameResolutionError(pos, f"'{name}' is not a state; declare it with `state {name}: TYPE`",
                                      _source(pos))
        if self._state[name]:
            raise NameResolutionError(pos, f"state '{name}' is updated twice", _source(pos))
        if value.type != self._types[name]:
            raise ShapeError(pos, f"state '{name}' is {self._types[name]} but its update is {value.type}",
                             _source(pos))
        self.output(STATE_NEXT.format(name), value, pos=pos)
        self._state[name] = STATE_NEXT.format(name)

    def param(self, name: str, dtype: str, shape: Sequence[int], init: ParamSource | None = None, *,
              pos: SourcePos | None = None) -> Tensor:
        """Declare a weight; `init` is `LoadSpec`, `RandomSpec`, `FillSpec`, or None (supplied by the caller)."""
        pos = pos or _caller_pos()
        type_ = self._declare(name, dtype, shape, pos)
        self._params.append(Param(name, type_, init, self._annotations, pos))
        return Tensor(self, name, type_)

    def output(self, name: str, value: Tensor, *, type: TensorType | None = None, pos: SourcePos | None = None,
               l1: bool = False):
        """Make `value` the graph output `name`; `type`, when given, must match the value's type; `l1`: leave it in
        its cores' L1 shards (read back from there), not DRAM."""
        pos = pos or _caller_pos()
        if any(o.name == name for o in self._outputs):
            raise NameResolutionError(pos, f"output '{name}' is declared twice", _source(pos))
        if type is not None and type != value.type:
            raise ShapeError(pos, f"output '{name}' is declared {type} but its value is {value.type}", _source(pos))
        self._outputs.append(Output(name, value.ref, value.type, pos, l1 or bool(self._annotations.l1)))

    def _declare(self, name: str, dtype: str, shape: Sequence[int], pos: SourcePos | None) -> TensorType:
        if not name or name.isdigit():
            raise NameResolutionError(pos, f"'{name}' cannot name a value: node ids are numbers", _source(pos))
        if name in self._declared:
            first = where(self._declared[name], pos)
            raise NameResolutionError(pos, f"'{name}' is already declared{first}", _source(pos))
        type_ = make_type(dtype, shape, pos)
        self._declared[name] = pos
        self._types[name] = type_
        return type_

    # ---- annotations ----

    @contextmanager
    def annotate(self, annotations: Annotations | None = None, **fields) -> Iterator[None]:
        """Within the block, new nodes get these annotations (inner `annotate` calls override outer ones)."""
        outer = self._annotations
        self._annotations = outer.merged(annotations or Annotations()).merged(Annotations(**fields))
        try:
            yield
        finally:
            self._annotations = outer

    @contextmanager
    def inlined_at(self, call: SourcePos | None) -> Iterator[None]:
        """Within the block, new nodes sit at `call` (the outermost call of nested blocks), with their own position
        as its `inner`: traces, schedules and errors then tell the calls of one block apart."""
        outer = self._call_site
        self._call_site = outer or call
        try:
            yield
        finally:
            self._call_site = outer

    # ---- ops ----

    def op(self, op: str, inputs: Sequence[Tensor], attrs: dict | None = None, *,
           pos: SourcePos | None = None) -> Tensor:
        """Add one node: `op` applied to `inputs` with `attrs` (defaults filled in from `ops.OPS`)."""
        pos = pos or _caller_pos()
        if self._call_site is not None:  # inlined from a block: at its call site, the block's line kept inside
            pos = replace(self._call_site, inner=pos)
        try:
            return self._add_node(op, list(inputs), dict(attrs or {}), pos)
        except SourceError as e:
            e.source = e.source or _source(pos)
            raise

    def _add_node(self, op: str, inputs: list[Tensor], attrs: dict, pos: SourcePos | None) -> Tensor:
        if op not in OPS:
            hint = difflib.get_close_matches(op, OPS, n=1)
            raise NameResolutionError(pos, f"unknown op '{op}'" + (f" (did you mean '{hint[0]}'?)" if hint else ""))
        if len(self._nodes) >= MAX_NODES:
            raise SourceError(pos, f"the program grows past {MAX_NODES} ops; is a repeat range too large?")
        _check_inputs(op, inputs, pos)
        types = [t.type for t in inputs]
        attrs = _canonical(op, types, _check_attrs(op, attrs, pos))
        type_ = infer(op, types, attrs, pos)
        node = Node(str(len(self._nodes)), op, tuple(t.ref for t in inputs), attrs, type_, self._annotations, pos)
        self._nodes.append(node)
        return Tensor(self, node.id, type_)

    def build(self) -> Graph:
        """The graph so far (the builder can keep growing it)."""
        meta = {"state": dict(self._state)} if self._state else {}  # a state not updated maps to ''
        return Graph(self.name, tuple(self._inputs), tuple(self._params), tuple(self._nodes),
                     tuple(self._outputs), self.device, meta, self.fidelity)

    @property
    def node_count(self) -> int:
        return len(self._nodes)

    # one method per op, mirroring ops.OPS (a test checks the names)
    def matmul(self, a, b, *, pos=None):
        return self.op("matmul", [a, b], pos=pos)

    def add(self, a, b, *, pos=None):
        return self.op("add", [a, b], pos=pos)

    def sub(self, a, b, *, pos=None):
        return self.op("sub", [a, b], pos=pos)

    def mul(self, a, b, *, pos=None):
        return self.op("mul", [a, b], pos=pos)

    def scale(self, x, factor, *, pos=None):
        return self.op("scale", [x], {"factor": factor}, pos=pos)

    def relu(self, x, *, pos=None):
        return self.op("relu", [x], pos=pos)

    def silu(self, x, *, pos=None):
        return self.op("silu", [x], pos=pos)


    def gelu(self, x, approx=False, *, pos=None):
        return self.op("gelu", [x], {"approx": approx}, pos=pos)

    def softmax(self, x, causal=False, mask=None, *, pos=None):
        return self.op("softmax", [x] if mask is None else [x, mask], {"causal": causal}, pos=pos)

    def scaled_dot_product_attention(self, q, k, v, scale=None, causal=False, mask=None, *, pos=None):
        return self.op("scaled_dot_product_attention", [q, k, v] if mask is None else [q, k, v, mask],
                       {"scale": scale, "causal": causal}, pos=pos)

    def layernorm(self, x, gamma, beta, eps=1e-5, *, pos=None):
        return self.op("layernorm", [x, gamma, beta], {"eps": eps}, pos=pos)

    def rmsnorm(self, x, gamma, eps=1e-6, *, pos=None):
        return self.op("rmsnorm", [x, gamma], {"eps": eps}, pos=pos)

    def transpose(self, x, perm=None, *, pos=None):
        return self.op("transpose", [x], {"perm": perm}, pos=pos)

    def reshape(self, x, shape, *, pos=None):
        return self.op("reshape", [x], {"shape": shape}, pos=pos)

    def split_heads(self, x, heads, *, pos=None):
        return self.op("split_heads", [x], {"heads": heads}, pos=pos)

    def merge_heads(self, x, *, pos=None):
        return self.op("merge_heads", [x], pos=pos)

    def slice(self, x, axis, start=0, end=None, *, pos=None):
        return self.op("slice", [x], {"axis": axis, "start": start, "end": end}, pos=pos)

    def concat(self, *xs, axis=-1, pos=None):
        return self.op("concat", xs, {"axis": axis}, pos=pos)

    def embedding(self, ids, table, *, pos=None):
        return self.op("embedding", [ids, table], pos=pos)

    def rope(self, x, positions=None, theta=10000.0, interleaved=False, *, pos=None):
        inputs = [x] if positions is None else [x, positions]
        return self.op("rope", inputs, {"theta": theta, "interleaved": interleaved}, pos=pos)

    def topk_gate(self, logits, k, normalize=True, *, pos=None):
        return self.op("topk_gate", [logits], {"k": k, "normalize": normalize}, pos=pos)

    def cast(self, x, dtype, *, pos=None):
        return self.op("cast", [x], {"dtype": dtype}, pos=pos)


def make_type(dtype: str, shape: Sequence[int], pos: SourcePos | None = None) -> TensorType:
    """A validated TensorType: a known dtype and at least one positive integer dimension."""
    if dtype not in DTYPES:
        hint = difflib.get_close_matches(str(dtype), DTYPES, n=1)
        raise ShapeError(pos, f"unknown dtype '{dtype}'" + (f" (did you mean '{hint[0]}'?)" if hint else ""))
    dims = tuple(shape)
    if not dims or any(type(d) is not int or d <= 0 for d in dims):
        raise ShapeError(pos, f"a shape needs one or more positive integer dimensions, got {list(dims)}")
    return TensorType(dtype, dims)


# ---- arguments ----


def _check_inputs(op: str, inputs: list, pos: SourcePos | None) -> None:
    for t in inputs:
        if not isinstance(t, Tensor):
            raise ShapeError(pos, f"{op}: expected a tensor, got {_show(t)}")
    specs = [a for a in OPS[op] if a.kind in TENSOR_KINDS]
    least = sum(a.kind != "tensor?" for a in specs)
    most = len(inputs) if any(a.kind == "tensors" for a in specs) else len(specs)
    if not least <= len(inputs) <= most:
        wanted = f"{least}" if least == most else f"{least} to {most}" if most > least else f"at least {least}"
        raise ShapeError(pos, f"{op}: takes {wanted} tensor inputs, got {len(inputs)}")


def _check_attrs(op: str, attrs: dict, pos: SourcePos | None) -> dict:
    specs = [a for a in OPS[op] if a.kind not in TENSOR_KINDS]
    unknown = set(attrs) - {a.name for a in specs}
    if unknown:
        raise ShapeError(pos, f"{op}: unknown attribute '{sorted(unknown)[0]}'")
    out = {}
    for spec in specs:
        value = attrs.get(spec.name, spec.default)
        if value is REQUIRED:
            raise ShapeError(pos, f"{op}: missing argument '{spec.name}'")
        out[spec.name] = _attr_value(op, spec, value, pos)
    return out


def _attr_value(op: str, spec: Arg, value, pos: SourcePos | None):
    kind = spec.kind.rstrip("?")
    if value is None and spec.kind.endswith("?"):
        return None
    if kind == "float" and type(value) in (int, float):
        return float(value)
    if kind == "ints" and isinstance(value, Sequence) and all(type(v) is int for v in value):
        return tuple(value)
    if kind == "dtype" and value in DTYPES:
        return value
    if (kind, type(value)) in (("int", int), ("bool", bool)):
        return value
    words = {"int": "an integer", "float": "a number", "bool": "true or false", "ints": "a list of integers",
             "dtype": "a dtype"}
    raise ShapeError(pos, f"{op}: '{spec.name}' must be {words[kind]}, got {_show(value)}")


def _show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value.type) if isinstance(value, Tensor) else repr(value)


def _canonical(op: str, types: list[TensorType], attrs: dict) -> dict:
    """Resolve negative axes and open slice ends against the input's rank, so the IR holds only plain indices."""
    if op in ("slice", "concat") and types and -types[0].rank <= attrs["axis"] < types[0].rank:
        attrs["axis"] %= types[0].rank
    if op == "slice" and "axis" in attrs and 0 <= attrs["axis"] < types[0].rank:
        dim = types[0].shape[attrs["axis"]]
        attrs["start"] = attrs["start"] + dim if attrs["start"] < 0 else attrs["start"]
        end = dim if attrs["end"] is None else attrs["end"]
        attrs["end"] = end + dim if end < 0 else end
    return attrs
