"""The package surface: a curated __all__, module docstrings, small files, Lark kept inside the parser."""

import ast
from pathlib import Path

import pytest

import tensix.lang

LANG = Path(tensix.lang.__file__).parent
MODULES = sorted(LANG.rglob("*.py"))


def test_public_names_resolve():
    for name in tensix.lang.__all__:
        assert getattr(tensix.lang, name) is not None, name
    assert len(set(tensix.lang.__all__)) == len(tensix.lang.__all__)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(LANG)))
def test_module_has_a_docstring_and_stays_small(path):
    tree = ast.parse(path.read_text())
    assert ast.get_docstring(tree), f"{path.name} needs a module docstring"
    assert len(path.read_text().splitlines()) < 400


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(LANG)))
def test_only_the_parser_imports_lark_and_nothing_imports_tools(path):
    imports = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imports |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imports.add(node.module)
    assert not any(m.startswith("tensix.tools") or m.startswith("tools") for m in imports)
    if path.name != "parser.py":
        assert not any(m.split(".")[0] == "lark" for m in imports)


def test_grammar_ships_with_the_package():
    assert (LANG / "grammar.lark").is_file()


def test_the_language_reference_opening_example_checks():
    doc = (Path(__file__).parents[2] / "docs" / "language.md").read_text()
    example = doc.split("```")[1]
    graph = tensix.lang.check_source(example, "doc.tdf")
    assert [n.op for n in graph.nodes] == ["matmul", "add", "gelu", "matmul"]
