"""Mutated examples compile to a Program or fail with a formatted TensixError, never another exception.

Random byte edits and token edits of every example go through the whole compiler (check, then every pass with
the IR verifier on); a crash inside a pass is a compiler bug, not a user mistake.
"""

import os
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tensix.lang import TensixError, check_source
from tensix.lang.compiler import Compiled, compile_graph

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.tdf"))
SOURCES = [(str(p), p.read_text()) for p in EXAMPLES]
TOKEN = re.compile(r"\w+|\.\.|->|\S")
# every token of the examples, plus numbers that break tiling and the grid, so mutations stay near-valid
PIECES = sorted({t for _, text in SOURCES for t in TOKEN.findall(text)} | {"1", "3", "31", "33", "48", "100", "8"})
MAX_EXAMPLES = int(os.environ.get("TENSIX_FUZZ_EXAMPLES", "75"))


def _compile_or_error(text: str, path: str) -> None:
    try:
        result = compile_graph(check_source(text, path), debug=True)
    except TensixError as e:
        assert e.format().strip()
        return
    assert isinstance(result, Compiled)
    assert result.program.kernels


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(case=st.sampled_from(SOURCES), data=st.data())
def test_byte_mutations_compile_or_fail_cleanly(case, data):
    path, text = case
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        i = data.draw(st.integers(0, len(text)), label="at")
        kind = data.draw(st.sampled_from(["delete", "insert", "replace"]), label="kind")
        char = data.draw(st.characters(codec="utf-8", exclude_categories=["Cs"]), label="char")
        text = {"delete": text[:i] + text[i + 1:], "insert": text[:i] + char + text[i:],
                "replace": text[:i] + char + text[i + 1:]}[kind]
    _compile_or_error(text, path)


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(case=st.sampled_from(SOURCES), data=st.data())
def test_token_mutations_compile_or_fail_cleanly(case, data):
    path, text = case
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        tokens = [(m.start(), m.end()) for m in TOKEN.finditer(text)] or [(0, 0)]
        start, end = data.draw(st.sampled_from(tokens), label="token")
        kind = data.draw(st.sampled_from(["delete", "replace", "duplicate"]), label="kind")
        piece = data.draw(st.sampled_from(PIECES), label="piece")
        text = text[:start] + {"delete": "", "replace": piece, "duplicate": text[start:end] * 2}[kind] + text[end:]
    _compile_or_error(text, path)
