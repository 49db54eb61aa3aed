"""The run-time core built as C extensions (tensix/compiled.py, setup.py) against the same source run as plain
Python: it is the build that runs, and both give the same outputs, trace and stats."""

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tensix
from tensix.compiled import COMPILED, _stale

ROOT = Path(__file__).resolve().parents[2]
pure_env = os.environ.get("TENSIX_COMPILED") == "0"

# runs programs that reach every compiled module: 128 kernels swapping tiles on both NoCs, a compiled
# attention block with zero skipping (compute API, CBs, multicast, DRAM), a MoE layer; prints one digest
DIGEST = """
import hashlib, json
import numpy as np
import tensix
from tensix import Mesh
from tensix.programs.exchange import exchange_program
from tensix.lang.compiler import compile_file
from tensix.lang.driver import make_inputs, run_compiled

h = hashlib.sha256()
def add(result):
    for name in sorted(result.outputs):
        h.update(np.ascontiguousarray(result.outputs[name]).tobytes())
    h.update(json.dumps(result.trace.to_dict(), sort_keys=True).encode())
    h.update(json.dumps(result.stats.to_dict(), sort_keys=True).encode())
add(Mesh().run(exchange_program((8, 8), tiles=2, rounds=2, shift=(3, 2))))
for example in ("05_multihead_attention.tdf", "08_moe.tdf"):
    compiled = compile_file(f"{ROOT}/examples/{example}", zero_skip=True)
    add(run_compiled(compiled, make_inputs(compiled.graph, 0), mesh=Mesh(compiled.device, zero_skip=True))[0])
print(tensix.COMPILED, h.hexdigest())
"""


def _run(code: str, env: dict, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, cwd=cwd, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.skipif(pure_env, reason="TENSIX_COMPILED=0 chooses plain Python")
def test_the_installed_core_runs_from_its_c_extensions():
    assert tensix.COMPILED
    for name in COMPILED:
        assert Path(importlib.import_module(name).__file__).suffix == ".so", name


@pytest.mark.slow
def test_plain_python_core_gives_identical_outputs_trace_and_stats():
    code = f"ROOT = {str(ROOT)!r}\n" + DIGEST
    plain = _run(code, {"TENSIX_COMPILED": "0"})
    assert plain.returncode == 0, plain.stderr[-3000:]
    assert plain.stdout.split()[0] == "False"
    built = _run(code, {"TENSIX_COMPILED": "1"})
    assert built.returncode == 0, built.stderr[-3000:]
    assert built.stdout.split()[0] == str(not _stale())  # compiled wherever the build is there and current
    assert plain.stdout.split()[1] == built.stdout.split()[1]


@pytest.mark.skipif(pure_env, reason="TENSIX_COMPILED=0 chooses plain Python")
def test_a_build_older_than_its_source_is_not_used(tmp_path):
    pkg = tmp_path / "tensix"
    shutil.copytree(ROOT / "tensix", pkg, ignore=shutil.ignore_patterns("__pycache__", "*.c"))
    built = max(p.stat().st_mtime for p in pkg.glob("cb.*.so"))
    os.utime(pkg / "cb.py", (built + 60, built + 60))  # as if edited after the build
    probe = _run("import tensix, tensix.cb, tensix.kernel; print(tensix.COMPILED, tensix.cb.__file__, "
                 "tensix.kernel.__file__)", {"PYTHONPATH": str(tmp_path)}, cwd=tmp_path)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["False", str(pkg / "cb.py"), str(pkg / "kernel.py")]
    assert ("tensix: the compiled build of tensix.cb is missing or older than its source, so the run-time core "
            "runs as plain Python") in probe.stderr
