"""The AST of a `.tdf` file: what `parser.parse` returns and `lower` consumes.

Frozen dataclasses; every node carries the `SourcePos` of its text. Names may be dotted or templated
(`h{i}.attn.wq`); templates are filled in by `lower`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tensix.errors import SourcePos

# ---- expressions ----


@dataclass(frozen=True, slots=True)
class Num:
    value: int | float
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class Str:
    value: str
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class Bool:
    value: bool
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class Ref:
    name: str
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class DtypeLit:
    name: str
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class ListLit:
    items: tuple[Expr, ...]
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class KwArg:
    name: str
    value: Expr
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Expr, ...]
    kwargs: tuple[KwArg, ...]
    instance: str | None
    pos: SourcePos
    func_pos: SourcePos
    instance_pos: SourcePos | None = None


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str  # one of + - * / @
    left: Expr
    right: Expr
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Expr
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class Slice:
    start: Expr | None
    end: Expr | None
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class Index:
    base: Expr
    slices: tuple[Slice, ...]
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class Range:
    """`a..b`: inclusive in `@cores`, exclusive of `b` in `repeat`."""

    start: Expr
    end: Expr
    pos: SourcePos


Expr = Num | Str | Bool | Ref | DtypeLit | ListLit | Call | BinOp | Neg | Index

# ---- types and annotations ----


@dataclass(frozen=True, slots=True)
class TypeExpr:
    """`bf16[S, D]`; `dims` is None for the scalar block-param types `int` and `float`."""

    dtype: str
    dims: tuple[Expr, ...] | None
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class Annotation:
    name: str  # without the '@'
    args: tuple[Expr | Range, ...]
    pos: SourcePos


# ---- statements ----


@dataclass(frozen=True, slots=True)
class Device:
    name: str
    pos: SourcePos
    name_pos: SourcePos


@dataclass(frozen=True, slots=True)
class Fidelity:
    """`fidelity hifi2`: the program's default math fidelity."""

    name: str
    pos: SourcePos
    name_pos: SourcePos


@dataclass(frozen=True, slots=True)
class Import:
    path: str
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class Const:
    name: str
    value: Expr
    pos: SourcePos
    name_pos: SourcePos


@dataclass(frozen=True, slots=True)
class Input:
    name: str
    type: TypeExpr
    annots: tuple[Annotation, ...]
    pos: SourcePos
    name_pos: SourcePos
    state: bool = False  # `state NAME: T`: device memory kept between runs on one Mesh, zero at first


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: TypeExpr
    init: Expr | None
    annots: tuple[Annotation, ...]
    pos: SourcePos
    name_pos: SourcePos


@dataclass(frozen=True, slots=True)
class Let:
    name: str
    value: Expr
    annots: tuple[Annotation, ...]
    pos: SourcePos
    name_pos: SourcePos
    rest: tuple[tuple[str, SourcePos], ...] = ()  # `let a, b = f(x)`: the names after the first, with positions


@dataclass(frozen=True, slots=True)
class Output:
    name: str
    type: TypeExpr | None
    value: Expr
    annots: tuple[Annotation, ...]
    pos: SourcePos
    name_pos: SourcePos
    update: bool = False  # `update NAME = value`: the state NAME's value for the next run


@dataclass(frozen=True, slots=True)
class BlockParam:
    name: str
    type: TypeExpr
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class Block:
    name: str
    params: tuple[BlockParam, ...]
    ret: TypeExpr | tuple[TypeExpr, ...] | None  # a tuple: `-> (T1, T2)`, a block with several results
    body: tuple[Stmt, ...]
    pos: SourcePos
    name_pos: SourcePos


@dataclass(frozen=True, slots=True)
class Return:
    value: Expr
    pos: SourcePos
    rest: tuple[Expr, ...] = ()  # `return a, b`: the values after the first


@dataclass(frozen=True, slots=True)
class Repeat:
    var: str
    start: Expr
    end: Expr
    body: tuple[Stmt, ...]
    pos: SourcePos
    name_pos: SourcePos


@dataclass(frozen=True, slots=True)
class Region:
    name: str
    annots: tuple[Annotation, ...]
    body: tuple[Stmt, ...]
    pos: SourcePos
    name_pos: SourcePos


Stmt = Device | Fidelity | Import | Const | Input | Param | Let | Output | Block | Return | Repeat | Region


@dataclass(frozen=True, slots=True)
class Module:
    path: str
    stmts: tuple[Stmt, ...]
    source: str
