"""reference.evaluate: the numpy semantics of every op, checked against hand-written numpy."""

import math

import numpy as np
import pytest

from tensix.lang import DataError, GraphBuilder, check_source, evaluate

RNG = np.random.default_rng(42)


def _run(build, *inputs):
    """Build a one-output graph from `build(g, *tensors)` over fp32 inputs and evaluate it."""
    g = GraphBuilder("t")
    tensors = [g.input(f"x{i}", "int32" if a.dtype.kind == "i" else "fp32", a.shape) for i, a in enumerate(inputs)]
    g.output("y", build(g, *tensors))
    return evaluate(g.build(), {f"x{i}": a for i, a in enumerate(inputs)})["y"]


def test_small_program_against_hand_written_numpy():
    graph = check_source(
        "input x: fp32[4, 8]\n"
        "param w: fp32[8, 3]\n"
        "param b: fp32[3]\n"
        "output y = softmax(relu(x @ w + b) * 0.5)\n", "t.tdf")
    x, w, b = RNG.normal(size=(4, 8)), RNG.normal(size=(8, 3)), RNG.normal(size=3)
    h = np.maximum(x @ w + b, 0) * 0.5
    expected = np.exp(h) / np.exp(h).sum(axis=1, keepdims=True)
    got = evaluate(graph, {"x": x}, {"w": w, "b": b})["y"]
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_attention_program_against_hand_written_numpy():
    graph = check_source(
        "const S = 8\nconst D = 16\nconst H = 2\n"
        "input x: fp32[S, D]\n"
        "param wq: fp32[D, D]\nparam wk: fp32[D, D]\nparam wv: fp32[D, D]\n"
        "let q = split_heads(x @ wq, H)\nlet k = split_heads(x @ wk, H)\nlet v = split_heads(x @ wv, H)\n"
        "output y = merge_heads(softmax(q @ transpose(k) / sqrt(D / H), causal=true) @ v)\n", "t.tdf")
    x = RNG.normal(size=(8, 16))
    params = {n: RNG.normal(size=(16, 16)) * 0.3 for n in ("wq", "wk", "wv")}
    out = np.zeros((8, 16))
    for h in range(2):
        cols = slice(8 * h, 8 * h + 8)
        q, k, v = ((x @ params[n])[:, cols] for n in ("wq", "wk", "wv"))
        s = q @ k.T / math.sqrt(8) + np.triu(np.full((8, 8), -np.inf), 1)
        p = np.exp(s - s.max(axis=1, keepdims=True))
        out[:, cols] = p / p.sum(axis=1, keepdims=True) @ v
    np.testing.assert_allclose(evaluate(graph, {"x": x}, params)["y"], out, rtol=1e-4, atol=1e-5)


def test_layernorm_and_rmsnorm():
    x, g, b = RNG.normal(size=(3, 5)), RNG.normal(size=5), RNG.normal(size=5)
    expected = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5) * g + b
    np.testing.assert_allclose(_run(lambda G, x, g, b: G.layernorm(x, g, b), x, g, b), expected, rtol=1e-4, atol=1e-5)
    expected = x / np.sqrt((x**2).mean(1, keepdims=True) + 1e-6) * g
    np.testing.assert_allclose(_run(lambda G, x, g: G.rmsnorm(x, g), x, g), expected, rtol=1e-4, atol=1e-5)


def test_activations():
    x = np.linspace(-4, 4, 17).reshape(1, 17)
    erf = np.vectorize(math.erf)
    np.testing.assert_allclose(_run(lambda G, x: G.gelu(x), x), 0.5 * x * (1 + erf(x / math.sqrt(2))), atol=1e-6)
    np.testing.assert_allclose(_run(lambda G, x: G.gelu(x, approx=True), x), 0.5 * x * (1 + erf(x / math.sqrt(2))),
                               atol=2e-3)
    np.testing.assert_allclose(_run(lambda G, x: G.silu(x), x), x / (1 + np.exp(-x)), rtol=1e-6)
    np.testing.assert_array_equal(_run(lambda G, x: G.relu(x), x), np.maximum(x, 0).astype(np.float32))


def test_causal_softmax_masks_the_future_and_aligns_to_the_last_key():
    y = _run(lambda G, x: G.softmax(x, causal=True), np.zeros((2, 4)))  # 2 queries, 4 keys: the last 2 positions
    np.testing.assert_allclose(y, [[1 / 3, 1 / 3, 1 / 3, 0], [0.25, 0.25, 0.25, 0.25]], rtol=1e-6)


def test_heads_round_trip_and_layout():
    x = np.arange(2 * 6, dtype=float).reshape(2, 6)
    heads = _run(lambda G, x: G.split_heads(x, 3), x)
    np.testing.assert_array_equal(heads[1], x[:, 2:4])
    np.testing.assert_array_equal(_run(lambda G, x: G.merge_heads(G.split_heads(x, 3)), x), x)


def test_topk_gate_keeps_softmax_of_the_k_largest_and_zeros_the_rest():
    logits = np.array([[1.0, 3.0, 2.0, 0.0], [5.0, 5.0, 5.0, 1.0]])
    gates = _run(lambda G, x: G.topk_gate(x, 2), logits)
    e = math.exp(1.0)
    np.testing.assert_allclose(gates, [[0, e / (1 + e), 1 / (1 + e), 0], [0.5, 0.5, 0, 0]], rtol=1e-6)
    dense = _run(lambda G, x: G.topk_gate(x, 2, normalize=False), logits)
    full = np.exp(logits[0]) / np.exp(logits[0]).sum()
    np.testing.assert_allclose(dense[0], [0, full[1], full[2], 0], rtol=1e-6)


def test_rope_rotates_pairs_by_position_angles():
    x = RNG.normal(size=(3, 4))
    positions = np.array([0, 2, 5])
    y = _run(lambda G, x, p: G.rope(x, p, theta=100.0), x, positions)
    freqs = 100.0 ** (-np.array([0, 2]) / 4)
    z = (x[:, :2] + 1j * x[:, 2:]) * np.exp(1j * positions[:, None] * freqs)
    np.testing.assert_allclose(y, np.concatenate([z.real, z.imag], axis=1), rtol=1e-5, atol=1e-6)
    y = _run(lambda G, x: G.rope(x, theta=100.0, interleaved=True), x)
    z = (x[:, 0::2] + 1j * x[:, 1::2]) * np.exp(1j * np.arange(3)[:, None] * freqs)
    np.testing.assert_allclose(y[:, 0::2] + 1j * y[:, 1::2], z, rtol=1e-5, atol=1e-6)


def test_embedding_slice_concat_reshape_transpose():
    table, ids = RNG.normal(size=(10, 4)), np.array([3, 0, 9])
    np.testing.assert_allclose(_run(lambda G, i, t: G.embedding(i, t), ids, table), table[ids], rtol=1e-6)
    x = RNG.normal(size=(2, 3, 4))
    np.testing.assert_allclose(_run(lambda G, x: G.slice(x, 2, 1, 3), x), x[:, :, 1:3], rtol=1e-6)
    np.testing.assert_allclose(_run(lambda G, x: G.concat(x, x, axis=0), x), np.concatenate([x, x]), rtol=1e-6)
    np.testing.assert_allclose(_run(lambda G, x: G.reshape(x, [4, -1]), x), x.reshape(4, 6), rtol=1e-6)
    np.testing.assert_allclose(_run(lambda G, x: G.transpose(x, [2, 0, 1]), x), x.transpose(2, 0, 1), rtol=1e-6)


def test_data_errors():
    graph = check_source("input ids: int32[3]\nparam t: fp32[4, 2] = ones\noutput y = embedding(ids, t)\n", "t.tdf")
    with pytest.raises(DataError, match="embedding: id 4 is out of range for a table of 4 rows"):
        evaluate(graph, {"ids": np.array([0, 4, 1])})
    with pytest.raises(DataError, match=r"input 'ids' is declared int32\[3\] but has shape \[2\]"):
        evaluate(graph, {"ids": np.array([0, 1])})
    with pytest.raises(DataError, match=r"input 'ids' \(int32\[3\]\) was not given"):
        evaluate(graph, {})
    with pytest.raises(DataError, match=r"no input named 'idz' \(did you mean 'ids'\?\)"):
        evaluate(graph, {"idz": np.zeros(3)})
