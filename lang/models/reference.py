"""Independent numpy forward passes of the real models, straight from the checkpoints' own tensors and
layouts (no conversion shared with the device path): the yardstick for `tensix embed` and the benchmarks."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["minilm_embed", "Llama"]


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


class Llama:
    """A llama decoder as llama.cpp runs a GGUF: its tensors as stored ([out, in], q/k rows permuted so RoPE
    rotates adjacent pairs), a key/value cache in numpy, one `step` per new stretch of tokens."""

    def __init__(self, tensors: dict[str, np.ndarray], fields: dict, dtype: type = np.float64):
        self.t = {k: v.astype(dtype) for k, v in tensors.items()}
        self.layers = int(fields["llama.block_count"])
        self.heads = int(fields["llama.attention.head_count"])
        self.kv_heads = int(fields["llama.attention.head_count_kv"])
        self.theta = float(fields["llama.rope.freq_base"])
        self.eps = float(fields["llama.attention.layer_norm_rms_epsilon"])
        self.cache: list[tuple[np.ndarray, np.ndarray]] = []

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + self.eps) * self.t[name]

    def _rope(self, x: np.ndarray, positions: np.ndarray) -> np.ndarray:
        d = x.shape[-1]
        angles = positions[:, None] * self.theta ** (-np.arange(0, d, 2) / d)[None, :]
        cos, sin = np.cos(angles), np.sin(angles)
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2], out[..., 1::2] = a * cos - b * sin, b * cos + a * sin
        return out

    def _attention(self, x: np.ndarray, i: int, positions: np.ndarray) -> np.ndarray:
        w = lambda n: self.t[f"blk.{i}.{n}.weight"]  # noqa: E731
        s = len(x)
        q = self._rope((x @ w("attn_q").T).reshape(s, self.heads, -1).transpose(1, 0, 2), positions)
        k = self._rope((x @ w("attn_k").T).reshape(s, self.kv_heads, -1).transpose(1, 0, 2), positions)
        v = (x @ w("attn_v").T).reshape(s, self.kv_heads, -1).transpose(1, 0, 2)
        if i < len(self.cache):
            k, v = (np.concatenate([c, n], axis=1) for c, n in zip(self.cache[i], (k, v), strict=True))
            self.cache[i] = (k, v)
        else:
            self.cache.append((k, v))
        group = self.heads // self.kv_heads
        k, v = np.repeat(k, group, axis=0), np.repeat(v, group, axis=0)
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(q.shape[-1])
        scores = np.where(np.arange(k.shape[1])[None, :] > positions[:, None], -np.inf, scores)
        p = np.exp(scores - scores.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        return (p @ v).transpose(1, 0, 2).reshape(s, -1) @ w("attn_output").T

    def step(self, tokens: list[int]) -> np.ndarray:
        """Feed tokens after those fed before; returns the logits [vocab] of the token after the last one."""
        start = self.cache[0][0].shape[1] if self.cache else 0
        positions = np.arange(start, start + len(tokens))
        x = self.t["token_embd.weight"][np.asarray(tokens)]
        for i in range(self.layers):
            x = x + self._attention(self._norm(x, f"blk.{i}.attn_norm.weight"), i, positions)
            h = self._norm(x, f"blk.{i}.ffn_norm.weight")
            gate = h @ self.t[f"blk.{i}.ffn_gate.weight"].T
            up = h @ self.t[f"blk.{i}.ffn_up.weight"].T
            x = x + (gate / (1.0 + np.exp(-gate)) * up) @ self.t[f"blk.{i}.ffn_down.weight"].T
        head = self.t.get("output.weight", self.t["token_embd.weight"])
        return self._norm(x[-1], "output_norm.weight") @ head.T

    def greedy(self, prompt: list[int], new_tokens: int) -> list[int]:
        """The next `new_tokens` tokens, each the most likely (lowest id on a tie)."""
        out, logits = [], self.step(prompt)
        for _ in range(new_tokens):
            out.append(int(np.argmax(logits)))
            logits = self.step(out[-1:])
        return out
