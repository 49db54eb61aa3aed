"""An 8-expert, top-2 mixture-of-experts layer in the .tdf language (the moe_top2 benchmark's model).

Each ReLU expert sits on its own row of cores. Expert e receives x scaled by its gate column: tokens not
routed to it are zero rows (relu((g x) W1) W2 = g relu(x W1) W2 for g >= 0 and bias-free experts), so a
tile of tokens none of which chose e is all zero and, with zero skipping, e's weights never move for it.
"""

from __future__ import annotations

_SOURCE = """\
const S = {tokens}
const D = 256
const F = 1024
const E = 8

input x: bf16[S, D]
param router: bf16[D, E] = random(seed=1, std=0.1)

block expert(x: bf16[S, D], g: bf16[S, 1]) -> bf16[S, D] {{
    param w1: bf16[D, F] = random(seed=10, std=0.05)
    param w2: bf16[F, D] = random(seed=11, std=0.05)
    return relu((x * g) @ w1) @ w2
}}

let gates = topk_gate(x @ router, k=2)
let y = expert(x, gates[:, 0:1]) as experts.0 @cores(0..7, 0..0)
repeat e in 1..E {{
    let y = y + expert(x, gates[:, e:e+1]) as experts.{{e}} @cores(0..7, e..e)
}}
output out = x + y
output gates = gates
"""


def moe_source(tokens: int) -> str:
    return _SOURCE.format(tokens=tokens)
