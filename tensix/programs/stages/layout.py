"""Which circular buffers a step list needs on a core, and their ids (shared by kernels and compiler).

Every CB is reserved in one fixed page count, so reservations never wrap: matmul CBs in the core's
largest block (smaller blocks leave pages unused), elementwise CBs one page at a time.
"""

from __future__ import annotations

from tensix.formats import FORMATS, tile_nbytes

MM_A, MM_B, MM_BIAS, EL_A, EL_B = range(5)  # input slots
_OUT_MM, _OUT_EL, CB_IDS, CB_CTRL = 20, 24, 28, 29  # outputs by format; gather ids; matmul_rows control


MATMULS = ("matmul", "matmul_rows")


def cb_in(slot: int, fmt: str) -> int:
    return slot * 4 + FORMATS.index(fmt)


def cb_out(fmt: str, matmul: bool = False) -> int:
    return (_OUT_MM if matmul else _OUT_EL) + FORMATS.index(fmt)


def blocking(steps: list[dict]) -> tuple[int, int]:
    """The largest matmul block (rows, cols of tiles) among a core's steps: its matmul CB reservation."""
    blocks = [b for s in steps if s["op"] in MATMULS for b in s["blocks"]]
    return max((b[1] for b in blocks), default=1), max((b[3] for b in blocks), default=1)


def rows_stage_nbytes(steps: list[dict], formats: dict[str, str]) -> int:
    """L1 staging a core's matmul_rows steps need: a block's activation tiles and 32 gathered weight rows."""
    _, bn = blocking(steps)
    need = 0
    for s in steps:
        if s["op"] == "matmul_rows":
            elem = 4 if formats[s["b_rows"]] == "fp32" else 2
            band = s["kt"] * tile_nbytes(formats[s["a"]])
            need = max(need, band + 32 * -(-bn * 32 * elem // 32) * 32)
    return need


def cb_requirements(steps: list[dict], formats: dict[str, str]) -> dict[int, tuple[str, int]]:
    """CB id -> (format, pages) a core needs to run `steps`; `formats` maps buffer names to formats."""
    need: dict[int, tuple[str, int]] = {}
    bm, bn = blocking(steps)

    def want(cb: int, fmt: str, pages: int) -> None:
        need[cb] = (fmt, max(need.get(cb, (fmt, 0))[1], pages))

    for s in steps:
        out = formats[s["out"]]
        op = s["op"]
        if op in MATMULS:
            want(cb_in(MM_A, formats[s["a"]]), formats[s["a"]], 2 * bm)
            want(cb_in(MM_B, formats[s["b"]]), formats[s["b"]], 2 * bn)
            if op == "matmul_rows":
                want(CB_CTRL, "fp32", 2)
            if s.get("bias"):
                want(cb_in(MM_BIAS, formats[s["bias"]]), formats[s["bias"]], bn)
            want(cb_out(out, matmul=True), out, bm * bn)
            continue
        names = {"binary": [s.get("a"), s.get("b")], "unary": [s.get("a")], "reduce": [s.get("a")],
                 "copy": s.get("inputs", []), "gather_rows": []}[op]
        for slot, name in enumerate(names[:2]):
            want(cb_in(EL_A + slot, formats[name]), formats[name], 2)
        for name in names[2:]:
            want(cb_in(EL_A, formats[name]), formats[name], 2)
        if op == "gather_rows":
            want(CB_IDS, "fp32", 1)
            want(cb_in(EL_A, out), out, 2)
        want(cb_out(out), out, 2)
    return need
