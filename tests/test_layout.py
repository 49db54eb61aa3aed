"""The dependency rule of docs/architecture.md: tools -> lang -> tensix, nothing points back, no module imports
itself through others; numba only in jit.py."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# cli.py, __main__.py and models.py (the CLI's model commands as a Python API) are the composition root: they
# dispatch to lang and tools lazily
ENTRY_POINTS = {"tensix/cli.py", "tensix/__main__.py", "tensix/models.py"}


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
    assert users == ["tensix/kernels/jit/cache.py", "tensix/kernels/jit/formats.py", "tensix/kernels/jit/startup.py",
                     "tensix/kernels/jit/tile_math.py"]


def test_files_stay_small():
    big = {str(p.relative_to(ROOT)): n for folder in ("tensix", "lang", "tools") for p in _sources(folder)
           if (n := len(p.read_text().splitlines())) > 450}
    assert big == {}


PACKAGES = {"tensix": "tensix", "lang": "tensix.lang", "tools": "tensix.tools"}


def _module(path: Path) -> str:
    folder, *rest = path.relative_to(ROOT).with_suffix("").parts
    return ".".join([PACKAGES[folder], *rest])


def _project_imports(path: Path, modules: set[str]) -> set[str]:
    """The project modules `path` imports (at the top or inside a function), relative imports resolved."""
    package = _module(path).rsplit(".", 1)[0] if path.name != "__init__.py" else _module(path)
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            found |= {base} | {f"{base}.{a.name}" for a in node.names}
    return {m for m in found if m in modules}


def test_no_module_imports_itself_through_others():
    paths = [p for folder in PACKAGES for p in (ROOT / folder).rglob("*.py") if p.name != "__init__.py"]
    modules = {_module(p) for p in paths}
    graph = {_module(p): _project_imports(p, modules) for p in paths}
    cycles = []
    for start in sorted(graph):
        seen, todo = set(), list(graph[start])
        while todo:
            m = todo.pop()
            if m not in seen:
                seen.add(m)
                todo += graph[m]
        if start in seen:
            cycles.append(start)
    assert cycles == []


def test_nothing_cites_a_design_document_outside_the_repository():
    texts = [p for ext in ("py", "pxd", "md", "toml", "lark", "tdf") for p in ROOT.rglob(f"*.{ext}")
             if ".git" not in p.parts and "build" not in p.parts]
    cite = re.compile(rb"DESIGN\.md|STYLE\.md|\.\./shared")  # bytes: some test sources are not UTF-8 on purpose
    cites = sorted(str(p.relative_to(ROOT)) for p in texts if cite.search(p.read_bytes()))
    assert cites == []


# the visualizers read saved files through these emulator modules only; the benchmarks run emulator and language
VIZ_READS = {"tensix.stats", "tensix.trace", "tensix.jsondoc", "tensix.config", "tensix.noc.routing", "tensix.errors"}
RUNS_THINGS = {"bench.py", "bench_matmul.py", "bench_sparse.py", "bench_speed.py", "bench_models.py", "bench_dm.py",
               "bench_timing_only.py",
               "calibrate_dm.py", "metal_examples.py", "measure.py", "gpt2.py", "moe.py", "__init__.py", "__main__.py"}


def test_visualizers_read_saved_files_only():
    bad = {p.name: sorted(m for m in _imports(p) if m.startswith("tensix.") and not m.startswith("tensix.tools")
                          and m not in VIZ_READS)
           for p in _sources("tools") if p.name not in RUNS_THINGS}
    assert {k: v for k, v in bad.items() if v} == {}
