"""GPT-2-small in the .tdf language (d=768, 12 heads, seq 128, pre-norm, causal): the benchmarks' model."""

from __future__ import annotations

_BLOCKS = """\
const S = {seq}
const D = 768
const H = 12
const F = 4 * D

input x: bf16[S, D]

block attention(x: bf16[S, D]) -> bf16[S, D] {{
    param wqkv: bf16[D, 3 * D] = random(seed=1, std=0.02)
    param bqkv: bf16[3 * D] = zeros
    param wo: bf16[D, D] = random(seed=2, std=0.02)
    param bo: bf16[D] = zeros
    let qkv = x @ wqkv + bqkv
    let q = split_heads(qkv[:, 0:D], H)
    let k = split_heads(qkv[:, D:2*D], H)
    let v = split_heads(qkv[:, 2*D:], H)
    let o = merge_heads(softmax(q @ transpose(k) / sqrt(D / H), causal=true) @ v)
    return o @ wo + bo
}}

block mlp(x: bf16[S, D]) -> bf16[S, D] {{
    param w1: bf16[D, F] = random(seed=3, std=0.02)
    param b1: bf16[F] = zeros
    param w2: bf16[F, D] = random(seed=4, std=0.02)
    param b2: bf16[D] = zeros
    return gelu(x @ w1 + b1, approx=true) @ w2 + b2
}}

block gpt2_block(x: bf16[S, D]) -> bf16[S, D] {{
    param ln1.g: bf16[D] = ones
    param ln1.b: bf16[D] = zeros
    param ln2.g: bf16[D] = ones
    param ln2.b: bf16[D] = zeros
    let x = x + attention(layernorm(x, ln1.g, ln1.b)) as attn
    return x + mlp(layernorm(x, ln2.g, ln2.b))
}}

repeat i in 0..{layers} {{
    let x = gpt2_block(x) as h{{i}}
}}
output y = x
"""


def gpt2_source(layers: int = 12, seq: int = 128) -> str:
    """The .tdf text of a `layers`-deep GPT-2-small stack over `seq` tokens."""
    return _BLOCKS.format(layers=layers, seq=seq)
