"""The one vocabulary (tensix/ops.py): the kernels' integer codes, and every name the compiler emits is in it."""

from pathlib import Path

import pytest

from tensix.kernels import ops as codes
from tensix.lang.compiler import compile_file
from tensix.lang.passes.decompose import PRIMITIVES
from tensix.ops import MATMULS, BinaryFn, ChainFn, Dim, Op, ReduceFn, UnaryFn
from tensix.timing import _SFPU_INSTR

ROOT = Path(__file__).parents[2]


def test_the_kernels_codes_are_the_ones_their_numba_branches_were_written_for():
    assert (codes.ADD, codes.SUB, codes.MUL) == (0, 1, 2)
    assert codes.UNARY == {"relu": 0, "gelu": 1, "silu": 2, "exp": 3, "recip": 4, "sqrt": 5, "rsqrt": 6, "neg": 7,
                           "square": 8, "tanh": 9, "sigmoid": 10, "identity": 11, "gelu_tanh": 12, "trunc": 13}
    assert (codes.RELU, codes.EXP, codes.TRUNC) == (0, 3, 13) and all(type(c) is int for c in codes.UNARY.values())
    assert (codes.SUM, codes.MAX, codes.ROW, codes.COL, codes.SCALAR) == (0, 1, 0, 1, 2)
    assert BinaryFn("sub").code == 1 and UnaryFn.GELU_TANH.code == 12 and Dim.SCALAR.code == 2


def test_primitives_are_step_kinds_and_costed_unary_ops_are_named():
    # MATMULS: the kinds with Matmul's blocks; the k-split one (its own fields) is the other kind tile makes of a matmul
    assert set(PRIMITIVES) | set(MATMULS) | {Op.MATMUL_SPLIT} == set(Op)
    assert set(_SFPU_INSTR) <= set(UnaryFn) | {ChainFn.SCALE}


# (06: its attention scale runs inside the fused attention step, not as a chain)
@pytest.mark.parametrize(("name", "chain"), [("06_gpt2_block", {"gelu_tanh"}), ("08_moe", {"relu", "topk"})])
def test_every_name_a_compiled_schedule_uses_is_in_the_vocabulary(name, chain):
    schedule = compile_file(ROOT / "examples" / f"{name}.tdf", zero_skip=True).schedule
    fns: dict[str, set] = {}
    for cs in schedule.cores:
        for step in cs.steps:
            assert step.op in set(Op)
            fns.setdefault(step.op, set()).add(getattr(step, "fn", None))
            fns.setdefault("chain", set()).update(c.fn for c in step.chain)
            fns.setdefault("bcast", set()).add(getattr(step, "bcast", "none"))
    assert fns[Op.BINARY] <= set(BinaryFn) and fns.get(Op.REDUCE, set()) <= set(ReduceFn)
    assert fns["chain"] <= set(UnaryFn) | set(ChainFn) and fns["bcast"] <= set(Dim) | {"none"}
    assert fns.get(Op.ROW, set()) <= {"softmax", "layernorm", "rmsnorm"}
    assert fns["chain"] == chain
