"""`tensix run FILE.tdf`: compile, make inputs and params, run on the emulator, save the run directory.

The run also evaluates the source graph with the numpy reference (or reads its outputs from the reference cache,
lang/ref_cache.py) and records how far the device's outputs are from it (`Stats.reference`), so every run says
whether it is right (`check=False`, the CLI's `--no-check`, skips that). A whole run keeps Python's cyclic
collector paused: it builds hundreds of thousands of long-lived objects (the trace, its JSON) that the collector
would walk again and again.
"""

from __future__ import annotations

import functools
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from importlib import resources
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from tensix.collector import paused
from tensix.errors import TensixError
from tensix.lang.cache import compile_cached, program_json
from tensix.lang.compiler import Compiled, check_file, compile_graph, with_source
from tensix.lang.errors import SourceError
from tensix.lang.ir import Graph
from tensix.lang.param_cache import DeviceImages, random_params
from tensix.lang.params import materialize
from tensix.lang.ref_cache import reference_outputs
from tensix.lang.reference import evaluate
from tensix.lang.rundir import (
    RunFlags,
    check_out,
    discard_staged,
    feed_hashes,
    output_hashes,
    record,
    save_run,
    stage_arrays,
    trace_text_hash,
)
from tensix.mesh import Mesh, RunResult
from tensix.presets import parse_grid, resolve, with_grid
from tensix.stats import OutputError
from tensix.timing import TimingModel
from tensix.trace_json import trace_json
from tensix.zeroskip import ZeroSkip


def make_inputs(graph: Graph, seed: int) -> dict[str, np.ndarray]:
    """Random inputs: standard normal floats; int inputs in range of the embedding tables they index; state
    zero (as a fresh Mesh holds it)."""
    if seed < 0:
        raise TensixError(f"seed must not be negative, got {seed}")
    rng = np.random.default_rng(seed)
    users = graph.users()
    types = graph.types()
    state = graph.meta.get("state", {})
    out = {}
    for i in graph.inputs:
        if i.name in state:
            out[i.name] = np.zeros(i.type.shape, np.float32)
        elif i.type.dtype == "int32":
            tables = [types[n.inputs[1]].shape[0] for n in users.get(i.name, []) if n.op == "embedding"]
            high = min(tables) if tables else i.type.shape[-1]
            out[i.name] = rng.integers(0, high, size=i.type.shape).astype(np.int32)
        else:
            out[i.name] = rng.standard_normal(i.type.shape).astype(np.float32)
    return out


def load_inputs(path: str | None, graph: Graph, seed: int) -> dict[str, np.ndarray]:
    if path is None:
        return make_inputs(graph, seed)
    try:
        data = np.load(path)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise TensixError(f"inputs '{path}' hold one unnamed array; give an .npz with one array per input")
        with data:
            arrays = {k: data[k] for k in data.files}
    except OSError as exc:
        raise TensixError(f"cannot read inputs '{path}': {exc}; give an .npz with one array per input") from None
    except ValueError:  # not a numpy file (np.load takes it for a pickle), or an array of Python objects
        raise TensixError(f"inputs '{path}' is not an .npz of numeric arrays; give one array per input") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:  # a damaged (cut off) archive
        raise TensixError(f"inputs '{path}' is a damaged .npz ({exc}); save it again with numpy.savez") from None
    for name, a in arrays.items():
        if a.dtype.kind not in "biuf":
            raise TensixError(f"input '{name}' in '{path}' holds {a.dtype} values; inputs are real numbers")
    return arrays


def run_compiled(compiled: Compiled, inputs: dict[str, np.ndarray], params: dict[str, np.ndarray] | None = None,
                 mesh: Mesh | None = None, seed: int = 0, *, check: bool = True,
                 expected: dict[str, np.ndarray] | None = None, stored: bool = True,
                 reference: Callable[[Graph, dict, dict], dict[str, np.ndarray]] | None = None
                 ) -> tuple[RunResult, dict[str, np.ndarray]]:
    """Run on the emulator; returns the result and the reference outputs (float32 numpy; empty without `check`,
    and the stats then have no `reference`). `seed`: for the params declared `random(...)` without a seed.

    The reference is evaluated in a second thread while the emulator runs (numpy's BLAS releases the GIL, the
    emulator is Python): it costs little of the run's wall time. Meanwhile BLAS runs one thread: its worker
    threads would compete with the emulator for the cores (on a busy two-core machine they made the reference take
    four times as long and slowed the emulator beside it by a third). `expected`: the reference outputs of these
    inputs and params when already known (a second run of the same feed), so it is evaluated once per input.
    A timing-only mesh needs no values: nothing is made, run through the reference or compared
    (`Stats.reference` stays None), and the outputs are None. `stored`: `params` are as a checkpoint stores them
    (params.materialize's `stored`); False: already materialized (a `@transposed` param is not swapped again).
    `reference(graph, inputs, params)`: the reference outputs in place of evaluating them (`tensix run`'s reads
    them from the reference cache, lang/ref_cache.py, when the same graph ran on the same values before)."""
    if mesh is not None and mesh.timing_only:
        return mesh.run(compiled.program), {}
    try:
        weights = materialize(compiled.graph, params, seed, stored=stored)
    except SourceError as e:
        raise with_source(e, compiled.graph) from None
    evaluating = check and expected is None
    with threadpool_limits(1, user_api="blas") if evaluating else nullcontext(), ThreadPoolExecutor(1) as pool:
        pending = pool.submit(reference or _evaluate, compiled.graph, inputs, weights) if evaluating else None
        try:
            mesh = mesh or Mesh(compiled.device, keep_images=False)  # run once: no copy of the weights kept
            result = mesh.run(compiled.program, device_feed(compiled, inputs, weights))
        except TensixError:
            _reference(compiled, pending)  # bad inputs: the reference's error points at the source
            raise
        expected = _reference(compiled, pending) or expected
    if not check:
        return result, {}
    reference = tuple(reference_error(name, result.outputs[name], expected[name])
                      for name in expected if name in result.outputs)  # a state's update stays on the device
    return replace(result, stats=replace(result.stats, reference=reference)), expected


def reference_error(name: str, out: np.ndarray, expected: np.ndarray) -> OutputError:
    """How far an output is from the reference. Non-finite values (NaN, inf) are never averaged away: a place
    where the two differ in them counts in `nonfinite_mismatches`, and `max_abs_error` covers the finite rest."""
    out, expected = np.asarray(out, np.float64), np.asarray(expected, np.float64)
    finite = np.isfinite(out) & np.isfinite(expected)
    same = (out == expected) | (np.isnan(out) & np.isnan(expected))
    reference = np.abs(expected[np.isfinite(expected)])
    with np.errstate(invalid="ignore"):  # inf - inf: such places are counted apart
        diff = np.abs(out - expected)
    return OutputError(name, float(np.max(diff, where=finite, initial=0.0)),
                       float(reference.max()) if reference.size else 0.0, int(np.count_nonzero(~finite & ~same)))


def _evaluate(graph: Graph, inputs: dict[str, np.ndarray], weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return evaluate(graph, inputs, weights, stored=False)


def _reference(compiled: Compiled, pending: Future | None) -> dict[str, np.ndarray] | None:
    """The reference outputs evaluated in the background (None if none was), its errors with their source line."""
    try:
        return pending.result() if pending is not None else None
    except SourceError as e:
        raise with_source(e, compiled.graph) from None


def device_feed(compiled: Compiled, inputs: dict[str, np.ndarray], weights: dict[str, np.ndarray]) -> dict:
    """Everything the Program's host-written buffers take: inputs (as float32), weights, compiler constants.
    State is not among them: it lives on the device (the reference takes its values as inputs)."""
    state = compiled.graph.meta.get("state", {})
    return ({k: np.asarray(v, dtype=np.float32) for k, v in inputs.items() if k not in state} | weights
            | compiled.constants)


def run_file(path: str, device: str | None = None, inputs: str | None = None, seed: int = 0,
             out: str | None = None, skip_zeros: bool = True, zero_threshold: float = 0.0,
             compare_dense: bool = False, max_cycles: int | None = None, save_params: bool = True,
             check: bool = True, fidelity: str | None = None, timing_only: bool = False,
             grid: str | None = None) -> tuple[RunResult, Path]:
    """Compile and run a .tdf file (or run a .sched schedule: lang/schedfile.py) and save its run directory
    (lang/rundir.py: a record `tensix rerun` repeats). With `compare_dense` (or a zero threshold) also run the same
    compiled plan with skipping off: the skipping run's stats then hold it as the baseline of its savings, and the
    outputs' error against it. `check=False` (`--no-check`): no numpy reference, no `reference` in the stats.
    `fidelity` overrides the program's default math fidelity. `timing_only`: cycles, trace and stats without data:
    no inputs or params are made and there are no outputs; zero skipping needs data, so the run is dense.
    `grid` ('WxH'): run on the device's harvesting variant with that compute grid (presets.with_grid)."""
    if timing_only:
        if compare_dense or zero_threshold > 0:
            raise TensixError("--compare-dense and --zero-threshold measure zero skipping, which needs data; a "
                              "timing-only run has none: drop one of them or --timing-only")
        skip_zeros = False
    if compare_dense and not skip_zeros:
        raise TensixError("--compare-dense measures zero skipping against a dense run, but skipping is off "
                          "(--no-skip-zeros); drop one of the two")
    out_dir = Path(out or Path("runs") / Path(path).stem)
    check_out(out_dir)  # before the run: a run is not to be lost to a directory that cannot take it
    flags = RunFlags(seed, skip_zeros, zero_threshold, max_cycles, inputs, compare_dense, fidelity, timing_only)
    with paused():  # the run builds many long-lived objects that the cyclic collector would walk again and again
        compiled = compile_any(path, device, skip_zeros, fidelity, grid)
        feed = {} if timing_only else load_inputs(inputs, compiled.graph, seed)
        known: dict[str, str] = {}  # the hashes of the params the param cache kept
        weights = {} if timing_only else params_of(compiled, seed=seed, hashed=known)
        with _discarding_staged(out_dir), ThreadPoolExecutor(1) as pool:  # while the emulator runs: the arrays
            fed = pool.submit(feed_hashes, feed, weights, known)  # hashed (for the record and the reference cache),
            staged = pool.submit(stage_arrays, out_dir, feed, weights, fed, save_params)  # their files written
            result = run_flagged(compiled, feed, weights, flags, check=check,
                                 reference=functools.partial(reference_outputs, hashed=fed), hashed=known)
            if skip_zeros and (compare_dense or zero_threshold > 0):
                dense = run_flagged(compiled, feed, weights, replace(flags, skip_zeros=False), check=False,
                                    hashed=known)  # its outputs
                result = result.with_dense(dense)
            result.trace.title = Path(path).name  # the pictures are titled by the file, not the graph's name
            sources = dict(compiled.graph.meta.get("sources", {}))
            if str(path).endswith(".sched"):  # the schedule run is part of the record, beside the source it names
                sources[str(path)] = Path(path).read_text()
            text = trace_json(result.trace)  # encoded once: trace.json holds it and the record hashes it (the hash
            digest = pool.submit(trace_text_hash, text, sources)  # taken while the run directory is written)
            run = record(result, source=Path(path), sources=sources, device=compiled.device, timing=TimingModel(),
                         flags=flags, inputs=feed, params=weights, save_params=save_params, trace_text=text,
                         hashed=fed.result() | {"outputs": output_hashes(result)}, trace=digest)
            return result, save_run(result, out_dir, run, sources=sources, inputs=feed, params=weights,
                                    trace_text=text, program_text=program_json(compiled.program), staged=staged)


@contextmanager
def _discarding_staged(out: Path):
    """Remove the arrays staged for `out` (lang/rundir.stage_arrays) that a failed run leaves (entered before the
    thread pool writing them, so left after it finished)."""
    try:
        yield
    finally:
        discard_staged(out)


def compile_any(path: str | Path, device: str | None, skip_zeros: bool, fidelity: str | None = None,
                grid: str | None = None) -> Compiled:
    """A .tdf file compiled (`fidelity`: the program's default math fidelity, as compile_file's; `grid`: on the
    device's harvesting variant with that compute grid; loaded from the compile cache, lang/cache.py, when compiled
    before on the preset's own grid), or a .sched file checked and built over the .tdf it names."""
    if str(path).endswith(".sched"):
        from tensix.lang.schedfile import compiled_schedule

        if fidelity is not None:
            raise TensixError(f"{path}: a schedule carries each step's math fidelity (fidelity=\"LoFi\" ...); edit it "
                              f"there, or run the .tdf with --fidelity")
        if grid is not None:
            raise TensixError(f"{path}: a schedule names its device and every core; run the .tdf with --grid")
        return compiled_schedule(str(path), skip_zeros)
    if grid is None:
        return compile_cached(path, device, zero_skip=skip_zeros, fidelity=fidelity)
    graph = check_file(path)
    cfg = resolve(device if device is not None else graph.device)
    return compile_graph(graph, with_grid(cfg, *parse_grid(grid, f"--grid {grid}")), zero_skip=skip_zeros,
                         fidelity=fidelity)


def params_of(compiled: Compiled, supplied: dict[str, np.ndarray] | None = None, seed: int = 0, *,
              stored: bool = True, hashed: dict[str, str] | None = None) -> dict[str, np.ndarray]:
    """The values of every param of the program (errors shown at their line in the source); `seed` for the params
    declared `random(...)` without a seed; `stored` as in params.materialize. Without `supplied`, large random
    params come from the param cache (lang/param_cache.py), bit for bit what drawing them gives, and `hashed` is
    filled with the content hashes the cache keeps of them (tensix.rundir.array_hash of the values returned)."""
    try:
        if supplied is None:
            kept: dict[str, str] = {}
            cached = random_params(compiled.graph, seed, kept)
            weights = materialize(compiled.graph, cached, seed, stored=False)
            if hashed is not None:  # those materialize passed on as they are (it converts nothing here)
                hashed.update({k: v for k, v in kept.items() if weights[k] is cached[k]})
            return weights
        return materialize(compiled.graph, supplied, seed, stored=stored)
    except SourceError as e:
        raise with_source(e, compiled.graph) from None


def run_flagged(compiled: Compiled, feed: dict[str, np.ndarray], weights: dict[str, np.ndarray],
                flags: RunFlags, check: bool = True, reference: Callable | None = None,
                hashed: dict[str, str] | None = None) -> RunResult:
    """One run as `tensix run` makes it with these flags (zero skipping, threshold, cycle limit, timing only);
    `check`: with the numpy reference's errors in its stats. `weights`: the params materialized (params_of).
    `reference`: as run_compiled's. `hashed`: the content hashes of weights the param cache kept (params_of's): their
    device images come from its disk cache (lang/param_cache.DeviceImages) where encoded before."""
    options = ZeroSkip(threshold=flags.zero_threshold) if flags.skip_zeros else None
    limits = {} if flags.max_cycles is None else {"max_cycles": flags.max_cycles}
    store = DeviceImages(weights, hashed) if hashed else None
    mesh = Mesh(compiled.device, zero_skip=options, timing_only=flags.timing_only, keep_images=False,
                page_store=store, **limits)
    return run_compiled(compiled, feed, weights, mesh=mesh, seed=flags.seed, check=check, stored=False,
                        reference=reference)[0]


DEFAULT_EXAMPLE = "05_multihead_attention.tdf"


def run_default(out: str | None = None, **options) -> tuple[RunResult, Path]:
    """The built-in default job: the multi-head attention example (on the default device unless `device` is
    given), saved to `out`; `options` as run_file's."""
    example = resources.files("tensix.examples") / DEFAULT_EXAMPLE
    with resources.as_file(example) as path:
        return run_file(str(path), out=out or "runs/default", **options)
