"""A run directory as a complete record of its run: what `tensix rerun DIR` needs to make the run again.

Beside the outputs, stats and trace (tensix.mesh.RunResult.save) it holds the inputs as fed (inputs.npz), the
source files (source/), the params (params.npz, unless not saved) and run.json: flags, device, timing model,
tensix version, whether the compiled core ran, and content hashes of inputs, params, outputs and the trace.
A run is saved whole or not at all: into a new directory beside the target that then replaces it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from tensix import COMPILED
from tensix.errors import TensixError
from tensix.mesh import RunResult
from tensix.trace_json import trace_json

RECORD = "run.json"
RUN_FILES = (RECORD, "stats.json")  # a directory holding one of these is a run that a new run may replace


@dataclass(frozen=True, slots=True)
class RunFlags:
    """How `tensix run` ran a program, besides its source, device and inputs."""

    seed: int = 0
    skip_zeros: bool = True
    zero_threshold: float = 0.0
    max_cycles: int | None = None
    inputs_file: str | None = None
    compare_dense: bool = False  # a dense run of the same plan was made too (it does not change this run's results)
    fidelity: str | None = None  # the program's default math fidelity, overriding its `fidelity` line
    timing_only: bool = False  # no data: no inputs, params or outputs (skip_zeros is then False)

    def __post_init__(self):
        if self.seed < 0:
            raise TensixError(f"seed must not be negative, got {self.seed}")
        if not math.isfinite(self.zero_threshold) or self.zero_threshold < 0:
            raise TensixError(f"zero_threshold must be a finite number >= 0, got {self.zero_threshold}")
        if self.max_cycles is not None and self.max_cycles < 1:
            raise TensixError(f"max_cycles must be at least 1, got {self.max_cycles}")
        if self.timing_only and self.skip_zeros:
            raise TensixError("a timing-only run has no data to skip zeros by; it runs with skip_zeros=False")


def array_hash(a: np.ndarray) -> str:
    """sha256 of an array's dtype, shape and bytes: equal hashes mean bit-identical arrays."""
    a = np.ascontiguousarray(a)
    h = hashlib.sha256(f"{a.dtype.str}{list(a.shape)}".encode())
    h.update(a.tobytes())
    return h.hexdigest()


def hashes(arrays: dict[str, np.ndarray]) -> dict[str, str]:
    return {name: array_hash(arrays[name]) for name in sorted(arrays)}


def output_hashes(result: RunResult) -> dict[str, str]:
    """The outputs' hashes; none for a timing-only run, which has no outputs (cycles and trace are its result)."""
    return {} if result.timing_only else hashes(result.outputs)


def trace_hash(result: RunResult, sources: dict[str, str], root: Path, also: dict[str, str] | None = None) -> str:
    """sha256 of the trace as canonical JSON: every span and transfer, in order. Source positions in it name their
    file relative to `root` (the directory of the sources), so a copy of the sources elsewhere hashes the same;
    `also` maps more paths to the names they hash as (a schedule's positions name the original source)."""
    text = trace_json(result.trace, sort_keys=True)  # = json.dumps(to_dict(), sort_keys=True, compact), faster
    names = {path: _rel(Path(path), root) for path in sources} | (also or {})
    for path, name in names.items():
        text = text.replace(json.dumps(path)[:-1] + ":", json.dumps(name)[:-1] + ":")
    return hashlib.sha256(text.encode()).hexdigest()


def environment() -> dict:
    """The software that ran: tensix's version and whether the compiled (Cython) core did."""
    try:
        version = metadata.version("tensix")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {"tensix_version": version, "compiled_core": bool(COMPILED)}


def plain(obj) -> object:
    """A dataclass (device config, timing model) as JSON-able fields; values that JSON cannot hold as text."""
    if dataclasses.is_dataclass(obj):
        return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return repr(obj)


def record(result: RunResult, *, source: Path, sources: dict[str, str], device, timing, flags: RunFlags,
           inputs: dict[str, np.ndarray], params: dict[str, np.ndarray], save_params: bool) -> dict:
    """Everything run.json says about a run (see the module docstring)."""
    root = _common_root([Path(p) for p in sources])
    return {
        "source": {"main": _rel(source, root), "dir": str(root.resolve()),
                   "files": {_rel(Path(p), root): hashlib.sha256(t.encode()).hexdigest() for p, t in sources.items()}},
        "flags": dataclasses.asdict(flags),
        "device": plain(device),
        "timing": plain(timing),
        "environment": environment(),
        "inputs": hashes(inputs),
        "params": hashes(params),
        "params_saved": save_params,
        "outputs": output_hashes(result),
        "cycles": result.cycles,
        "trace": trace_hash(result, sources, root),
    }


def _common_root(paths: list[Path]) -> Path:
    resolved = [p.resolve().parent for p in paths]
    return Path(os.path.commonpath(resolved)) if resolved else Path(".")


def _rel(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path.resolve(), root)).as_posix()


# ---- writing ----


def check_out(out: Path) -> None:
    """Refuse, before anything runs, a run directory that cannot be written or holds something other than a run."""
    if out.exists():
        if not out.is_dir():
            raise TensixError(f"cannot save the run in '{out}': it is a file, not a directory; choose another --out")
        if any(out.iterdir()) and not any((out / name).is_file() for name in RUN_FILES):
            raise TensixError(f"cannot save the run in '{out}': it holds files that are not a tensix run, which "
                              f"saving would replace; choose an empty or new directory")
    parent = next((p for p in out.absolute().parents if p.exists()), None)
    if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        where = parent if parent is not None else out
        raise TensixError(f"cannot save the run in '{out}': '{where}' is not a directory this user can write; "
                          f"choose another --out")


def save_run(result: RunResult, out: Path, run: dict, *, sources: dict[str, str], inputs: dict[str, np.ndarray],
             params: dict[str, np.ndarray]) -> Path:
    """Write the whole run into a new directory beside `out`, then put it in place of `out` (an older run there
    goes entirely). A failed write (a full disk) removes the new directory and leaves `out` as it was."""
    check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fresh = out.parent / f".{out.name}.new-{os.getpid()}"
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        result.save(fresh)
        _write_record(fresh, run, sources, inputs, params)
    except OSError as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        raise TensixError(f"could not save the run in '{out}': {exc.strerror or exc}; nothing there changed") from None
    _replace(out, fresh)
    return out


def _write_record(d: Path, run: dict, sources: dict[str, str], inputs: dict, params: dict) -> None:
    root = Path(run["source"]["dir"])
    for path, text in sources.items():
        target = d / "source" / _rel(Path(path), root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    np.savez(d / "inputs.npz", **inputs)
    if run["params_saved"]:
        np.savez(d / "params.npz", **params)
    (d / RECORD).write_text(json.dumps(run, indent=1, sort_keys=True) + "\n")  # last: a record means complete


def _replace(out: Path, fresh: Path) -> None:
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    fresh.rename(out)
    shutil.rmtree(old, ignore_errors=True)
