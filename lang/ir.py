"""The graph IR: what `lower` and `GraphBuilder` produce and every compiler pass consumes and returns.

A `Graph` is SSA: inputs and params are named values (`%x`, `%h0.attn.wq`), each `Node` defines one numbered
value (`%7`). Nodes are frozen; passes return new graphs (`dataclasses.replace`) and attach their results in
`Node.attrs` and `Graph.meta`. `Graph.render()` is the stable text form used by golden tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

from tensix.errors import SourcePos

__all__ = [
    "DTYPES", "FIDELITIES", "FLOAT_DTYPES", "Annotations", "CoreRect", "FillSpec", "Graph", "Input", "LoadSpec",
    "Node", "Output", "Param", "ParamSource", "RandomSpec", "STATE_NEXT", "TensorType",
]

FLOAT_DTYPES = ("fp32", "bf16", "bfp8_b", "bfp4_b")
DTYPES = (*FLOAT_DTYPES, "int32")
SHARDS = ("height", "width", "block")
# math fidelity as the language spells it -> tt-metal's MathFidelity name (what the compute kernel charges by)
FIDELITIES = {"lofi": "LoFi", "hifi2": "HiFi2", "hifi3": "HiFi3", "hifi4": "HiFi4"}


STATE_NEXT = "{}.next"  # the output holding a state's value for the next run (Graph.meta["state"])


@dataclass(frozen=True, slots=True)
class TensorType:
    """A tensor's element format and shape, e.g. `bf16[128, 768]`."""

    dtype: str
    shape: tuple[int, ...]

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    def render(self) -> str:
        return f"{self.dtype}[{', '.join(str(d) for d in self.shape)}]"

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True, slots=True)
class CoreRect:
    """A rectangle of logical cores, both ranges inclusive (like tt-metal's CoreRange): x is the column."""

    x0: int
    x1: int
    y0: int
    y1: int
    pos: SourcePos | None = field(default=None, compare=False)

    def render(self) -> str:
        return f"@cores({self.x0}..{self.x1},{self.y0}..{self.y1})"


@dataclass(frozen=True, slots=True)
class Annotations:
    """Placement hints; None means "not given" (the compiler decides)."""

    cores: CoreRect | None = None
    shard: str | None = None  # height | width | block
    noc: int | None = None  # 0 | 1
    mcast: bool | None = None
    sparse: bool | None = None  # an input whose columns are often zero for every token (a ReLU's output)
    region: str | None = None  # the pipeline region (stage) a node belongs to
    fidelity: str | None = None  # lofi | hifi2 | hifi3 | hifi4 (None: the program's default)
    l1: bool | None = None  # the value lives in its cores' L1 shards, not DRAM (passes/reside.py)
    l1_pos: SourcePos | None = field(default=None, compare=False)  # where @l1 was written
    transposed: bool | None = None  # a param whose stored values are its type transposed: the host swaps them once

    def merged(self, inner: Annotations) -> Annotations:
        """These annotations overridden by every field that `inner` sets."""
        changes = {f.name: getattr(inner, f.name) for f in fields(self) if getattr(inner, f.name) is not None}
        return replace(self, **changes)

    def render(self) -> str:
        parts = [self.cores.render()] if self.cores else []
        parts += [f"@shard({self.shard})"] if self.shard else []
        parts += [f"@noc({self.noc})"] if self.noc is not None else []
        parts += ["@mcast"] if self.mcast else []
        parts += ["@sparse"] if self.sparse else []
        parts += [f"@region({self.region})"] if self.region else []
        parts += [f"@fidelity({self.fidelity})"] if self.fidelity else []
        parts += ["@l1"] if self.l1 else []
        parts += ["@transposed"] if self.transposed else []
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class LoadSpec:
    """A param read by `key` from an `.npz` or `.safetensors` file; `file` is as written, `base_dir` resolves it."""

    file: str
    key: str
    base_dir: str = field(default="", compare=False)

    def render(self) -> str:
        return f'load("{self.file}", "{self.key}")'


@dataclass(frozen=True, slots=True)
class RandomSpec:
    """Normal(mean, std) values from a generator seeded with (seed, crc32 of the param's name); seed None: the
    run's seed (`tensix run --seed`)."""

    seed: int | None
    std: float = 1.0
    mean: float = 0.0

    def render(self) -> str:
        mean = f", mean={self.mean!r}" if self.mean else ""
        seed = "" if self.seed is None else f"seed={self.seed}, "
        return f"random({seed}std={self.std!r}{mean})"


@dataclass(frozen=True, slots=True)
class FillSpec:
    """Every element equal to `value` (`zeros`, `ones`, `full(v)`)."""

    value: float

    def render(self) -> str:
        return {0.0: "zeros", 1.0: "ones"}.get(self.value, f"full({self.value!r})")


ParamSource = LoadSpec | RandomSpec | FillSpec


@dataclass(frozen=True, slots=True)
class Input:
    name: str
    type: TensorType
    annotations: Annotations = Annotations()
    pos: SourcePos | None = field(default=None, compare=False)

    def render(self) -> str:
        return _suffixed(f"input %{self.name} : {self.type.render()}", self.annotations)


@dataclass(frozen=True, slots=True)
class Param:
    """A weight; `source` None means the caller supplies its values."""

    name: str
    type: TensorType
    source: ParamSource | None = None
    annotations: Annotations = Annotations()
    pos: SourcePos | None = field(default=None, compare=False)

    def render(self) -> str:
        init = f" = {self.source.render()}" if self.source is not None else ""
        return _suffixed(f"param %{self.name} : {self.type.render()}{init}", self.annotations)


@dataclass(frozen=True, slots=True)
class Node:
    """One op application defining value `%id`. `attrs` holds op attributes and, later, pass results. `op` is a
    language op (lang/ops.py) until `decompose`, then a primitive: a `tensix.ops.Op`, the name of the step kind
    that runs it (a str enum, so it renders and compares as its name)."""

    id: str
    op: str
    inputs: tuple[str, ...]
    attrs: dict = field(default_factory=dict)
    type: TensorType | None = None
    annotations: Annotations = Annotations()
    pos: SourcePos | None = field(default=None, compare=False)

    def render(self) -> str:
        args = ", ".join(f"%{i}" for i in self.inputs)
        attrs = _render_attrs(self.attrs)
        type_ = self.type.render() if self.type is not None else "?"
        return _suffixed(f"%{self.id} = {self.op} {args}{attrs} : {type_}", self.annotations)


@dataclass(frozen=True, slots=True)
class Output:
    name: str
    value: str
    type: TensorType | None = None
    pos: SourcePos | None = field(default=None, compare=False)
    l1: bool = False  # `output ... @l1`: left in its cores' L1 shards and read back from there

    def render(self) -> str:
        type_ = self.type.render() if self.type is not None else "?"
        return f"output %{self.name} = %{self.value} : {type_}" + ("  @l1" if self.l1 else "")


@dataclass(frozen=True, slots=True)
class Graph:
    """A whole program: inputs, params, nodes in definition order, outputs, and pass metadata."""

    name: str
    inputs: tuple[Input, ...] = ()
    params: tuple[Param, ...] = ()
    nodes: tuple[Node, ...] = ()
    outputs: tuple[Output, ...] = ()
    device: str | None = None
    meta: dict = field(default_factory=dict)
    fidelity: str | None = None  # the program's default math fidelity (None: the device's, HiFi4)

    def render(self) -> str:
        head = [f"graph {self.name}"] + ([f"device {self.device}"] if self.device else [])
        head += [f"fidelity {self.fidelity}"] if self.fidelity else []
        body = [item.render() for group in (self.inputs, self.params, self.nodes, self.outputs) for item in group]
        return "\n".join(head + body) + "\n"

    def types(self) -> dict[str, TensorType | None]:
        """The type of every value, by name (inputs, params and node ids)."""
        named = {v.name: v.type for v in (*self.inputs, *self.params)}
        return named | {n.id: n.type for n in self.nodes}

    def node(self, id: str) -> Node:
        return next(n for n in self.nodes if n.id == id)

    def users(self) -> dict[str, list[Node]]:
        """For each value name, the nodes that read it."""
        out: dict[str, list[Node]] = {}
        for node in self.nodes:
            for ref in node.inputs:
                out.setdefault(ref, []).append(node)
        return out


def _suffixed(text: str, annotations: Annotations) -> str:
    extra = annotations.render()
    return f"{text}  {extra}" if extra else text


def _render_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_render_value(v) for v in value) + "]"
    return repr(value) if isinstance(value, float) else str(value)


def _render_attrs(attrs: dict) -> str:
    # keys starting with "_" hold pass-internal detail (per-core steps, page maps): not part of the text form
    items = [f"{k}={_render_value(v)}" for k, v in sorted(attrs.items()) if v is not None and not k.startswith("_")]
    return " {" + ", ".join(items) + "}" if items else ""
