"""scaled_dot_product_attention(q, k, v, scale, causal, mask): the fused op (online softmax, scores kept on the
cores) against numpy written out here; the forms it leaves to the unfused ops give the same answers."""

import math

import numpy as np
import pytest

from tensix.formats import quantize
from tensix.lang.compiler import compile_source
from tensix.lang.driver import run_compiled
from tensix.ops import Op

RNG = np.random.default_rng(5)


def _attention(q, k, v, scale, causal=False, keep=None):
    """softmax(q k^T * scale) v in float64, k and v repeated over the query heads that share them."""
    g = q.shape[0] // k.shape[0]
    k, v = np.repeat(k, g, 0).astype(np.float64), np.repeat(v, g, 0).astype(np.float64)
    s = q.astype(np.float64) @ k.transpose(0, 2, 1) * scale
    rows, cols = s.shape[-2:]
    ok = np.ones(s.shape, bool)
    if causal:
        ok &= np.tril(np.ones((rows, cols), bool), cols - rows)
    if keep is not None:
        ok &= np.broadcast_to(keep, s.shape).astype(bool)
    e = np.where(ok, np.exp(s - np.where(ok, s, -np.inf).max(-1, keepdims=True)), 0.0)
    return (e / e.sum(-1, keepdims=True)) @ v


def _run(source: str, arrays: dict):
    compiled = compile_source(source, "attn.tdf")
    result, expected = run_compiled(compiled, arrays)
    return compiled, result.outputs, expected


def _ops(compiled) -> list[str]:
    return [n.op for n in compiled.lowered.nodes]


@pytest.mark.parametrize("heads, kv, rows, keys, d, causal, mask", [
    (4, 2, 40, 40, 64, True, None),          # grouped-query, causal, rows not whole tiles
    (3, 3, 96, 96, 32, True, None),          # three q chunks per head: chunks skipped above the diagonal
    (2, 1, 37, 37, 32, False, (37, 37)),     # a [rows, keys] 0/1 mask, keys padded
    (2, 2, 20, 50, 64, False, (50,)),        # a key-padding row; fewer queries than keys
    (4, 2, 33, 70, 32, False, None),         # no mask: only the padding keys dropped
])
def test_fused_attention_matches_numpy_fp32(heads, kv, rows, keys, d, causal, mask):
    arrays = {"q": RNG.standard_normal((heads, rows, d)).astype(np.float32),
              "k": RNG.standard_normal((kv, keys, d)).astype(np.float32),
              "v": RNG.standard_normal((kv, keys, d)).astype(np.float32)}
    decl = ""
    call = f"scaled_dot_product_attention(q, k, v, causal={str(causal).lower()}"
    if mask:
        keep = (RNG.random(mask) < 0.6).astype(np.float32)
        keep[..., 0] = 1.0  # every query keeps a key
        arrays["m"] = keep
        decl, call = f"input m: fp32[{', '.join(map(str, mask))}]\n", call + ", mask=m"
    source = (f"input q: fp32[{heads}, {rows}, {d}]\ninput k: fp32[{kv}, {keys}, {d}]\n"
              f"input v: fp32[{kv}, {keys}, {d}]\n{decl}output o = {call})\n")
    compiled, out, expected = _run(source, arrays)
    assert Op.ATTENTION in _ops(compiled) and Op.ROW not in _ops(compiled)
    want = _attention(arrays["q"], arrays["k"], arrays["v"], 1 / math.sqrt(d), causal, arrays.get("m"))
    np.testing.assert_allclose(expected["o"], want, atol=1e-5)
    np.testing.assert_allclose(out["o"], want, rtol=1e-5, atol=2e-5)


def test_fused_attention_in_bf16_is_within_bf16_rounding():
    q, k, v = (quantize(RNG.standard_normal(s).astype(np.float32), "bf16") for s in ((6, 64, 64), (2, 64, 64),
                                                                                     (2, 64, 64)))
    source = ("input q: bf16[6, 64, 64]\ninput k: bf16[2, 64, 64]\ninput v: bf16[2, 64, 64]\n"
              "output o = scaled_dot_product_attention(q, k, v, scale=0.2, causal=true)\n")
    _, out, _ = _run(source, {"q": q, "k": k, "v": v})
    want = _attention(q, k, v, 0.2, causal=True)
    # the output is stored in bf16 (8 bits of mantissa): as the unfused softmax's bf16 tests allow
    np.testing.assert_allclose(out["o"], want, rtol=2e-2, atol=2e-2)


def test_causal_attention_with_a_mask_runs_unfused_and_matches_numpy():
    arrays = {n: RNG.standard_normal((2, 32, 32)).astype(np.float32) for n in "qkv"}
    keep = (RNG.random((32, 32)) < 0.7).astype(np.float32)
    keep[:, 0] = 1.0
    source = ("input q: fp32[2, 32, 32]\ninput k: fp32[2, 32, 32]\ninput v: fp32[2, 32, 32]\ninput m: fp32[32, 32]\n"
              "output o = scaled_dot_product_attention(q, k, v, causal=true, mask=m)\n")
    compiled, out, _ = _run(source, {**arrays, "m": keep})
    assert Op.ATTENTION not in _ops(compiled) and Op.ROW in _ops(compiled)
    np.testing.assert_allclose(out["o"], _attention(*arrays.values(), 1 / math.sqrt(32), True, keep), atol=2e-5)


def test_one_head_of_rank_two_is_fused_too():
    arrays = {n: RNG.standard_normal((40, 64)).astype(np.float32) for n in "qkv"}
    source = ("input q: fp32[40, 64]\ninput k: fp32[40, 64]\ninput v: fp32[40, 64]\n"
              "output o = softmax(q @ transpose(k) / 8, causal=true) @ v\n")
    compiled, out, _ = _run(source, arrays)
    assert Op.ATTENTION in _ops(compiled)
    want = _attention(*(a[None] for a in arrays.values()), 0.125, causal=True)[0]
    np.testing.assert_allclose(out["o"], want, rtol=1e-5, atol=2e-5)
