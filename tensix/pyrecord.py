"""Recording a run made by a Python program (the native API's `RunResult.save`, or a tensix.metal device with a run
directory) so that `tensix rerun DIR` can make it again from DIR alone (tensix/pyrerun.py).

The program is recorded by its source: the main script, every module it imported from outside the standard
library, site-packages and tensix itself, and every kernel file it loaded by path, copied into DIR/source/ (paths
relative to their common root); with its argv, its TENSIX_* environment, the inputs as fed (inputs.npz) and, run by
run, content hashes of inputs, outputs and trace and the cycles (run.json, kind "python"). Under `tensix rerun`
(TENSIX_RERUN_INTO set) every save goes into the rerun's scratch directory instead, and kernel paths into the
original tree are read from the recorded copy.
"""

from __future__ import annotations

import json
import os
import site
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tensix.rundir import (
    array_hash,
    common_root,
    environment,
    plain,
    rel,
    text_hash,
    trace_digest,
    write_record,
    write_run_dir,
)
from tensix.timing import TimingModel
from tensix.trace import Trace

RERUN_INTO = "TENSIX_RERUN_INTO"  # set by `tensix rerun`: the scratch directory every save goes to
RERUN_MAP = "TENSIX_RERUN_MAP"  # set by `tensix rerun`: JSON {original root: recorded copy} for kernel paths
KERNEL_FILES: dict[str, None] = {}  # kernel files this process loaded by path, in order (a dict as ordered set)
_SAVES = [0]  # records begun in this process (saves, devices with a run directory): a rerun compares the same one


@dataclass(frozen=True, slots=True)
class PythonProgram:
    """The recorded program: files by their path relative to `root`, and how to start it again."""

    root: Path
    main: str  # the main script, relative to root
    module: str | None  # `python -m module` started it (then `paths` holds its root)
    files: tuple[tuple[str, Path], ...]  # (relative name, original path) of every recorded file
    paths: tuple[str, ...]  # roots (relative) of the imported modules: the rerun's PYTHONPATH
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...]  # TENSIX_* and PYTHONHASHSEED, as set

    def describe(self) -> dict:
        """The record's "source" and "python" sections (file hashes read now)."""
        files = {name: text_hash(path.read_bytes()) for name, path in self.files}
        return {"main": self.main, "dir": str(self.root), "files": files}

    def launch(self) -> dict:
        return {"argv": list(self.argv), "module": self.module, "paths": list(self.paths), "env": dict(self.env)}

    def copy_to(self, d: Path) -> None:
        for name, path in self.files:
            target = d / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())


def note_kernel_file(path: Path) -> None:
    """A kernel file loaded by path belongs to the program (tensix.metal calls this)."""
    KERNEL_FILES[str(Path(path).resolve())] = None


def kernel_path(path: Path) -> Path:
    """Under `tensix rerun`, an absolute kernel path into the recorded program's tree names the recorded copy."""
    mapping = json.loads(os.environ.get(RERUN_MAP) or "{}")
    text = str(path)
    for original, copy in mapping.items():
        if Path(path).is_absolute() and (text == original or text.startswith(original + os.sep)):
            return Path(copy + text[len(original):])
    return Path(path)


def rerun_target(out: Path, what: str) -> Path:
    """Where a save goes: `out`, or under `tensix rerun` the scratch directory's `what`, never the original."""
    scratch = os.environ.get(RERUN_INTO)
    return Path(scratch) / what if scratch else out


def this_program() -> PythonProgram | None:
    """The running Python program, or None when it has no file (an interactive session)."""
    main = sys.modules.get("__main__")
    main_file = getattr(main, "__file__", None)
    if not main_file or not Path(main_file).is_file():
        return None
    spec = getattr(main, "__spec__", None)
    module = spec.name if spec is not None and spec.name != "__main__" else None
    modules = _user_modules()
    files = [Path(main_file).resolve(), *modules.values(), *(Path(p) for p in KERNEL_FILES)]
    roots = {_module_root(name, path) for name, path in modules.items()}
    if module:
        roots.add(_module_root(module, Path(main_file).resolve()))
    roots.discard(None)
    root = common_root([*files, *(r / "_" for r in roots)])
    names = {rel(p, root): p for p in files}
    env = sorted((k, v) for k, v in os.environ.items() if k.startswith("TENSIX_") or k == "PYTHONHASHSEED")
    env = [(k, v) for k, v in env if k not in (RERUN_INTO, RERUN_MAP)]
    return PythonProgram(root, rel(Path(main_file), root), module, tuple(sorted(names.items())),
                         tuple(sorted(rel(r, root) for r in roots)), tuple(sys.argv[1:]), tuple(env))


def _excluded() -> tuple[str, ...]:
    """Directories whose modules are not the program's: the standard library, site-packages, tensix."""
    import tensix

    paths = sysconfig.get_paths()
    dirs = [paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths]
    dirs += [*site.getsitepackages(), site.getusersitepackages()]
    for name in ("tensix", "tensix.lang", "tensix.tools", "tensix.examples"):
        pkg = sys.modules.get(name) or (tensix if name == "tensix" else None)
        dirs += list(getattr(pkg, "__path__", []))
    return tuple(str(Path(d).resolve()) + os.sep for d in dirs if d)


def _user_modules() -> dict[str, Path]:
    excluded = _excluded()
    found = {}
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if name == "__main__" or not file or not file.endswith(".py"):
            continue
        path = Path(file).resolve()
        if not str(path).startswith(excluded) and path.is_file():
            found[name] = path
    return found


def _module_root(name: str, path: Path) -> Path | None:
    """The sys.path entry module `name` was found under (/x for a.b at /x/a/b.py or /x/a/b/__init__.py)."""
    parts = name.split(".")
    p = path.parent if path.name == "__init__.py" else path
    if p.stem != parts[-1] or len(p.parents) < len(parts):
        return None
    return p.parents[len(parts) - 1]


# ---- what ran ----


class ProgramLog:
    """What a Python program fed, ran and read back, run by run: inputs fed before a run belong to it, outputs
    read after it (until the next) too. Hashes are taken when they happen (later edits of an array do not count)."""

    def __init__(self):
        self.runs: list[dict] = []
        self.arrays: dict[str, np.ndarray] = {}  # inputs as fed, by "r<run>.<name>" (for inputs.npz)
        self._pending: dict[str, str] = {}
        self._io = 0

    def fed(self, name: str, data: np.ndarray) -> None:
        self._io += 1
        key = f"{self._io}:{name}"
        self._pending[key] = array_hash(data)
        self.arrays[f"r{len(self.runs) + 1}.{key}"] = np.array(data, copy=True)

    def read(self, name: str, data: np.ndarray) -> None:
        self._io += 1
        if not self.runs:
            self.runs.append(_entry("(before any program)", 0, "", {}))
        self.runs[-1]["outputs"][f"{self._io}:{name}"] = array_hash(data)

    def ran(self, title: str, cycles: int, trace: Trace) -> None:
        self.runs.append(_entry(title, cycles, trace_digest(trace, {}), self._pending))
        self._pending = {}


def _entry(title: str, cycles: int, trace: str, inputs: dict[str, str], outputs: dict | None = None) -> dict:
    return {"title": title, "cycles": cycles, "trace": trace, "inputs": dict(inputs), "outputs": outputs or {}}


def result_log(result) -> ProgramLog:
    """One native run (a RunResult) as a log: its inputs as fed, its outputs, cycles and trace."""
    log = ProgramLog()
    for name in sorted(result.inputs):
        log.fed(name, result.inputs[name])
    log.ran(result.trace.title or result.program.name, result.cycles, result.trace)
    if not result.timing_only:
        for name in sorted(result.outputs):
            log.read(name, result.outputs[name])
    return log


def record(program: PythonProgram | None, log: ProgramLog, device, timing: TimingModel, save: int | None) -> dict:
    """Everything run.json says about a Python program's run (see the module docstring)."""
    out = {"kind": "python", "device": plain(device), "timing": plain(timing), "environment": environment(),
           "save": save, "runs": log.runs}
    if program is None:
        return out | {"source": None, "python": None}
    return out | {"source": program.describe(), "python": program.launch()}


def write(out: Path, log: ProgramLog, run: dict, program: PythonProgram | None, artifacts) -> Path:
    """The run directory in place of `out` (whole or not at all): artifacts(dir) writes outputs, stats and trace."""
    def fill(d: Path) -> None:
        artifacts(d)
        if program is not None:
            program.copy_to(d / "source")
        np.savez(d / "inputs.npz", **log.arrays)
        write_record(d, run)

    return write_run_dir(out, fill)


def next_save() -> int:
    """The number of a new record in this process (its scratch name under `tensix rerun`: save-N)."""
    _SAVES[0] += 1
    return _SAVES[0]


def save_result(result, out: Path) -> Path:
    """RunResult.save: the run and the Python program that made it (under `tensix rerun`: into its scratch)."""
    n = next_save()
    program = this_program()
    log = result_log(result)
    run = record(program, log, result.stats.device, TimingModel(), n)
    return write(rerun_target(out, f"save-{n}"), log, run, program, result.write_files)
