"""tensix.lang: the dataflow language. Text (`.tdf`) or Python builder -> typed `ir.Graph` -> compiler passes.

Pipeline: parse -> lower -> shapes -> verify (`check_source` runs them all); `reference.evaluate` is the spec.
"""

from tensix.lang.builder import GraphBuilder, Tensor
from tensix.lang.check import check_file, check_placement, check_source
from tensix.lang.compiler import Compiled, compile_file, compile_graph, compile_source
from tensix.lang.errors import (
    DataError,
    DslSyntaxError,
    ErrorList,
    NameResolutionError,
    ParamError,
    PlacementError,
    ShapeError,
    SourceError,
    SourcePos,
    TensixError,
)
from tensix.lang.ir import (
    Annotations,
    CoreRect,
    FillSpec,
    Graph,
    Input,
    LoadSpec,
    Node,
    Output,
    Param,
    RandomSpec,
    TensorType,
)
from tensix.lang.lower import lower
from tensix.lang.ops import OPS
from tensix.lang.params import materialize
from tensix.lang.parser import parse
from tensix.lang.passes.shapes import shapes
from tensix.lang.reference import evaluate
from tensix.lang.verify import IrError, verify

__all__ = [
    "Annotations", "Compiled", "CoreRect", "DataError", "DslSyntaxError", "ErrorList", "FillSpec", "Graph",
    "GraphBuilder", "Input", "IrError", "LoadSpec", "NameResolutionError", "Node", "OPS", "Output", "Param",
    "ParamError", "PlacementError", "RandomSpec", "ShapeError", "SourceError", "SourcePos", "TensixError", "Tensor",
    "TensorType", "check_file", "check_placement", "check_source", "compile_file", "compile_graph", "compile_source",
    "evaluate", "lower", "materialize", "parse", "shapes", "verify",
]
