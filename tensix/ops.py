"""The operation vocabulary: every op's one name, shared by the language, the schedule and the compute API.

`Op` names the primitives the compiler lowers a program to; each but `view` (STEPLESS: a free reshape, read in
place) is also the kind of the schedule step that runs it (tensix/schedule/contract.py) and the line kind of the
`.sched` text. `BinaryFn`, `UnaryFn`, `ReduceFn`,
`Dim` and `ChainFn` name the elementwise math the language's ops, a step's `fn`/`chain` and the compute API's
`*_tile` calls use; a coded one's `code` is the integer the Numba tile kernels branch on (tensix/kernels/ops.py
re-exports the codes as plain ints). docs/architecture.md says how the names are used.
"""

from __future__ import annotations

from enum import StrEnum


class Op(StrEnum):
    """A primitive op of the graph IR after `decompose`, and (all but VIEW) the step kind that runs it on a core."""

    MATMUL = "matmul"
    MATMUL_ROWS = "matmul_rows"  # a matmul whose weights move by row, as live activation columns ask (sparse decode)
    MATMUL_SPLIT = "matmul_split"  # a sparse decode matmul split over k: whole live weight rows, partials added up
    BINARY = "binary"
    UNARY = "unary"
    REDUCE = "reduce"
    ROW = "row"  # softmax / layernorm / rmsnorm over whole tile rows held on one core
    COPY = "copy"  # page moves: transpose, heads, reshape, slice, concat
    GATHER_ROWS = "gather_rows"  # embedding lookup
    ATTENTION = "attention"  # fused scaled-dot-product attention: softmax(q @ k^T * scale + mask) @ v, online
    VIEW = "view"  # the same pages read as another shape: the one primitive that runs no step


STEPLESS = (Op.VIEW,)  # primitives the compiler resolves to their input's buffer instead of running a step


MATMULS = (Op.MATMUL, Op.MATMUL_ROWS)


class _Coded(StrEnum):
    """An op name with the integer code the tile kernels use for it: its position in the enum."""

    @property
    def code(self) -> int:
        return list(type(self)).index(self)


class BinaryFn(_Coded):
    """out = a (fn) b, tile by tile (the FPU)."""

    ADD = "add"
    SUB = "sub"
    MUL = "mul"


class UnaryFn(_Coded):
    """out = fn(a) on the SFPU; the order is the kernels' codes (never reorder, only append)."""

    RELU = "relu"
    GELU = "gelu"
    SILU = "silu"
    EXP = "exp"
    RECIP = "recip"
    SQRT = "sqrt"
    RSQRT = "rsqrt"
    NEG = "neg"
    SQUARE = "square"
    TANH = "tanh"
    SIGMOID = "sigmoid"
    IDENTITY = "identity"
    GELU_TANH = "gelu_tanh"
    TRUNC = "trunc"  # to a whole number toward zero, as a cast to int32 (NaN, inf and |x| >= 2^31 give -2^31)


class ReduceFn(_Coded):
    SUM = "sum"
    MAX = "max"


class Dim(_Coded):
    """What a reduce or broadcast runs along: ROW reduces each row (result in column 0), COL each column (row 0),
    SCALAR the whole tile ([0, 0]); a row-broadcast operand is one row repeated down, a col one column across."""

    ROW = "row"
    COL = "col"
    SCALAR = "scalar"


class ChainFn(StrEnum):
    """The unary ops with arguments a step's chain may hold besides a UnaryFn (ChainOp.fn, ChainOp.args)."""

    SCALE = "scale"  # x * factor
    ADD_SCALAR = "add_scalar"  # x + value
    TOPK = "topk"  # per row: softmax over the k largest of the first `width` values, 0 elsewhere (MoE gate)


def codes(enum: type[_Coded]) -> dict[str, int]:
    """name -> kernel code of every member of `enum` (the tables the compute API translates names with)."""
    return {member.value: member.code for member in enum}
