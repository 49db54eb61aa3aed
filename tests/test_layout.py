"""The dependency rule of DESIGN.md §2: tools -> lang -> tensix, nothing points back; numba only in jit.py."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# cli.py and __main__.py are the composition root: they dispatch to lang and tools lazily
ENTRY_POINTS = {"tensix/cli.py", "tensix/__main__.py"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _sources(folder: str):
    return [p for p in (ROOT / folder).rglob("*.py") if str(p.relative_to(ROOT)) not in ENTRY_POINTS]


def test_tensix_imports_neither_lang_nor_tools():
    bad = {str(p.relative_to(ROOT)): sorted(m for m in _imports(p) if m.startswith(("tensix.lang", "tensix.tools")))
           for p in _sources("tensix")}
    assert {k: v for k, v in bad.items() if v} == {}


def test_lang_does_not_import_tools():
    bad = {str(p.relative_to(ROOT)): sorted(m for m in _imports(p) if m.startswith("tensix.tools"))
           for p in _sources("lang")}
    assert {k: v for k, v in bad.items() if v} == {}


def test_only_jit_imports_numba():
    users = sorted(str(p.relative_to(ROOT)) for folder in ("tensix", "lang", "tools") for p in _sources(folder)
                   if any(m.split(".")[0] == "numba" for m in _imports(p)))
    assert users == ["tensix/kernels/jit/cache.py", "tensix/kernels/jit/formats.py", "tensix/kernels/jit/tile_math.py"]


def test_files_stay_small():
    big = {str(p.relative_to(ROOT)): n for folder in ("tensix", "lang", "tools") for p in _sources(folder)
           if (n := len(p.read_text().splitlines())) > 450}
    assert big == {}
