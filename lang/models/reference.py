"""Independent numpy forward passes of the real models, straight from the checkpoints' own tensors and
layouts (no conversion shared with the device path): the yardstick for `tensix embed` and the benchmarks."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["minilm_embed"]


def _layernorm(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * g + b


def _gelu(x: np.ndarray) -> np.ndarray:
    erf = np.vectorize(math.erf, otypes=[np.float64])
    return (0.5 * x * (1.0 + erf(x.astype(np.float64) / math.sqrt(2.0)))).astype(x.dtype)


def _bert_layer(x: np.ndarray, hf: dict, i: int, heads: int, eps: float) -> np.ndarray:
    def lin(name, v):
        return v @ hf[f"encoder.layer.{i}.{name}.weight"].T + hf[f"encoder.layer.{i}.{name}.bias"]

    def ln(name, v):
        return _layernorm(v, hf[f"encoder.layer.{i}.{name}.weight"], hf[f"encoder.layer.{i}.{name}.bias"], eps)

    s, d = x.shape
    q, k, v = (lin(f"attention.self.{n}", x).reshape(s, heads, d // heads).transpose(1, 0, 2)
               for n in ("query", "key", "value"))
    scores = q @ k.transpose(0, 2, 1) / math.sqrt(d // heads)
    p = np.exp(scores - scores.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    attn = (p @ v).transpose(1, 0, 2).reshape(s, d)
    x = ln("attention.output.LayerNorm", x + lin("attention.output.dense", attn))
    return ln("output.LayerNorm", x + lin("output.dense", _gelu(lin("intermediate.dense", x))))


def minilm_embed(hf: dict[str, np.ndarray], config: dict, tokens: list[list[int]],
                 dtype: type = np.float64) -> np.ndarray:
    """Sentence embeddings [B, hidden]: BERT on each sentence alone, mean over its tokens, L2-normalized."""
    hf = {k: v.astype(dtype) for k, v in hf.items()}
    eps, heads = config["layer_norm_eps"], config["num_attention_heads"]
    out = []
    for ids in tokens:
        ids = np.asarray(ids)
        x = (hf["embeddings.word_embeddings.weight"][ids] + hf["embeddings.position_embeddings.weight"][:len(ids)]
             + hf["embeddings.token_type_embeddings.weight"][0])
        x = _layernorm(x, hf["embeddings.LayerNorm.weight"], hf["embeddings.LayerNorm.bias"], eps)
        for i in range(config["num_hidden_layers"]):
            x = _bert_layer(x, hf, i, heads, eps)
        pooled = x.mean(0)
        out.append(pooled / max(np.linalg.norm(pooled), 1e-12))
    return np.stack(out)
