"""An elementwise expression of several inputs (`a * b + c`) runs as one binary step (lang/passes/fuse.py): the same
bits as the unfused ops, each input tile read from DRAM once, one pack, and the fusion shown in the IR."""

import re

import numpy as np
import pytest

from tensix.lang import materialize
from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs, run_compiled
from tensix.lang.passes import fuse as fuse_pass
from tensix.schedule.text import parse, render


def _program(dtype: str, body: str, shapes: dict[str, str]) -> str:
    decls = "".join(f"input {name}: {dtype}[{shape}]\n" for name, shape in shapes.items())
    return decls + f"output y = {body}\n"


def _run(src: str, *, fused: bool = True, monkeypatch=None):
    if not fused:  # the binary ops one step each, as before the fusion (unary chains still fuse)
        monkeypatch.setattr(fuse_pass, "_binary_producer", lambda node, *_: (node, None))
    compiled = compile_source(src, "fused.tdf")
    inputs = make_inputs(compiled.graph, 0)
    result, _ = run_compiled(compiled, inputs, materialize(compiled.graph), check=False)
    if not fused:
        monkeypatch.undo()
    return compiled, inputs, result


def _binaries(compiled) -> int:
    return sum(node.op == "binary" for node in compiled.lowered.nodes)


FULL = {"a": "64, 96", "b": "64, 96", "c": "64, 96", "d": "64, 96"}
CASES = {  # body, inputs, numpy
    "mul_add": ("a * b + c", FULL, lambda i: i["a"] * i["b"] + i["c"]),
    "sub_swapped_after_relu": ("c - relu(a * b)", FULL, lambda i: i["c"] - np.maximum(i["a"] * i["b"], 0)),
    "row_bcast": ("a * b + c", {**FULL, "c": "1, 96"}, lambda i: i["a"] * i["b"] + i["c"]),
    "col_bcast": ("(a - b) * c", {**FULL, "c": "64, 1"}, lambda i: (i["a"] - i["b"]) * i["c"]),
    "three_binaries": ("silu(a * b + c) * d", FULL,
                       lambda i: (lambda x: x / (1 + np.exp(-x)))(i["a"] * i["b"] + i["c"]) * i["d"]),
}


@pytest.mark.parametrize("dtype", ["bf16", "fp32"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_fused_chain_computes_the_unfused_ops_bits_and_numpys_values(case, dtype, monkeypatch):
    body, shapes, expect = CASES[case]
    shapes = {k: v for k, v in shapes.items() if re.search(rf"\b{k}\b", body)}
    src = _program(dtype, body, shapes)
    fused, inputs, one = _run(src)
    unfused, _, many = _run(src, fused=False, monkeypatch=monkeypatch)
    assert _binaries(fused) == 1 and _binaries(unfused) == body.count("*") + body.count("+") + body.count("-")
    np.testing.assert_array_equal(one.outputs["y"], many.outputs["y"])  # DST rounded as the DRAM round trip did
    want = expect({k: v.astype(np.float64) for k, v in inputs.items()})
    tol = 0 if dtype == "fp32" else 2 ** -7  # bf16: the product and the output each rounded once
    np.testing.assert_allclose(one.outputs["y"], want, rtol=tol or 1e-6, atol=tol * np.abs(want).max() or 1e-6)


def test_the_ir_shows_the_fused_step_with_its_inputs_and_where_each_joins():
    compiled = compile_source(_program("bf16", "relu(a * b + c)", {k: FULL[k] for k in "abc"}), "fused.tdf")
    ir = compiled.lowered.render()
    assert re.search(r"%\d+ = binary %a, %b, %c \{bcast=none, chain=\[\[operand, 0\], \[relu\]\], .*fn=mul, "
                     r"more=\[\[add, none, 0, bf16\]\], .*source_op=mul\+add\} : bf16\[64, 96\]", ir)
    text = render(compiled.schedule)
    assert 'more=[{name="c" fn="add" round="bf16"}]' in text and 'chain=[{fn="operand" args=[0]}, {fn="relu"}]' in text
    assert render(parse(text)) == text  # the step's new inputs round-trip in the .sched text form


def test_a_value_two_ops_read_is_not_fused_into_either():
    decls = "".join(f"input {k}: fp32[64, 96]\n" for k in "abc")
    shared = compile_source(decls + "let p = a * b\noutput y = p + c\noutput z = p - c\n", "t.tdf")
    assert _binaries(shared) == 3
    squared = compile_source(decls + "let p = a * b\noutput y = p * p + c\n", "t.tdf")
    ops = [(n.inputs, n.attrs.get("more")) for n in squared.lowered.nodes if n.op == "binary"]
    assert ops == [(("a", "b"), None), (("0", "0", "c"), [["add", "none", 0, "fp32"]])]


def test_each_input_tile_is_read_from_dram_once_and_the_output_written_once(monkeypatch):
    # a, b, c: 64 x 96 bf16 = 2 x 3 tiles of 2048 B each. Fused: read 3 x 6 tiles, write 6. Unfused, the product
    # goes out and comes back in (to DRAM, or to an L1 shard reside keeps it in: then no DRAM bytes, but a step more)
    src = _program("bf16", "a * b + c", {k: FULL[k] for k in "abc"})
    _, _, result = _run(src)
    dram = sum(b.bytes_read for b in result.stats.dram), sum(b.bytes_written for b in result.stats.dram)
    assert dram == (3 * 6 * 2048, 6 * 2048)


def test_the_fused_steps_compute_charges_one_binary_a_dest_reuse_and_one_pack_per_tile():
    # one bf16 tile each: mul_tiles unpacks a and b (2 + 2 x 2048 / 64 = 66 cycles, more than HiFi4's 4 x 8 for the
    # FPU), add_dest_reuse unpacks c alone (2 + 2048 / 64 = 34 > 8), then one pack_tile (2 + 2048 / 64 = 34); the
    # unfused add unpacked two tiles (66) and a second pack went before it. All start when the reader's one barrier
    # for the three tiles ends.
    src = "".join(f"input {k}: bf16[32, 32]\n" for k in "abc") + "output y = a * b + c\n"
    _, _, result = _run(src)
    landed = next(s.end for s in result.trace.spans if s.role == "reader" and s.name == "wait:noc_async_read_barrier")
    work = [(s.name, s.start - landed, s.end - landed, s.count) for s in result.trace.spans
            if s.role == "compute" and not s.name.startswith("wait")]
    assert work == [("mul_tiles", 0, 66, 1), ("add_dest_reuse", 66, 100, 1), ("pack_tile", 100, 134, 1)]
