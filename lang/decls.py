"""Declarations for `lower`: type expressions, param initializers and annotations -> their IR values.

`bf16[S, D]` -> TensorType; `load(...)`/`random(...)`/`zeros` -> ParamSource; `@cores(..) @shard(..)` -> Annotations.
"""

from __future__ import annotations

from pathlib import Path

from tensix.lang import syntax as s
from tensix.lang.builder import make_type
from tensix.lang.errors import NameResolutionError, ParamError, PlacementError, ShapeError
from tensix.lang.exprs import INITIALIZERS, ExprLowerer, show
from tensix.lang.ir import (
    FIDELITIES,
    SHARDS,
    Annotations,
    CoreRect,
    FillSpec,
    LoadSpec,
    ParamSource,
    RandomSpec,
    TensorType,
)
from tensix.lang.scope import Frame, did_you_mean

__all__ = ["eval_type", "param_source", "annotations", "fidelity_name", "ANNOTATIONS"]

ANNOTATIONS = ("cores", "shard", "noc", "mcast", "sparse", "fidelity", "l1", "transposed")


def eval_type(t: s.TypeExpr, frame: Frame, exprs: ExprLowerer) -> TensorType | str:
    """A TensorType, or the scalar kinds "int" / "float" (block parameters only)."""
    if t.dims is None:
        return t.dtype
    dims = []
    for d in t.dims:
        v = exprs.const(d, frame, "a dimension")
        if type(v) is not int or v <= 0:
            raise ShapeError(d.pos, f"a dimension must be a positive integer, got {show(v)}")
        dims.append(v)
    return make_type(t.dtype, dims, t.pos)


# ---- param initializers ----

_INIT_HELP = "load(file, key), random(seed, std, mean), zeros, ones or full(value)"


def param_source(init: s.Expr, frame: Frame, exprs: ExprLowerer, full_name: str) -> ParamSource:
    """The source of a param's values; `load`'s key defaults to the param's full name."""
    if isinstance(init, s.Ref) and init.name in ("zeros", "ones"):
        return FillSpec(0.0 if init.name == "zeros" else 1.0)
    if not isinstance(init, s.Call) or init.func not in INITIALIZERS:
        raise ParamError(init.pos, f"a param is initialized by {_INIT_HELP}")
    args = _bind(init, frame, exprs)
    if init.func == "load":
        return _load(init, args, frame, full_name)
    if init.func == "random":
        return _random(init, args)
    if init.func == "full":
        return FillSpec(float(_number(init, args, "value")))
    return FillSpec(0.0 if init.func == "zeros" else 1.0)


_INIT_ARGS = {"load": ("file", "key"), "random": ("seed", "std", "mean"), "full": ("value",), "zeros": (), "ones": ()}


def _bind(call: s.Call, frame: Frame, exprs: ExprLowerer) -> dict:
    names = _INIT_ARGS[call.func]
    if len(call.args) > len(names):
        raise ParamError(call.pos, f"{call.func} takes at most {len(names)} arguments ({', '.join(names)})")
    args = {n: (exprs.const(a, frame, n), a.pos) for n, a in zip(names, call.args, strict=False)}
    for kw in call.kwargs:
        if kw.name not in names or kw.name in args:
            problem = "is given twice" if kw.name in args else "is not an argument" + did_you_mean(kw.name, names)
            raise ParamError(kw.pos, f"{call.func}: '{kw.name}' {problem}")
        args[kw.name] = (exprs.const(kw.value, frame, kw.name), kw.value.pos)
    return args


def _load(call: s.Call, args: dict, frame: Frame, full_name: str) -> LoadSpec:
    file, key = args.get("file"), args.get("key", (full_name, call.pos))
    if file is None or not isinstance(file[0], str):
        raise ParamError(file[1] if file else call.pos, "load needs a file name string, e.g. load(\"weights.npz\")")
    if not isinstance(key[0], str):
        raise ParamError(key[1], f"load's key must be a string, got {show(key[0])}")
    return LoadSpec(file[0], key[0], str(Path(frame.path).resolve().parent))


def _random(call: s.Call, args: dict) -> RandomSpec:
    if "seed" in args and type(args["seed"][0]) is not int:
        raise ParamError(args["seed"][1], "random's seed must be an integer, e.g. random(seed=1, std=0.02) (or leave "
                                          "it out: the run's --seed)")
    if "seed" in args and args["seed"][0] < 0:
        raise ParamError(args["seed"][1], f"seed must not be negative, got {args['seed'][0]}")
    std = _number(call, args, "std", 1.0)
    if std < 0:
        raise ParamError(args["std"][1], f"std must not be negative, got {std!r}")
    seed = args["seed"][0] if "seed" in args else None
    return RandomSpec(seed, float(std), float(_number(call, args, "mean", 0.0)))


def _number(call: s.Call, args: dict, name: str, default: float | None = None) -> float:
    if name not in args:
        if default is None:
            raise ParamError(call.pos, f"{call.func} needs '{name}'")
        return default
    value, pos = args[name]
    if type(value) not in (int, float):
        raise ParamError(pos, f"{call.func}: '{name}' must be a number, got {show(value)}")
    return value


# ---- annotations ----


def annotations(annots: tuple[s.Annotation, ...], frame: Frame, exprs: ExprLowerer,
                statement: str) -> Annotations:
    """The Annotations written after a statement of kind `statement` (each kind at most once)."""
    fields: dict = {}
    for a in annots:
        if a.name not in ANNOTATIONS:
            raise NameResolutionError(a.pos, f"unknown annotation '@{a.name}'"
                                      + did_you_mean(a.name, ANNOTATIONS).replace("'", "'@", 1))
        key = a.name
        if key in fields:
            raise PlacementError(a.pos, f"@{a.name} is given twice")
        if key == "sparse" and statement != "input":
            raise PlacementError(a.pos, f"@sparse marks an input whose columns are often zero (e.g. a ReLU's output "
                                        f"computed elsewhere), not {statement}; a value computed here is sparse "
                                        f"when a ReLU makes it, with no annotation")
        if key == "transposed" and statement != "a param":
            raise PlacementError(a.pos, f"@transposed marks a param stored transposed (a Hugging Face linear [out, in] "
                                        f"declared [in, out]: the host swaps it once at load), not {statement}")
        if key == "fidelity" and statement in ("input", "a param"):
            what = "an input" if statement == "input" else statement
            raise PlacementError(a.pos, f"@fidelity sets how ops compute, not {what}; put it on a let, an output "
                                        f"or a region")
        if key == "l1" and statement == "a region":
            raise PlacementError(a.pos, "@l1 keeps a tensor in L1, not a region; put it on an input, param, let or "
                                        "output of the region")
        fields[key] = _ANNOTATION_READERS[a.name](a, frame, exprs)
        if key == "l1":
            fields["l1_pos"] = a.pos  # where L1 errors (no room, shards not dividing) point
    return Annotations(**fields)


def _cores(a: s.Annotation, frame: Frame, exprs: ExprLowerer) -> CoreRect:
    if len(a.args) != 2:
        raise PlacementError(a.pos, "@cores takes an x range and a y range, e.g. @cores(0..3, 0..7)")
    (x0, x1), (y0, y1) = (_core_range(arg, frame, exprs) for arg in a.args)
    return CoreRect(x0, x1, y0, y1, a.pos)


def _core_range(arg, frame: Frame, exprs: ExprLowerer) -> tuple[int, int]:
    if isinstance(arg, s.Range):
        lo = exprs.integer(arg.start, frame, "a core coordinate")
        hi = exprs.integer(arg.end, frame, "a core coordinate")
    else:
        lo = hi = exprs.integer(arg, frame, "a core coordinate")
    if lo < 0 or hi < lo:
        raise PlacementError(arg.pos, f"core range {lo}..{hi} must satisfy 0 <= first <= last")
    return lo, hi


def _shard(a: s.Annotation, frame: Frame, exprs: ExprLowerer) -> str:
    arg = a.args[0] if len(a.args) == 1 else None
    if not isinstance(arg, s.Ref) or arg.name not in SHARDS:
        got = f"; got '{arg.name}'" + did_you_mean(arg.name, SHARDS) if isinstance(arg, s.Ref) else ""
        raise PlacementError(arg.pos if arg else a.pos, f"@shard takes height, width or block{got}")
    return arg.name


def _noc(a: s.Annotation, frame: Frame, exprs: ExprLowerer) -> int:
    noc = exprs.integer(a.args[0], frame, "a NoC number") if len(a.args) == 1 else None
    if noc not in (0, 1):
        raise PlacementError(a.pos, f"@noc takes 0 or 1{'' if noc is None else f', got {noc}'}")
    return noc


def _mcast(a: s.Annotation, frame: Frame, exprs: ExprLowerer) -> bool:
    if a.args:
        raise PlacementError(a.pos, "@mcast takes no arguments")
    return True


def _sparse(a: s.Annotation, frame: Frame, exprs: ExprLowerer) -> bool:
    if a.args:
        raise PlacementError(a.pos, "@sparse takes no arguments")
    return True


def _l1(a: s.Annotation, frame: Frame, exprs: ExprLowerer) -> bool:
    """@l1: the tensor lives in its cores' L1 shards, not DRAM."""
    if a.args:
        raise PlacementError(a.pos, "@l1 takes no arguments; choose the layout with @shard(height|width|block)")
    return True


def fidelity_name(name: str, pos) -> str:
    """A math fidelity as the language spells it (lofi, hifi2, hifi3, hifi4), checked."""
    if name not in FIDELITIES:
        raise PlacementError(pos, f"unknown math fidelity '{name}'{did_you_mean(name, FIDELITIES)}; "
                                  f"use lofi, hifi2, hifi3 or hifi4")
    return name


def _fidelity(a: s.Annotation, frame: Frame, exprs: ExprLowerer) -> str:
    arg = a.args[0] if len(a.args) == 1 else None
    if not isinstance(arg, s.Ref):
        raise PlacementError(arg.pos if arg else a.pos, f"@fidelity takes one of {', '.join(FIDELITIES)}")
    return fidelity_name(arg.name, arg.pos)


def _transposed(a: s.Annotation, frame: Frame, exprs: ExprLowerer) -> bool:
    if a.args:
        raise PlacementError(a.pos, "@transposed takes no arguments")
    return True


_ANNOTATION_READERS = {"cores": _cores, "shard": _shard, "noc": _noc, "mcast": _mcast, "sparse": _sparse,
                       "fidelity": _fidelity, "l1": _l1, "transposed": _transposed}
