"""A run directory as a complete record of its run: what `tensix rerun DIR` needs to make the run again.

Beside the outputs, stats and trace (tensix.mesh.RunResult.save) it holds the inputs as fed (inputs.npz), the
source files (source/), the params (params.npz, unless not saved) and run.json: flags, device, timing model,
tensix version, whether the compiled core ran, and content hashes of inputs, params, outputs and the trace.
A run is saved whole or not at all: into a new directory beside the target that then replaces it.

run.json's "version" says how its trace hash was taken: 2 hashes the text trace.json holds (the trace is encoded
once per run); a record without a version (1) hashed the trace's key-sorted JSON, and rerun still checks it so.
"""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tensix.errors import TensixError
from tensix.lang.param_cache import write_params_file
from tensix.mesh import RunResult
from tensix.rundir import (  # noqa: F401 (RECORD, check_out, array_hash: re-exported for the driver and rerun)
    RECORD,
    array_hash,
    check_out,
    common_root,
    environment,
    hashes,
    plain,
    rel,
    text_hash,
    trace_digest,
    trace_text_digest,
    write_record,
    write_run_dir,
)
from tensix.trace_json import trace_json

RECORD_VERSION = 2  # run.json's format: see the module docstring


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


def output_hashes(result: RunResult) -> dict[str, str]:
    """The outputs' hashes; none for a timing-only run, which has no outputs (cycles and trace are its result)."""
    return {} if result.timing_only else hashes(result.outputs)


def trace_hash(result: RunResult, sources: dict[str, str], root: Path, also: dict[str, str] | None = None, *,
               text: str | None = None, version: int = RECORD_VERSION) -> str:
    """The trace's content hash with source positions relative to `root` (the directory of the sources), so a copy
    of the sources elsewhere hashes the same; `also` maps more paths to the names they hash as (a schedule's
    positions name the original source). `text`: trace_json(result.trace), when already encoded (for trace.json);
    `version`: the record format whose hash to take (1: of the key-sorted JSON)."""
    names = _names(sources, root) | (also or {})
    if version < 2:
        return trace_digest(result.trace, names)
    return trace_text_digest(trace_json(result.trace) if text is None else text, names)


def feed_hashes(inputs: dict[str, np.ndarray], params: dict[str, np.ndarray],
                known: dict[str, str] | None = None) -> dict:
    """The hashes of the run's inputs and params, as run.json holds them (hashing releases the GIL: the driver takes
    them in a second thread while the emulator runs, for the record and the reference cache's key). `known`: the
    hashes of params already known (the param cache keeps its entries'), not taken again."""
    known = known or {}
    return {"inputs": hashes(inputs), "params": {name: known.get(name) or array_hash(params[name])
                                                 for name in sorted(params)}}


def content_hashes(result: RunResult, inputs: dict[str, np.ndarray], params: dict[str, np.ndarray]) -> dict:
    """The hashes of the run's inputs, params and outputs, as run.json holds them."""
    return feed_hashes(inputs, params) | {"outputs": output_hashes(result)}


def record(result: RunResult, *, source: Path, sources: dict[str, str], device, timing, flags: RunFlags,
           inputs: dict[str, np.ndarray], params: dict[str, np.ndarray], save_params: bool,
           trace_text: str | None = None, hashed: dict | None = None, trace: Future | None = None) -> dict:
    """Everything run.json says about a run (see the module docstring); `trace_text`: the trace's JSON as
    trace.json will hold it, when already encoded; `hashed`: content_hashes(result, inputs, params) if taken.
    `trace`: a Future of trace_text_hash(trace_text, sources), being taken beside other work: the record holds it
    until save_run writes the record."""
    root = common_root([Path(p) for p in sources])
    hashed = content_hashes(result, inputs, params) if hashed is None else hashed
    return {
        "version": RECORD_VERSION,
        "kind": "tdf",
        "source": {"main": rel(source, root), "dir": str(root.resolve()),
                   "files": {rel(Path(p), root): text_hash(t) for p, t in sources.items()}},
        "flags": dataclasses.asdict(flags),
        "device": plain(device),
        "timing": plain(timing),
        "environment": environment(),
        "inputs": hashed["inputs"],
        "params": hashed["params"],
        "params_saved": save_params,
        "outputs": hashed["outputs"],
        "cycles": result.cycles,
        "trace": trace if trace is not None else trace_hash(result, sources, root, text=trace_text),
    }


def trace_text_hash(text: str, sources: dict[str, str]) -> str:
    """trace_hash of a run whose trace's JSON is `text` (the record's version), from the text alone: hashing
    releases the GIL, so the driver takes it in a second thread while the run directory is written."""
    return trace_text_digest(text, _names(sources, common_root([Path(p) for p in sources])))


def _names(sources: dict[str, str], root: Path) -> dict[str, str]:
    return {path: rel(Path(path), root) for path in sources}


# ---- writing ----


def save_run(result: RunResult, out: Path, run: dict, *, sources: dict[str, str], inputs: dict[str, np.ndarray],
             params: dict[str, np.ndarray], trace_text: str | None = None, program_text: str | None = None,
             staged: Future | None = None) -> Path:
    """Write the whole run in place of `out` (tensix.rundir.write_run_dir: an older run there goes entirely, a
    failed write leaves it as it was); `trace_text` as for record, `program_text`: the program's JSON if known.
    `staged`: a Future of stage_arrays(out, ...) for these inputs and params, whose files are moved in."""
    def write(d: Path) -> None:
        with ThreadPoolExecutor(1) as pool:  # the arrays' files beside the others: writing mostly releases the GIL
            arrays = pool.submit(_write_arrays, d, run, inputs, params) if staged is None else None
            result.write_files(d, trace_text, program_text, fresh=True)
            _write_sources(d, run, sources)
            if arrays is not None:
                arrays.result()  # its error, if any, raised here
        if staged is not None:
            _move_in(staged.result(), d)
        done = {k: v.result() if isinstance(v, Future) else v for k, v in run.items()}  # record's `trace`, if taken
        write_record(d, done)  # last: a directory with a record is complete

    return write_run_dir(out, write)


def stage_arrays(out: Path, inputs: dict[str, np.ndarray], params: dict[str, np.ndarray], hashed: Future | dict,
                 save_params: bool) -> Path:
    """inputs.npz and params.npz as save_run writes them, into a new directory beside `out` (`hashed`: feed_hashes of
    the inputs and params, or a Future of them), for save_run to move in: the driver writes them while the emulator
    runs (copying a GPT-2 block's 28 MB params.npz took 20 ms after the run). discard_staged removes what a run
    that was not saved left."""
    d = _staging(out)
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    hashes = hashed.result() if isinstance(hashed, Future) else hashed
    _write_arrays(d, {"params_saved": save_params, "params": hashes["params"]}, inputs, params)
    return d


def discard_staged(out: Path) -> None:
    """Remove stage_arrays' directory for `out` if still there (the run failed before save_run moved its files)."""
    shutil.rmtree(_staging(out), ignore_errors=True)


def _staging(out: Path) -> Path:
    out = Path(out)
    return out.parent / f".{out.name}.arrays-{os.getpid()}"


def _move_in(staged: Path, d: Path) -> None:
    for f in staged.iterdir():
        f.replace(d / f.name)
    staged.rmdir()


def _write_sources(d: Path, run: dict, sources: dict[str, str]) -> None:
    root = Path(run["source"]["dir"])
    for path, text in sources.items():
        target = d / "source" / rel(Path(path), root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def _write_arrays(d: Path, run: dict, inputs: dict, params: dict) -> None:
    np.savez(d / "inputs.npz", **inputs)
    if run["params_saved"]:  # copied from an earlier run's where that saved the same params
        write_params_file(d / "params.npz", params, run["params"])
