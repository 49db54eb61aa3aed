"""Which modules of the run-time core load as C extensions, and when they load from source instead.

`setup.py` compiles the modules in COMPILED with Cython from their own plain-Python source, typed by the
`.pxd` beside each (one source, no twin). All of them load from source when TENSIX_COMPILED=0, or when any
build is missing or older than its source (a stale build would run code that no longer exists), so a run
never mixes the two. Either way the results are the same; the compiled core is faster.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
import warnings
from pathlib import Path

# in import order: each one's .pxd cimports only modules before it
COMPILED = (
    "tensix.tracelog",
    "tensix.engine",
    "tensix.noc.fabric",
    "tensix.cb",
    "tensix.packer",
    "tensix.core",
    "tensix.dram",
    "tensix.device",
    "tensix.kernel",
    "tensix.dataflow_api",
    "tensix.compute_api",
    # the generic kernels compiled programs run (compiled as they are; compute's .pxd types its matmul loop)
    "tensix.programs.stages.mcast",
    "tensix.programs.stages.rowstream",
    "tensix.programs.stages.row",
    "tensix.programs.stages.norm",
    "tensix.programs.stages.sparse",
    "tensix.programs.stages.reader",
    "tensix.programs.stages.compute",
    "tensix.programs.stages.writer",
    "tensix.programs.stages.split",
    "tensix.programs.stages.attention",
    # beside the run: the trace's JSON text, built once per saved run (a GPT-2 block's 7 MB: 2x as fast compiled)
    "tensix.trace_json",
)
_ROOT = Path(__file__).resolve().parent.parent


def source_path(module: str) -> Path:
    """The .py file a compiled module is built from (tensix.x.y -> tensix/x/y.py)."""
    return _ROOT.joinpath(*module.split(".")).with_suffix(".py")


def _built(module: str) -> Path | None:
    """The module's extension file beside its source, if one was built."""
    src = source_path(module)
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = src.with_suffix(suffix)
        if path.exists():
            return path
    return None


def _stale() -> list[str]:
    """Modules whose build is missing or older than its .py or .pxd."""
    out = []
    for module in COMPILED:
        built, src = _built(module), source_path(module)
        newest = max(p.stat().st_mtime for p in (src, src.with_suffix(".pxd")) if p.exists())
        if built is None or built.stat().st_mtime < newest:
            out.append(module)
    return out


class _SourceFinder:
    """Meta-path finder that loads the COMPILED modules from their .py files (ahead of any extension)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name not in COMPILED:
            return None
        src = str(source_path(name))
        return importlib.util.spec_from_file_location(name, src, loader=importlib.machinery.SourceFileLoader(name, src))


def _select() -> bool:
    if os.environ.get("TENSIX_COMPILED", "1") == "0":
        sys.meta_path.insert(0, _SourceFinder())
        return False
    stale = _stale()
    if not stale:
        return True
    warnings.warn(f"tensix: the compiled build of {', '.join(stale)} is missing or older than its source, so the "
                  f"run-time core runs as plain Python (slower); build it with `pip install -e .` "
                  f"(needs a C compiler), or set TENSIX_COMPILED=0 to choose plain Python", stacklevel=3)
    sys.meta_path.insert(0, _SourceFinder())
    return False


ACTIVE: bool = _select()  # decided once, before any COMPILED module is imported
