"""The row-op programs the row-op tests run: one template per op over an input `x` of shape [rows, cols] on the two
cores (0, 0) and (1, 0) unless told otherwise."""

ROW_OPS = {
    "layernorm": "param g: {t}[{n}] = random(seed=1, std=0.5, mean=1.0)\nparam b: {t}[{n}] = random(seed=2)\n"
                 "output y = layernorm(x, g, b, eps=1e-5) @cores({cores})\n",
    "rmsnorm": "param g: {t}[{n}] = random(seed=1, std=0.5, mean=1.0)\n"
               "output y = rmsnorm(x, g, eps=1e-6) @cores({cores})\n",
    "softmax": "output y = softmax(x) @cores({cores})\n",
    "causal": "output y = softmax(x, causal=true) @cores({cores})\n",
}


def row_source(op: str, dtype: str, rows: int, cols: int, cores: str = "0..1, 0") -> str:
    """The program of row op `op` over x: dtype[rows, cols]."""
    return f"input x: {dtype}[{rows}, {cols}]\n" + ROW_OPS[op].format(t=dtype, n=cols, cores=cores)
