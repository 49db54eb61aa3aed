"""A run directory's shared mechanics: written whole into a new directory that then replaces the old one, and the
content hashes and environment a record (run.json) holds, for `.tdf` runs (tensix.lang.rundir) and Python programs
(tensix.pyrecord) alike.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np

from tensix.compiled import ACTIVE as COMPILED
from tensix.errors import TensixError
from tensix.jsondoc import RunFileError
from tensix.trace import Trace
from tensix.trace_json import trace_json

RECORD = "run.json"
RUN_FILES = (RECORD, "stats.json")  # a directory holding one of these is a run that a new run may replace


def array_hash(a: np.ndarray) -> str:
    """sha256 of an array's dtype, shape and bytes: equal hashes mean bit-identical arrays."""
    a = np.ascontiguousarray(a)
    h = hashlib.sha256(f"{a.dtype.str}{list(a.shape)}".encode())
    h.update(a)  # its bytes, read in place (no copy), with the GIL released: hashing can run beside other work
    return h.hexdigest()


def hashes(arrays: dict[str, np.ndarray]) -> dict[str, str]:
    return {name: array_hash(arrays[name]) for name in sorted(arrays)}


def text_hash(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def trace_digest(trace: Trace, names: dict[str, str]) -> str:
    """sha256 of the trace as canonical JSON: every span and transfer, in order. Source positions in it name their
    file by `names` (path -> name relative to the recorded sources), so a copy of the sources elsewhere hashes the
    same."""
    return trace_text_digest(trace_json(trace, sort_keys=True), names)  # = json.dumps(to_dict(), sort_keys=True)


def trace_text_digest(text: str, names: dict[str, str]) -> str:
    """sha256 of a trace's JSON text with the source files its positions name renamed by `names` (as trace_digest):
    hashing the text a run directory's trace.json holds costs no second encoding of the trace."""
    for path, name in names.items():
        text = text.replace(json.dumps(path)[:-1] + ":", json.dumps(name)[:-1] + ":")
    return text_hash(text)


def environment() -> dict:
    """The software that ran: tensix's version and whether the compiled (Cython) core did."""
    return {"tensix_version": tensix_version(), "compiled_core": bool(COMPILED)}


@functools.cache
def tensix_version() -> str:
    """tensix's installed version (looking it up reads the installed packages' metadata: once per process)."""
    try:
        return metadata.version("tensix")
    except metadata.PackageNotFoundError:
        return "unknown"


def environment_notes(then: dict, now: dict) -> list[str]:
    """How the software that ran differs from the recorded one, in ways that need not change the results."""
    notes = []
    if now["tensix_version"] != then["tensix_version"]:
        notes.append(f"tensix {now['tensix_version']} now, {then['tensix_version']} recorded")
    if now["compiled_core"] != then["compiled_core"]:
        on = {True: "on", False: "off"}
        notes.append(f"compiled core {on[now['compiled_core']]} now, {on[then['compiled_core']]} recorded "
                     f"(results are the same either way)")
    return notes


def plain(obj) -> object:
    """A dataclass (device config, timing model) as JSON-able fields; values that JSON cannot hold as text."""
    if dataclasses.is_dataclass(obj):
        return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return repr(obj)


def read_record(d: Path) -> dict:
    """DIR/run.json, or a typed error saying why DIR cannot be rerun."""
    path = Path(d) / RECORD
    if not path.is_file():
        raise RunFileError(f"'{d}' holds no {RECORD}: it is not a run directory saved by `tensix run` or "
                          f"`RunResult.save` (this version or later), so it cannot be rerun")
    try:
        return json.loads(path.read_text())
    except ValueError as exc:
        raise RunFileError(f"'{path}' is not a readable run record: {exc}") from None


def write_record(d: Path, run: dict) -> None:
    """run.json, written last: a directory with a record is complete."""
    (d / RECORD).write_text(json.dumps(run, indent=1, sort_keys=True) + "\n")


# ---- writing a directory whole ----


def check_out(out: Path) -> None:
    """Refuse, before anything runs, a run directory that cannot be written or holds something other than a run."""
    out = Path(out)
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


def write_run_dir(out: Path, write: Callable[[Path], object]) -> Path:
    """Call write(new) on a new directory beside `out`, then put it in place of `out` (an older run there goes
    entirely). A failed write (a full disk) removes the new directory and leaves `out` as it was."""
    out = Path(out)
    check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fresh = out.parent / f".{out.name}.new-{os.getpid()}"
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        fresh.mkdir()
        write(fresh)
    except OSError as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        raise TensixError(f"could not save the run in '{out}': {exc.strerror or exc}; nothing there changed") from None
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    fresh.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    return out


def common_root(paths: list[Path]) -> Path:
    """The deepest directory holding every file of `paths` (the root a record names its files relative to)."""
    resolved = [Path(p).resolve().parent for p in paths]
    return Path(os.path.commonpath(resolved)) if resolved else Path(".")


def rel(path: Path, root: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), root)).as_posix()
