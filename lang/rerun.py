"""`tensix rerun DIR`: make a saved run again from its directory alone and say whether it came out bit-identical.

Input: a run directory written by `tensix run` (lang/rundir.py). Output: a `Rerun` listing every difference
(outputs, cycles, trace, and what may explain them: params, device, timing model, tensix version, compiled core).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from tensix.lang.compiler import Compiled, compile_file
from tensix.lang.driver import compile_any, params_of, run_flagged
from tensix.lang.ir import LoadSpec
from tensix.lang.rundir import RunFlags, array_hash, environment, hashes, output_hashes, plain, trace_hash
from tensix.lang.schedfile import check_schedule
from tensix.mesh import RunResult
from tensix.presets import resolve
from tensix.programs.stages import build
from tensix.pyrerun import PythonRerun, rerun_python
from tensix.rundir import environment_notes, read_record
from tensix.timing import TimingModel


@dataclass(frozen=True, slots=True)
class Rerun:
    """The new run and what differs from the recorded one (empty: bit-identical outputs, cycles and trace)."""

    result: RunResult
    differences: tuple[str, ...]
    notes: tuple[str, ...]  # differences of the environment that need not change the results

    def render(self) -> str:
        if not self.differences:
            outputs = ("timing only, no outputs" if self.result.timing_only
                       else f"{len(self.result.outputs)} output(s) bit for bit")
            head = f"identical: {outputs}, {self.result.cycles:,} cycles, the same trace"
        else:
            head = "differs from the recorded run:\n" + "\n".join(f"  {d}" for d in self.differences)
        return "\n".join([head, *(f"  note: {n}" for n in self.notes)])


def rerun(run_dir: str | Path) -> Rerun | PythonRerun:
    """Run DIR's program again from what DIR holds (source/, inputs.npz, params.npz or the weight files it names);
    a run a Python program saved reruns that program (tensix/pyrerun.py)."""
    d = Path(run_dir)
    run = read_record(d)
    if run.get("kind") == "python":
        return rerun_python(d, run)
    flags = RunFlags(**run["flags"])
    main = d / "source" / run["source"]["main"]
    compiled = _compile(main, run, flags)
    with np.load(d / "inputs.npz") as f:
        feed = {k: f[k] for k in f.files}
    params = {} if flags.timing_only else _params(d, run, compiled, flags.seed)  # a timing-only run made none
    result = run_flagged(compiled, feed, params, flags)
    result.trace.title = main.name  # titled as tensix run titles it: the trace hash covers the title
    sources = compiled.graph.meta.get("sources", {})
    # a schedule's steps name the source it was compiled from where it was (an absolute path in the .sched)
    originals = {str(Path(run["source"]["dir"]) / name): name for name in run["source"]["files"]}
    trace = trace_hash(result, sources, (d / "source").resolve(), also=originals, version=run.get("version", 1))
    differences = [*_setup_differences(run, compiled, feed, params), *_result_differences(run, result, trace)]
    return Rerun(result, tuple(differences), tuple(environment_notes(run["environment"], environment())))


def _compile(main: Path, run: dict, flags: RunFlags) -> Compiled:
    """The recorded program compiled again; a schedule over the copy of its source in DIR/source (never the original
    file, nor one of the same name in the working directory, which `tensix run FILE.sched` would look at first)."""
    skip_zeros = flags.skip_zeros
    if main.suffix != ".sched":
        return compile_any(main, run["device"]["name"], skip_zeros, flags.fidelity)
    schedule = check_schedule(str(main))
    source = Path(schedule.source)
    copies = main.parents[len(Path(run["source"]["main"]).parts) - 1]  # DIR/source
    source = copies / os.path.relpath(source, run["source"]["dir"]) if source.is_absolute() else main.parent / source
    compiled = compile_file(source, schedule.device, zero_skip=skip_zeros)
    return replace(compiled, program=build.program(schedule), schedule=schedule)


def _params(d: Path, run: dict, compiled, seed: int) -> dict[str, np.ndarray]:
    """The saved params, or (saved without them) the params read again from the files the source names, which
    live beside the original source, not the copy in DIR/source."""
    if run["params_saved"]:
        with np.load(d / "params.npz") as f:
            return params_of(compiled, {k: f[k] for k in f.files}, seed, stored=False)  # saved as materialized
    copy, original = str((d / "source").resolve()), run["source"]["dir"]
    graph = compiled.graph
    moved = tuple(replace(p, source=_moved(p.source, copy, original)) for p in graph.params)
    return params_of(replace(compiled, graph=replace(graph, params=moved)), seed=seed)


def _moved(source, copy: str, original: str):
    if isinstance(source, LoadSpec) and source.base_dir.startswith(copy):
        return replace(source, base_dir=original + source.base_dir[len(copy):])
    return source


def _setup_differences(run: dict, compiled, feed: dict, params: dict) -> list[str]:
    out = []
    if hashes(feed) != run["inputs"]:
        out.append("inputs: inputs.npz does not hold the inputs the run recorded")
    for name, h in run["params"].items():
        if name not in params:
            out.append(f"param '{name}': the source no longer declares it")
        elif array_hash(params[name]) != h:
            out.append(f"param '{name}': its values differ from the recorded run's (content hash)")
    device = plain(resolve(compiled.device))
    changed = sorted(k for k in set(device) | set(run["device"]) if device.get(k) != run["device"].get(k))
    if changed:
        out.append(f"device {run['device']['name']}: the preset differs in {', '.join(changed)}")
    timing = plain(TimingModel())
    changed = sorted(k for k in set(timing) | set(run["timing"]) if timing.get(k) != run["timing"].get(k))
    if changed:
        out.append(f"timing model: differs in {', '.join(changed)}")
    return out


def _result_differences(run: dict, result: RunResult, trace: str) -> list[str]:
    out = []
    now = output_hashes(result)
    for name in sorted(set(now) | set(run["outputs"])):
        if now.get(name) != run["outputs"].get(name):
            out.append(f"output '{name}': not bit-identical" if name in now and name in run["outputs"]
                       else f"output '{name}': {'new' if name in now else 'missing'}")
    if result.cycles != run["cycles"]:
        out.append(f"cycles: {result.cycles:,} now, {run['cycles']:,} recorded")
    if trace != run["trace"]:
        out.append("trace: its spans or transfers differ (content hash)")
    return out
