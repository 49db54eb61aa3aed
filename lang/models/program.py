"""A model `.tdf` compiled for one call: its consts set from the model's config and the call's sizes, and its
float tensors in the chosen format.

The model files are ordinary programs a user can copy; this module only fills in their `const` lines and
retypes their fp32 inputs and params (the files are written in fp32) before the compiler runs.
"""

from __future__ import annotations

import re
from dataclasses import replace
from importlib import resources
from pathlib import Path

from tensix.errors import TensixError
from tensix.lang.cache import compile_text_cached
from tensix.lang.check import check_source
from tensix.lang.compiler import Compiled, compile_graph
from tensix.lang.ir import Graph, TensorType
from tensix.lang.passes.shapes import shapes
from tensix.presets import resolve

__all__ = ["DTYPES", "model_file", "set_consts", "retype", "compile_model"]

DTYPES = ("fp32", "bf16")


def model_file(name: str) -> Path:
    """The path of a model `.tdf` shipped in this package."""
    return Path(str(resources.files("tensix.lang.models") / name))


def set_consts(text: str, consts: dict[str, object], path: str = "<model>") -> str:
    """`text` with each `const NAME = ...` line's value replaced; every name must have exactly one such line."""
    for name, value in consts.items():
        pattern = re.compile(rf"^(const\s+{re.escape(name)}\s*=\s*)[^#\n]*?(\s*(#.*)?)$", re.MULTILINE)
        text, count = pattern.subn(lambda m, v=value: f"{m.group(1)}{v!r}{m.group(2)}", text)
        if count != 1:
            raise TensixError(f"{path}: expected one line `const {name} = ...`, found {count}")
    return text


def retype(graph: Graph, dtype: str) -> Graph:
    """The graph with every fp32 input and param in `dtype`; node types are inferred again."""
    def fix(t: TensorType) -> TensorType:
        return TensorType(dtype, t.shape) if t.dtype == "fp32" else t
    graph = replace(graph, inputs=tuple(replace(i, type=fix(i.type)) for i in graph.inputs),
                    params=tuple(replace(p, type=fix(p.type)) for p in graph.params))
    return shapes(graph)


def compile_model(name: str, consts: dict[str, object], dtype: str = "fp32", device: str | None = None,
                  cache: bool = False) -> Compiled:
    """Compile the shipped model file `name` with `consts` set and its float tensors in `dtype`; `cache`: through
    the compile cache (lang/cache.py), keyed by that text, dtype and device (`tensix generate` compiles a decoder's
    prefill and decode programs, seconds each, on every call otherwise)."""
    if dtype not in DTYPES:
        raise TensixError(f"unknown dtype '{dtype}'; models run in {' or '.join(DTYPES)}")
    path = model_file(name)
    text = set_consts(path.read_text(), consts, str(path))

    def make() -> Compiled:
        graph = check_source(text, str(path))
        return compile_graph(retype(graph, dtype) if dtype != "fp32" else graph, device)
    if not cache:
        return make()
    return compile_text_cached((str(path), text, dtype, resolve(device)), make)
