"""Tile-math kernels (matmul, eltwise, unary, reduce, transpose) as jit, py_func and ref, each against an
independent numpy reference; and the TENSIX_JIT switch."""

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tensix.kernels import jit, ops, ref

IMPLS = ["jit", "py_func", "ref"]
erf = np.vectorize(math.erf, otypes=[np.float64])


def kernel(impl: str, name: str):
    if impl == "ref":
        return getattr(ref, name)
    f = getattr(jit, name)
    return quiet(f.py_func) if impl == "py_func" else f


def quiet(f):
    """Python-mode numpy scalars warn on overflow; the device (and the jit build) does not."""

    def call(*args):
        with np.errstate(all="ignore"):
            f(*args)

    return call


def rand(rng: np.random.Generator, shape, scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(np.float32)


# --- matmul --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("m", "k", "n"), [(32, 32, 32), (5, 7, 3), (40, 32, 64)])
@pytest.mark.parametrize("impl", IMPLS)
def test_matmul_acc_accumulates(impl, m, k, n):
    rng = np.random.default_rng(m * 100 + n)
    a, b, c0 = rand(rng, (m, k)), rand(rng, (k, n)), rand(rng, (m, n), 10.0)
    c = c0.copy()
    kernel(impl, "matmul_acc")(a, b, c)
    expected = c0.astype(np.float64) + a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(c, expected, rtol=1e-5, atol=1e-5)
    kernel(impl, "matmul_acc")(a, b, c)  # a second call adds again
    np.testing.assert_allclose(c, expected + a.astype(np.float64) @ b.astype(np.float64), rtol=1e-5, atol=2e-5)


def float32_steps(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The numeric scheme of the jit matmuls, written independently: c += a[:, k] (x) b[k] for k ascending,
    every product and every sum rounded to float32."""
    c = c.copy()
    for k in range(a.shape[1]):
        c += a[:, k, None] * b[None, k, :]
    return c


@pytest.mark.parametrize(("m", "k", "n"), [(32, 32, 32), (5, 7, 3), (40, 32, 64)])
@pytest.mark.parametrize("impl", ["jit", "py_func"])
def test_matmul_acc_follows_the_float32_step_scheme_bit_for_bit(impl, m, k, n):
    # No FMA, no reassociation: the tile path and the plain loop both give exactly the float32 step sums.
    rng = np.random.default_rng(11 + m)
    a, b, c = rand(rng, (m, k)), rand(rng, (k, n)), rand(rng, (m, n), 10.0)
    expected = float32_steps(a, b, c)
    kernel(impl, "matmul_acc")(a, b, c)
    assert np.array_equal(c, expected)


def test_matmul_tile_kernel_jit_is_bit_identical_to_its_python_twin():
    # The python twin runs the tile kernel's own loops on numpy float32 scalars (matmul_acc.py_func would
    # only call the compiled tile kernel), so this catches a numba build that contracts or reassociates.
    rng = np.random.default_rng(12)
    a, b = rand(rng, (32, 32)), rand(rng, (32, 32))
    c_jit, c_py = np.ones((32, 32), np.float32), np.ones((32, 32), np.float32)
    jit._matmul_tile(a, b, c_jit, 0b1111)
    jit._matmul_tile.py_func(a, b, c_py, 0b1111)
    assert np.array_equal(c_jit, c_py)
    assert np.array_equal(c_jit, float32_steps(a, b, np.ones((32, 32), np.float32)))


@pytest.mark.parametrize("impl", IMPLS)
def test_matmul_block_is_one_matmul_per_tile_of_an_rt_by_ct_block(impl):
    # tt-metal's indexing: dst[idst + i*ct + j] += a[ia + i*kt] @ b[ib + j]; everything else left alone
    rng = np.random.default_rng(13)
    a, b = rand(rng, (8, 32, 32)), rand(rng, (8, 32, 32))
    dst = rand(rng, (16, 32, 32))
    want = dst.astype(np.float64)
    for i in range(2):
        for j in range(3):
            want[5 + i * 3 + j] += a[1 + i * 4].astype(np.float64) @ b[2 + j]
    kernel(impl, "matmul_block")(a, b, dst, 1, 2, 5, 3, 2, 4)
    np.testing.assert_allclose(dst, want, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("impl", IMPLS)
def test_matmul_steps_is_one_matmul_block_per_k_step(impl):
    # k step kk: dst[idst + i*ct + j] += a[ia + kk + i*kt] @ b[ib + kk*bstride + j]; everything else left alone
    rng = np.random.default_rng(15)
    a, b = rand(rng, (12, 32, 32)), rand(rng, (16, 32, 32))
    dst = rand(rng, (16, 32, 32))
    want = dst.astype(np.float64)
    for kk in range(3):
        for i in range(2):
            for j in range(2):
                want[4 + i * 2 + j] += a[1 + kk + i * 5].astype(np.float64) @ b[3 + kk * 4 + j]
    kernel(impl, "matmul_steps")(a, b, dst, 1, 3, 4, 2, 2, 5, 3, 4)
    np.testing.assert_allclose(dst, want, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("impl", ["jit", "py_func"])
def test_matmul_steps_gives_the_bits_of_matmul_block_per_k_step(impl):
    rng = np.random.default_rng(16)
    a, b = rand(rng, (12, 32, 32)), rand(rng, (16, 32, 32))
    steps, blocks = rand(rng, (8, 32, 32)), np.zeros((8, 32, 32), np.float32)
    blocks[:] = steps
    kernel(impl, "matmul_steps")(a, b, steps, 0, 1, 1, 3, 2, 4, 4, 3)
    for kk in range(4):
        jit.matmul_block(a, b, blocks, kk, 1 + kk * 3, 1, 3, 2, 4)
    assert np.array_equal(steps.view(np.uint32), blocks.view(np.uint32))


def test_matmul_block_jit_gives_the_bits_of_matmul_acc_per_tile():
    rng = np.random.default_rng(14)
    a, b = rand(rng, (4, 32, 32)), rand(rng, (4, 32, 32))
    block, tiles = np.zeros((16, 32, 32), np.float32), np.zeros((16, 32, 32), np.float32)
    jit.matmul_block(a, b, block, 0, 1, 0, 3, 2, 2)
    for i in range(2):
        for j in range(3):
            jit.matmul_acc(a[i * 2], b[1 + j], tiles[i * 3 + j])
    assert np.array_equal(block, tiles)


@pytest.mark.parametrize("impl", IMPLS)
def test_matmul_pairs_accumulates_each_triple_in_order(impl):
    # (a tile, b tile, dst tile) rows; dst 2 is hit twice, so both products must land on it
    rng = np.random.default_rng(15)
    a, b = rand(rng, (3, 32, 32)), rand(rng, (3, 32, 32))
    dst = rand(rng, (4, 32, 32))
    triples = np.array([[0, 1, 2], [2, 0, 0], [1, 2, 2]], dtype=np.int64)
    want = dst.astype(np.float64)
    for i, j, d in triples:
        want[d] += a[i].astype(np.float64) @ b[j]
    kernel(impl, "matmul_pairs")(a, b, dst, triples)
    np.testing.assert_allclose(dst, want, rtol=1e-4, atol=1e-3)


def test_matmul_pairs_jit_gives_the_bits_of_matmul_acc_call_by_call():
    rng = np.random.default_rng(16)
    a, b = rand(rng, (3, 32, 32)), rand(rng, (3, 32, 32))
    pairs, calls = np.zeros((2, 32, 32), np.float32), np.zeros((2, 32, 32), np.float32)
    triples = np.array([[0, 1, 1], [2, 2, 1], [1, 0, 0]], dtype=np.int64)
    jit.matmul_pairs(a, b, pairs, triples)
    for i, j, d in triples:
        jit.matmul_acc(a[i], b[j], calls[d])
    assert np.array_equal(pairs, calls)


@pytest.mark.parametrize("fmt", ["fp32", "bf16", "bfp8_b", "bfp4_b"])
@pytest.mark.parametrize("impl", IMPLS)
def test_unpack_pages_unpacks_each_page_like_the_one_tile_unpacker(impl, fmt):
    from tensix.formats import pack_tile, tile_nbytes, unpack_tile

    rng = np.random.default_rng(15)
    tiles = rand(rng, (3, 32, 32))
    pages = np.zeros((3, tile_nbytes(fmt)), np.uint8)
    for t, page in zip(tiles, pages, strict=True):
        pack_tile(t, fmt, page)
    out = np.empty((3, 32, 32), np.float32)
    kernel(impl, "unpack_pages")(pages, ops.FORMAT[fmt], out)
    for page, got in zip(pages, out, strict=True):
        one = np.empty((32, 32), np.float32)
        unpack_tile(page, fmt, one)
        assert np.array_equal(got, one)


# --- elementwise ---------------------------------------------------------------------------------

BINARY_REF = {"add": np.add, "sub": np.subtract, "mul": np.multiply}


@pytest.mark.parametrize("name", list(ops.BINARY))
@pytest.mark.parametrize("impl", IMPLS)
def test_eltwise_binary(impl, name):
    rng = np.random.default_rng(12)
    a, b = rand(rng, (32, 32)), rand(rng, (32, 32))
    out = np.full((32, 32), np.nan, np.float32)
    kernel(impl, "eltwise_binary")(ops.BINARY[name], a, b, out)
    assert np.array_equal(out, BINARY_REF[name](a, b))


def packed(rng: np.random.Generator, fmt: str) -> tuple[np.ndarray, np.ndarray]:
    """A random tile packed in fmt, and its values as unpacked (the one-tile unpacker)."""
    from tensix.formats import pack_tile, tile_nbytes, unpack_tile

    page = np.zeros(tile_nbytes(fmt), np.uint8)
    pack_tile(rand(rng, (32, 32), 3.0), fmt, page)
    values = np.empty((32, 32), np.float32)
    unpack_tile(page, fmt, values)
    return page, values


@pytest.mark.parametrize(("fa", "fb"), [("bf16", "bf16"), ("fp32", "bfp8_b"), ("bfp4_b", "fp32")])
@pytest.mark.parametrize("name", list(ops.BINARY))
@pytest.mark.parametrize("impl", IMPLS)
def test_binary_pages_is_the_op_of_the_two_unpacked_pages(impl, name, fa, fb):
    rng = np.random.default_rng(16)
    (pa, a), (pb, b) = packed(rng, fa), packed(rng, fb)
    out = np.full((32, 32), np.nan, np.float32)
    kernel(impl, "binary_pages")(ops.BINARY[name], pa, ops.FORMAT[fa], pb, ops.FORMAT[fb], out)
    assert np.array_equal(out, BINARY_REF[name](a, b))


@pytest.mark.parametrize(("fmt", "rnd"), [("bf16", "bf16"), ("fp32", None), ("bfp8_b", "bfp4_b")])
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("name", list(ops.BINARY))
@pytest.mark.parametrize("impl", IMPLS)
def test_binary_dst_page_rounds_dst_then_combines_it_with_the_page(impl, name, swap, fmt, rnd):
    from tensix.formats import pack_tile, tile_nbytes, unpack_tile

    rng = np.random.default_rng(17)
    page, t = packed(rng, fmt)
    d = rand(rng, (32, 32), 3.0)
    rounded = d.copy()
    if rnd is not None:  # DST as it would be stored in format rnd and read back
        scratch = np.zeros(tile_nbytes(rnd), np.uint8)
        pack_tile(d, rnd, scratch)
        unpack_tile(scratch, rnd, rounded)
    expected = BINARY_REF[name](t, rounded) if swap else BINARY_REF[name](rounded, t)
    got = d.copy()
    kernel(impl, "binary_dst_page")(ops.BINARY[name], got, page, ops.FORMAT[fmt],
                                    -1 if rnd is None else ops.FORMAT[rnd], swap,
                                    np.zeros(tile_nbytes(rnd or "fp32"), np.uint8))
    assert np.array_equal(got, expected)
    assert rnd is None or not np.array_equal(rounded, d)  # the rounding mattered


def unary_expected(name: str, x: np.ndarray) -> np.ndarray:
    """Independent float64 formulas, rounded once to float32."""
    d = x.astype(np.float64)
    with np.errstate(all="ignore"):
        r = {
            "relu": lambda: np.where(np.isnan(d), d, np.maximum(d, 0.0)),
            "gelu": lambda: d * 0.5 * (1.0 + erf(d / np.sqrt(2.0))),
            "silu": lambda: d * 0.5 * (1.0 + np.tanh(d / 2.0)),
            "exp": lambda: np.exp(d),
            "recip": lambda: 1.0 / d,
            "sqrt": lambda: np.sqrt(d),
            "rsqrt": lambda: np.sqrt(d) ** -1.0,
            "neg": lambda: -d,
            "square": lambda: d * d,
            "tanh": lambda: np.tanh(d),
            "sigmoid": lambda: 0.5 * (1.0 + np.tanh(d / 2.0)),
            "identity": lambda: d,
            "trunc": lambda: np.where(np.abs(d) < 2.0**31, np.fix(d), -(2.0**31)),  # as astype(int32) on x86
            # x * sigmoid(2u) through logaddexp: the tanh form itself cancels badly for x << 0
            "gelu_tanh": lambda: d * np.exp(-np.logaddexp(0.0, -np.sqrt(8.0 / np.pi) * (d + 0.044715 * d**3))),
        }[name]()
        return r.astype(np.float32)


def unary_input() -> np.ndarray:
    x = rand(np.random.default_rng(13), (32, 32), 3.0)
    x[0, :8] = [0.0, -0.0, 1.0, -1.0, 100.0, -100.0, 1e-30, np.nan]
    return x


@pytest.mark.parametrize("name", list(ops.UNARY))
@pytest.mark.parametrize("impl", IMPLS)
def test_unary(impl, name):
    x = unary_input()
    out = np.full((32, 32), 7.0, np.float32)
    kernel(impl, "unary")(ops.UNARY[name], x, out)
    np.testing.assert_allclose(out, unary_expected(name, x), rtol=1e-6, atol=1e-37)
    assert np.array_equal(np.isnan(out), np.isnan(unary_expected(name, x)))


@pytest.mark.parametrize("impl", IMPLS)
def test_exp_past_its_range_is_inf_in_every_form(impl):
    # a masked softmax's exp of 1e9: the device gives inf; unary's Python source stands in for it while the jit
    # build compiles (kernels/cold.py), where math.exp raises OverflowError on its own
    x = np.full((32, 32), 1e9, np.float32)
    x[0, 0] = 1.0
    out = np.zeros_like(x)
    kernel(impl, "unary")(ops.UNARY["exp"], x, out)
    assert np.isinf(out[1:]).all() and out[0, 0] == np.float32(math.e)


@pytest.mark.parametrize("name", list(ops.UNARY))
def test_unary_jit_matches_ref_closely(name):
    x = unary_input()
    out_jit, out_ref = np.empty_like(x), np.empty_like(x)
    jit.unary(ops.UNARY[name], x, out_jit)
    ref.unary(ops.UNARY[name], x, out_ref)
    np.testing.assert_array_max_ulp(out_jit, out_ref, maxulp=1)


# --- reduce and transpose ------------------------------------------------------------------------


def reduce_expected(op: str, dim: str, x: np.ndarray) -> np.ndarray:
    f = {"sum": np.sum, "max": np.max}[op]
    out = np.zeros_like(x)
    if dim == "row":
        out[:, 0] = [f(x[i].astype(np.float64)) for i in range(x.shape[0])]
    elif dim == "col":
        out[0, :] = [f(x[:, j].astype(np.float64)) for j in range(x.shape[1])]
    else:
        out[0, 0] = f(x.astype(np.float64))
    return out


@pytest.mark.parametrize("dim", list(ops.DIM))
@pytest.mark.parametrize("op", list(ops.REDUCE))
@pytest.mark.parametrize("impl", IMPLS)
def test_reduce(impl, op, dim):
    x = rand(np.random.default_rng(14), (32, 32)) + 0.5
    out = np.full((32, 32), 7.0, np.float32)
    kernel(impl, "reduce")(ops.REDUCE[op], ops.DIM[dim], x, out)
    np.testing.assert_allclose(out, reduce_expected(op, dim, x), rtol=1e-6, atol=0)


@pytest.mark.parametrize("impl", IMPLS)
def test_reduce_sum_accumulates_in_float64(impl):
    x = np.zeros((32, 32), np.float32)
    x[0, 0], x[0, 1:] = 1.0, 2.0**-24  # each term alone is lost against 1.0 in float32
    out = np.empty_like(x)
    kernel(impl, "reduce")(ops.SUM, ops.ROW, x, out)
    assert out[0, 0] == np.float32(1.0 + 31 * 2.0**-24)


@pytest.mark.parametrize("impl", IMPLS)
def test_reduce_max_propagates_nan(impl):
    x = rand(np.random.default_rng(15), (32, 32))
    x[3, 0] = np.nan  # first of its row
    x[5, 17] = np.nan  # in the middle of its row
    out = np.empty_like(x)
    kernel(impl, "reduce")(ops.MAX, ops.ROW, x, out)
    assert np.flatnonzero(np.isnan(out[:, 0])).tolist() == [3, 5]
    kernel(impl, "reduce")(ops.MAX, ops.SCALAR, x, out)
    assert np.isnan(out[0, 0])


@pytest.mark.parametrize("shape", [(32, 32), (32, 64)])
@pytest.mark.parametrize("impl", IMPLS)
def test_transpose(impl, shape):
    x = rand(np.random.default_rng(16), shape)
    out = np.empty(shape[::-1], np.float32)
    kernel(impl, "transpose")(x, out)
    assert np.array_equal(out, x.T)


# --- implementation switch -----------------------------------------------------------------------


@pytest.mark.parametrize(("env", "expected"), [("0", "ref ref False"), ("1", "jit jit True")])
def test_tensix_jit_selects_implementation(env, expected):
    code = (
        "import sys; import tensix.kernels as k; "
        "print(k.impl_name, k.matmul_acc.__module__.split('.')[2], 'numba' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    environ = {**os.environ, "TENSIX_JIT": env, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=environ, cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == expected


@pytest.mark.parametrize("impl", ["jit", "py_func", "ref"])
def test_topk_softmax_matches_numpy(impl):
    from tensix.kernels import jit, ref

    fn = {"jit": jit.topk_softmax, "py_func": jit.topk_softmax.py_func, "ref": ref.topk_softmax}[impl]
    rng = np.random.default_rng(3)
    x = rng.standard_normal((32, 32)).astype(np.float32)
    x[:, 8:] = 100.0  # padding columns past width 8 must never be chosen
    out = np.full((32, 32), 7.0, dtype=np.float32)
    fn(x, 2, 8, out)
    top = np.argsort(-x[:, :8], axis=1, kind="stable")[:, :2]
    expected = np.zeros((32, 32))
    for r in range(32):
        e = np.exp(x[r, top[r]] - x[r, top[r]].max())
        expected[r, top[r]] = e / e.sum()
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-7)
    assert ((out > 0).sum(axis=1) == 2).all()



# --- fused tile ops of the compute API (one kernel call for what took several) -----------------------------


def bcast_expected(op: str, dim: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a (op) b broadcast along dim, in float32 (numpy's own broadcasting)."""
    v = {"row": b[0:1, :], "col": b[:, 0:1], "scalar": b[0:1, 0:1]}[dim]
    return BINARY_REF[op](a, v).astype(np.float32)


@pytest.mark.parametrize("dim", list(ops.DIM))
@pytest.mark.parametrize("op", ["add", "sub", "mul"])
@pytest.mark.parametrize("impl", IMPLS)
def test_eltwise_bcast_gives_the_bits_of_numpy_broadcasting(impl, op, dim):
    rng = np.random.default_rng(16)
    a, b = rand(rng, (32, 32)), rand(rng, (32, 32))
    a[0, :4] = [0.0, -0.0, np.inf, -0.0]  # signed zeros and infinities keep their IEEE results
    b[0, 0], b[1, 0] = -0.0, np.inf
    out = np.full((32, 32), 7.0, np.float32)
    with np.errstate(all="ignore"):  # inf * 0 is NaN, as on the device, without a warning
        kernel(impl, "eltwise_bcast")(ops.BINARY[op], ops.DIM[dim], a, b, out)
        expected = bcast_expected(op, dim, a, b)
    assert np.array_equal(out.view(np.uint32), expected.view(np.uint32))
    with np.errstate(all="ignore"):
        kernel(impl, "eltwise_bcast")(ops.BINARY[op], ops.DIM[dim], out, b, out)  # in place: out = out (op) b
        again = bcast_expected(op, dim, expected, b)
    assert np.array_equal(out.view(np.uint32), again.view(np.uint32))


@pytest.mark.parametrize("dim", list(ops.DIM))
@pytest.mark.parametrize("impl", IMPLS)
def test_reduce_sum_acc_adds_the_scaled_sums_to_every_element(impl, dim):
    rng = np.random.default_rng(17)
    x = rand(rng, (32, 32))
    acc = rand(rng, (32, 32), 3.0)
    acc[5, 7], acc[9, 3] = -0.0, -0.0  # -0 + 0 = +0: the zeros of the reduced tile are added too
    scale = np.float32(1 / 96)
    out = acc.copy()
    kernel(impl, "reduce_sum_acc")(ops.DIM[dim], x, scale, out)
    sums = reduce_expected("sum", dim, x)  # float64 sums rounded once, zeros elsewhere
    expected = acc + (sums * scale).astype(np.float32)
    assert np.array_equal(out.view(np.uint32), expected.view(np.uint32))
    assert not np.signbit(out[5, 7]) and not np.signbit(out[9, 3])
