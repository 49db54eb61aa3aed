"""Which circular buffers a step list needs on a core, and their ids (shared by kernels and compiler)."""

from __future__ import annotations

from tensix.formats import FORMATS

IN0, IN1, IN2 = 0, 1, 2
CB_IDS = 20  # fp32 scratch for gather_rows token ids


def cb_in(slot: int, fmt: str) -> int:
    return slot * 4 + FORMATS.index(fmt)


def cb_out(fmt: str) -> int:
    return 16 + FORMATS.index(fmt)


def cb_requirements(steps: list[dict], formats: dict[str, str]) -> dict[int, tuple[str, int]]:
    """CB id -> (format, pages) a core needs to run `steps`; `formats` maps buffer names to formats."""
    need: dict[int, tuple[str, int]] = {}

    def want(cb: int, fmt: str, pages: int) -> None:
        have = need.get(cb, (fmt, 0))[1]
        need[cb] = (fmt, max(have, pages))

    for s in steps:
        out = formats[s["out"]]
        op = s["op"]
        if op == "matmul":
            bm = max((b[1] for b in s["blocks"]), default=1)
            bn = max((b[3] for b in s["blocks"]), default=1)
            want(cb_in(IN0, formats[s["a"]]), formats[s["a"]], 2 * bm)
            want(cb_in(IN1, formats[s["b"]]), formats[s["b"]], 2 * bn)
            if s.get("bias"):
                want(cb_in(IN2, formats[s["bias"]]), formats[s["bias"]], bn)
            want(cb_out(out), out, bm * bn)
        elif op == "binary":
            want(cb_in(IN0, formats[s["a"]]), formats[s["a"]], 2)
            want(cb_in(IN1, formats[s["b"]]), formats[s["b"]], 2)
            want(cb_out(out), out, 2)
        elif op in ("unary", "reduce"):
            want(cb_in(IN0, formats[s["a"]]), formats[s["a"]], 2)
            want(cb_out(out), out, 2)
        elif op == "copy":
            for name in s["inputs"]:
                want(cb_in(IN0, formats[name]), formats[name], 2)
            want(cb_out(out), out, 2)
        elif op == "gather_rows":
            want(CB_IDS, "fp32", 1)
            want(cb_in(IN0, out), out, 2)
            want(cb_out(out), out, 2)
    return need
