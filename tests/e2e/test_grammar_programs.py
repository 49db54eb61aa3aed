"""Property test: random programs written from the language's own grammar (inputs, params, lets, outputs over
sums, products, matmuls, negation, slices, calls) either fail with a positioned error or compile, run on the
emulator and match lang/reference.py.

Shapes are tiny and mostly compatible; some draws combine shapes that do not fit, which must be reported at the
expression that does not fit. Kept to a few dozen examples.
"""

import os

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tensix.lang import ErrorList, SourceError, compile_source
from tensix.lang.driver import make_inputs, run_compiled

MAX_EXAMPLES = int(os.environ.get("TENSIX_FUZZ_EXAMPLES", "30"))
HEADER = ("input a: fp32[32, 64]\ninput b: fp32[32, 64]\ninput c: fp32[64, 32]\n"
          "param w: fp32[64, 32] = random(seed=1, std=0.2)\nparam g: fp32[64] = random(seed=2, std=0.5, mean=1.0)\n")
LEAVES = {"a": (32, 64), "b": (32, 64), "c": (64, 32), "w": (64, 32)}
UNARY_CALLS = ("relu({})", "silu({})", "gelu({})", "softmax({})", "transpose({})", "rmsnorm({}, g)")
# small expressions of each shape, so that most binary ops combine operands that fit
OF_SHAPE = {(32, 64): ["a", "b", "t", "transpose(c)"], (64, 32): ["c", "w", "transpose(b)"],
            (32, 32): ["(a @ w)", "a[:, 0:32]"], (64, 64): ["(c @ a)"]}


def _shape_of(call: str, x: tuple) -> tuple | None:
    if call.startswith("transpose"):
        return x[::-1]
    if call.startswith("rmsnorm"):
        return x if x[-1] == 64 else None
    return x


def _of_shape(shape: tuple, t_ok: bool) -> list[str]:
    return [e for e in OF_SHAPE[shape] if t_ok or e != "t"]


@st.composite
def expressions(draw, depth: int = 0, t_ok: bool = True):
    """(text, shape or None when it cannot type-check) of one expression, at most 4 levels deep; `t` (the let)
    only where it is defined."""
    kind = draw(st.sampled_from(["leaf"] if depth >= 4 else ["leaf", "unary", "binary", "matmul", "neg",
                                                               "scale", "slice", "paren", "let"]))
    if kind in ("leaf", "let"):
        name = draw(st.sampled_from(sorted(LEAVES) + (["t"] if kind == "let" and t_ok else [])))
        return name, LEAVES.get(name, (32, 64))
    x, sx = draw(expressions(depth + 1, t_ok))
    if kind == "unary":
        call = draw(st.sampled_from(UNARY_CALLS))
        return call.format(x), sx and _shape_of(call, sx)
    if kind == "neg":
        return f"-{x}", sx
    if kind == "paren":
        return f"({x})", sx
    if kind == "scale":
        return f"{x} * {draw(st.sampled_from(['0.5', '2.0', '-1.25']))}", sx
    if kind == "slice":
        return f"({x})[:, 0:32]", sx and (sx[0], 32)
    fit = sx and draw(st.integers(0, 4)) > 0  # mostly an operand that fits
    if kind == "matmul":
        want = sx and (sx[1], draw(st.sampled_from([32, 64])))
        y, sy = (draw(st.sampled_from(_of_shape(want, t_ok))), want) if fit else draw(expressions(depth + 1, t_ok))
        return f"({x} @ {y})", sx and sy and (sx[0], sy[1]) if sx and sy and sx[1] == sy[0] else None
    y, sy = (draw(st.sampled_from(_of_shape(sx, t_ok))), sx) if fit else draw(expressions(depth + 1, t_ok))
    op = draw(st.sampled_from(["+", "-", "*"]))
    return f"({x} {op} {y})", sx if sx and sx == sy else None


@st.composite
def programs(draw):
    t, st_ = draw(expressions(depth=2, t_ok=False))
    y, shape = draw(expressions())
    ok = st_ is not None and (st_ == (32, 64))  # `relu(t) + a` needs t of a's shape
    return f"{HEADER}let t = relu({t}) + a\noutput y = {y}\n", shape if ok else None


def _positioned(e: Exception) -> bool:
    errors = e.errors if isinstance(e, ErrorList) else [e]
    return all(isinstance(err, SourceError) and err.pos is not None and "^" in err.format() for err in errors)


@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=programs())
def test_random_programs_fail_at_a_position_or_match_the_reference(case):
    text, shape = case
    try:
        compiled = compile_source(text, "random.tdf")
    except (ErrorList, SourceError) as e:
        event("positioned error")
        assert _positioned(e), e
        assert shape is None, (text, e.format())  # only a program whose shapes do not fit may fail
        return
    event("ran and matched")
    assert shape is not None and compiled.graph.outputs[0].type.shape == shape, text
    result, expected = run_compiled(compiled, make_inputs(compiled.graph, 0))
    (error,) = result.stats.reference
    assert error.nonfinite_mismatches == 0, text
    assert error.max_abs_error <= 1e-3 * max(1.0, error.max_abs_reference), (text, error)
    assert result.outputs["y"].shape == expected["y"].shape
