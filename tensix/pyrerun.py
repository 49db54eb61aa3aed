"""`tensix rerun DIR` of a run a Python program made (run.json kind "python", tensix/pyrecord.py): start the
recorded copy of the program (DIR/source, never the original files) in a subprocess with its argv and TENSIX_*
environment, its saves redirected into a scratch directory, and compare that record with DIR's, run by run:
inputs as fed, outputs, cycles, trace.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

from tensix.jsondoc import RunFileError
from tensix.pyrecord import RERUN_INTO, RERUN_MAP
from tensix.rundir import RECORD, environment, environment_notes, read_record, text_hash


@dataclass(frozen=True, slots=True)
class PythonRerun:
    """The rerun's runs and what differs from the recorded ones (empty: bit-identical, run by run)."""

    runs: tuple[dict, ...]
    differences: tuple[str, ...]
    notes: tuple[str, ...]

    def render(self) -> str:
        if not self.differences:
            outputs = sum(len(r["outputs"]) for r in self.runs)
            cycles = ", ".join(f"{r['cycles']:,}" for r in self.runs)
            head = (f"identical: {len(self.runs)} run(s), {outputs} output(s) bit for bit, {cycles} cycles, "
                    f"the same trace(s)")
        else:
            head = "differs from the recorded run:\n" + "\n".join(f"  {d}" for d in self.differences)
        return "\n".join([head, *(f"  note: {n}" for n in self.notes)])


def rerun_python(run_dir: str | Path, run: dict | None = None) -> PythonRerun:
    """Run DIR's recorded Python program again and compare (see the module docstring)."""
    d = Path(run_dir)
    run = run or read_record(d)
    if run.get("source") is None:
        raise RunFileError(f"'{d / RECORD}' records a run saved from an interactive session (no program file), so "
                           f"it cannot be run again; save it from a script")
    edited = _check_sources(d, run["source"]["files"])
    with tempfile.TemporaryDirectory(prefix="tensix-rerun-") as scratch:
        proc, new = _start(d, run, Path(scratch))
    differences = [*edited, *_setup_differences(run, new), *_failure(proc, new, run)]
    if new is not None:
        differences += _run_differences(run["runs"], new["runs"])
    return PythonRerun(tuple(new["runs"]) if new else (), tuple(differences),
                       tuple(environment_notes(run["environment"], (new or {}).get("environment", environment()))))


def _check_sources(d: Path, files: dict[str, str]) -> list[str]:
    """A missing recorded file is an error (the program cannot run without it); an edited one is a difference."""
    edited = []
    for name, h in sorted(files.items()):
        path = d / "source" / name
        if not path.is_file():
            raise RunFileError(f"'{path}' is missing: the run record names it as part of the program (sha256 "
                               f"{h[:12]}...), and the program cannot run again without it; restore it or save the "
                               f"run again")
        if text_hash(path.read_bytes()) != h:
            edited.append(f"source '{name}': edited since the run was recorded (content hash)")
    return edited


def _start(d: Path, run: dict, scratch: Path) -> tuple[subprocess.CompletedProcess, dict | None]:
    """The recorded program, run from DIR/source in a scratch working directory; its record of the same save."""
    source, py = (d / "source").resolve(), run["python"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENSIX_") and k not in ("PYTHONPATH",
                                                                                              "PYTHONHASHSEED")}
    env |= py["env"] | {RERUN_INTO: str(scratch / "saves"), RERUN_MAP: json.dumps({run["source"]["dir"]: str(source)}),
                        "PYTHONDONTWRITEBYTECODE": "1",
                        "PYTHONPATH": os.pathsep.join(str(source / p) for p in py["paths"])}
    main = ["-m", py["module"]] if py["module"] else [str(source / run["source"]["main"])]
    (scratch / "cwd").mkdir()
    proc = subprocess.run([sys.executable, *main, *py["argv"]], cwd=scratch / "cwd", env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, errors="replace")
    record = scratch / "saves" / f"save-{run['save']}" / RECORD
    return proc, json.loads(record.read_text()) if record.is_file() else None


def _failure(proc: subprocess.CompletedProcess, new: dict | None, run: dict) -> list[str]:
    out = []
    if proc.returncode != 0:
        tail = [line for line in proc.stderr.strip().splitlines() if line.strip()][-3:]
        out.append(f"the program exited with status {proc.returncode}: " + " / ".join(tail))
    if new is None:
        out.append(f"the program made no record number {run['save']} (it saved fewer runs than when recorded)")
    return out


def _run_differences(old_runs: list[dict], new_runs: list[dict]) -> list[str]:
    out = []
    for i, (old, new) in enumerate(zip_longest(old_runs, new_runs), 1):
        if old is None or new is None:
            out.append(f"run {i}: {'new in the rerun' if old is None else 'recorded but not made again'}")
            continue
        where = f"run {i} ({old['title']})" if old["title"] else f"run {i}"
        out += _compare(where, "input", old["inputs"], new["inputs"], "differs from the one recorded (content hash)")
        out += _compare(where, "output", old["outputs"], new["outputs"], "not bit-identical")
        if new["cycles"] != old["cycles"]:
            out.append(f"{where} cycles: {new['cycles']:,} now, {old['cycles']:,} recorded")
        if new["trace"] != old["trace"]:
            out.append(f"{where} trace: its spans or transfers differ (content hash)")
    return out


def _compare(where: str, what: str, old: dict, new: dict, changed: str) -> list[str]:
    out = []
    for name in sorted(set(old) | set(new), key=lambda n: (int(n.split(":")[0]) if n[0].isdigit() else 0, n)):
        if name not in new or name not in old:
            out.append(f"{where} {what} '{name}': {'missing' if name not in new else 'new'}")
        elif new[name] != old[name]:
            out.append(f"{where} {what} '{name}': {changed}")
    return out


def _setup_differences(old: dict, new: dict | None) -> list[str]:
    """What may explain a difference: the device or timing model the program ran on changed (e.g. a preset's
    defaults in another tensix version)."""
    out = []
    for key, what in (("device", "device"), ("timing", "timing model")):
        if new is None or new[key] == old[key]:
            continue
        changed = sorted(k for k in set(old[key]) | set(new[key]) if old[key].get(k) != new[key].get(k))
        out.append(f"{what}: differs in {', '.join(changed)}")
    return out
