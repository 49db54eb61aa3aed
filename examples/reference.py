"""Hand-written numpy references for the numbered examples, one function per `.tdf` file.

Each `exNN_name(inputs, params) -> {output: array}` computes the example's graph with plain float64 numpy
formulas, written apart from `tensix.lang.reference` so the two can check each other. `inputs` are by input
name, `params` by full param name (as `tensix.lang.materialize(graph)` returns them).
"""

from __future__ import annotations

import math

import numpy as np

Arrays = dict[str, np.ndarray]


# ---- building blocks ----


def _f64(arrays: Arrays) -> Arrays:
    return {k: np.asarray(v, dtype=np.float64) for k, v in arrays.items()}


def relu(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, 0.0)


def silu(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.exp(-x))


def gelu_erf(x: np.ndarray) -> np.ndarray:
    """Exact GELU, x * Phi(x), with Phi the standard normal CDF."""
    phi = np.frompyfunc(lambda v: 0.5 * (1.0 + math.erf(v / math.sqrt(2.0))), 1, 1)
    return x * phi(x).astype(np.float64)


def gelu_tanh(x: np.ndarray) -> np.ndarray:
    """GPT-2's GELU: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def softmax_rows(x: np.ndarray) -> np.ndarray:
    shifted = np.exp(x - x.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def causal_softmax(scores: np.ndarray) -> np.ndarray:
    """Softmax over keys where query i sees keys 0..i only (square [..., S, S] scores)."""
    seq = scores.shape[-1]
    allowed = np.tril(np.ones((seq, seq), dtype=bool))
    return softmax_rows(np.where(allowed, scores, -np.inf))


def layer_norm(x: np.ndarray, gain: np.ndarray, shift: np.ndarray, eps: float) -> np.ndarray:
    centered = x - x.mean(axis=-1, keepdims=True)
    variance = (centered**2).mean(axis=-1, keepdims=True)
    return centered / np.sqrt(variance + eps) * gain + shift


def to_heads(x: np.ndarray, heads: int) -> np.ndarray:
    """[S, D] -> [heads, S, D / heads]: head h holds columns h*d .. (h+1)*d - 1."""
    seq, dim = x.shape
    return x.reshape(seq, heads, dim // heads).transpose(1, 0, 2)


def from_heads(x: np.ndarray) -> np.ndarray:
    """[heads, S, d] -> [S, heads * d], the inverse of `to_heads`."""
    heads, seq, d = x.shape
    return x.transpose(1, 0, 2).reshape(seq, heads * d)


def causal_attention(qkv: np.ndarray, heads: int) -> np.ndarray:
    """Multi-head causal attention from a fused [S, 3D] projection; returns the merged [S, D] heads."""
    dim = qkv.shape[1] // 3
    q, k, v = (to_heads(qkv[:, i * dim:(i + 1) * dim], heads) for i in range(3))
    scores = q @ k.transpose(0, 2, 1) / math.sqrt(dim // heads)
    return from_heads(causal_softmax(scores) @ v)


# ---- the examples ----


def ex01_eltwise(inputs: Arrays, params: Arrays) -> Arrays:
    a, b, gate = (np.asarray(inputs[k], dtype=np.float64) for k in ("a", "b", "gate"))
    bias = np.asarray(params["bias"], dtype=np.float64)
    s = a + 0.5 * b - bias
    return {"y": relu(s) * gate + silu(b) - gelu_erf(a) / 4}


def ex02_matmul(inputs: Arrays, params: Arrays) -> Arrays:
    return {"c": np.asarray(inputs["a"], np.float64) @ np.asarray(params["w"], np.float64)}


def ex03_mlp(inputs: Arrays, params: Arrays) -> Arrays:
    x, p = np.asarray(inputs["x"], np.float64), _f64(params)
    hidden = relu(x @ p["w1"] + p["b1"])
    return {"y": hidden @ p["w2"] + p["b2"]}


def ex04_attention_head(inputs: Arrays, params: Arrays) -> Arrays:
    x, p = np.asarray(inputs["x"], np.float64), _f64(params)
    q, k, v = (x @ p[f"w{n}"] + p[f"b{n}"] for n in "qkv")
    weights = causal_softmax(q @ k.T / math.sqrt(q.shape[1]))
    return {"y": weights @ v @ p["wo"] + p["bo"]}


def ex05_multihead_attention(inputs: Arrays, params: Arrays) -> Arrays:
    x, p = np.asarray(inputs["x"], np.float64), _f64(params)
    qkv = x @ p["attn.wqkv"] + p["attn.bqkv"]
    return {"y": causal_attention(qkv, heads=4) @ p["attn.wo"] + p["attn.bo"]}


def gpt2_block(x: np.ndarray, p: Arrays, prefix: str, heads: int) -> np.ndarray:
    """Pre-norm GPT-2 block: x + attn(ln_1(x)), then + mlp(ln_2(.)); `p` keys are `prefix` + local name."""
    w = {k[len(prefix):]: v for k, v in p.items() if k.startswith(prefix)}
    normed = layer_norm(x, w["ln1.g"], w["ln1.b"], 1e-5)
    x = x + causal_attention(normed @ w["attn.wqkv"] + w["attn.bqkv"], heads) @ w["attn.wo"] + w["attn.bo"]
    normed = layer_norm(x, w["ln2.g"], w["ln2.b"], 1e-5)
    return x + gelu_tanh(normed @ w["mlp.w1"] + w["mlp.b1"]) @ w["mlp.w2"] + w["mlp.b2"]


def ex06_gpt2_block(inputs: Arrays, params: Arrays) -> Arrays:
    return {"y": gpt2_block(np.asarray(inputs["x"], np.float64), _f64(params), "h0.", heads=12)}


def ex07_pipeline(inputs: Arrays, params: Arrays) -> Arrays:
    p = _f64(params)

    def layer(x: np.ndarray, name: str) -> np.ndarray:
        return x + relu(x @ p[f"{name}.w1"] + p[f"{name}.b1"]) @ p[f"{name}.w2"]

    x0, x1 = (np.asarray(inputs[k], np.float64) for k in ("x0", "x1"))
    return {"y0": layer(layer(x0, "l1"), "l2"), "y1": layer(layer(x1, "l1"), "l2")}


def top2_gates(logits: np.ndarray) -> np.ndarray:
    """Per row: softmax over the two largest logits (the lower index wins a tie), zero for the rest."""
    gates = np.zeros_like(logits)
    for row, values in enumerate(logits):
        first = int(np.argmax(values))
        rest = np.where(np.arange(values.size) == first, -np.inf, values)
        chosen = [first, int(np.argmax(rest))]
        gates[row, chosen] = softmax_rows(values[chosen])
    return gates


def ex08_moe(inputs: Arrays, params: Arrays) -> Arrays:
    x, p = np.asarray(inputs["x"], np.float64), _f64(params)
    gates = top2_gates(x @ p["router"])
    experts = sum(relu((x * gates[:, e:e + 1]) @ p[f"experts.{e}.w1"]) @ p[f"experts.{e}.w2"] for e in range(8))
    return {"out": x + experts, "gates": gates}


EXAMPLES = {
    "01_eltwise": ex01_eltwise,
    "02_matmul": ex02_matmul,
    "03_mlp": ex03_mlp,
    "04_attention_head": ex04_attention_head,
    "05_multihead_attention": ex05_multihead_attention,
    "06_gpt2_block": ex06_gpt2_block,
    "07_pipeline": ex07_pipeline,
    "08_moe": ex08_moe,
}
