"""Mutated good programs give a Graph or a TensixError, never another exception (no traceback for users)."""

import re

from conftest import GOOD
from hypothesis import given, settings
from hypothesis import strategies as st

from tensix.lang import Graph, TensixError, check_source

SOURCES = [(str(p), p.read_text()) for p in GOOD]
TOKEN = re.compile(r"\w+|\.\.|->|\S")
PIECES = sorted({t for _, text in SOURCES for t in TOKEN.findall(text)} | {"@", "{", "}", "[", "]", "(", ")"})


def _outcome(text: str, path: str) -> None:
    try:
        result = check_source(text, path)
    except TensixError as e:
        e.format()  # formatting must not fail either
        return
    assert isinstance(result, Graph)


@settings(max_examples=100, deadline=None)
@given(case=st.sampled_from(SOURCES), data=st.data())
def test_byte_mutations(case, data):
    path, text = case
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(text)))
        kind = data.draw(st.sampled_from(["delete", "insert", "replace"]))
        char = data.draw(st.characters(codec="utf-8", exclude_categories=["Cs"]))
        text = {"delete": text[:i] + text[i + 1:], "insert": text[:i] + char + text[i:],
                "replace": text[:i] + char + text[i + 1:]}[kind]
    _outcome(text, path)


@settings(max_examples=100, deadline=None)
@given(case=st.sampled_from(SOURCES), data=st.data())
def test_token_mutations(case, data):
    path, text = case
    tokens = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
    for _ in range(data.draw(st.integers(1, 3))):
        start, end = data.draw(st.sampled_from(tokens))
        kind = data.draw(st.sampled_from(["delete", "replace", "duplicate"]))
        piece = data.draw(st.sampled_from(PIECES))
        new = {"delete": "", "replace": piece, "duplicate": text[start:end] * 2}[kind]
        text = text[:start] + new + text[end:]
        tokens = [(m.start(), m.end()) for m in TOKEN.finditer(text)] or [(0, 0)]
    _outcome(text, path)
