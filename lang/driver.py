"""`tensix run FILE.tdf`: compile, make inputs and params, run on the emulator, save the run directory.

The run also evaluates the source graph with the numpy reference and records how far the device's
outputs are from it (`stats["reference"]`), so every run says whether it is right.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
from tensix.lang.compiler import Compiled, compile_file, with_source
from tensix.lang.errors import SourceError
from tensix.lang.ir import Graph
from tensix.lang.params import materialize
from tensix.lang.reference import evaluate

from tensix.errors import TensixError
from tensix.mesh import Mesh, RunResult
from tensix.zeroskip import ZeroSkip


def make_inputs(graph: Graph, seed: int) -> dict[str, np.ndarray]:
    """Random inputs: standard normal floats; int inputs in range of the embedding tables they index."""
    rng = np.random.default_rng(seed)
    users = graph.users()
    types = graph.types()
    out = {}
    for i in graph.inputs:
        if i.type.dtype == "int32":
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
            return {k: data[k] for k in data.files}
    except OSError as exc:
        raise TensixError(f"cannot read inputs '{path}': {exc}; give an .npz with one array per input") from None
    except ValueError:  # not a numpy file (np.load takes it for a pickle), or an array of Python objects
        raise TensixError(f"inputs '{path}' is not an .npz of numeric arrays; give one array per input") from None


def run_compiled(compiled: Compiled, inputs: dict[str, np.ndarray], params: dict[str, np.ndarray] | None = None,
                 mesh: Mesh | None = None) -> tuple[RunResult, dict[str, np.ndarray]]:
    """Run on the emulator; returns the result and the reference outputs (float32 numpy). A timing-only mesh
    needs no values: nothing is made, run through the reference or compared, and the outputs are None."""
    if mesh is not None and mesh.timing_only:
        return mesh.run(compiled.program), {}
    try:
        weights = materialize(compiled.graph, params)
        expected = evaluate(compiled.graph, inputs, weights)
    except SourceError as e:
        raise with_source(e, compiled.graph) from None
    result = (mesh or Mesh(compiled.device)).run(compiled.program, device_feed(compiled, inputs, weights))
    result.stats["reference"] = {
        name: {"max_abs_error": float(np.max(np.abs(result.outputs[name] - expected[name]))),
               "max_abs_reference": float(np.max(np.abs(expected[name])))}
        for name in expected
    }
    return result, expected


def device_feed(compiled: Compiled, inputs: dict[str, np.ndarray], weights: dict[str, np.ndarray]) -> dict:
    """Everything the Program's host-written buffers take: inputs (as float32), weights, compiler constants."""
    return {k: np.asarray(v, dtype=np.float32) for k, v in inputs.items()} | weights | compiled.constants


def run_file(path: str, device: str | None = None, inputs: str | None = None, seed: int = 0,
             out: str | None = None, skip_zeros: bool = True, zero_threshold: float = 0.0,
             fidelity: str | None = None, timing_only: bool = False) -> tuple[RunResult, Path]:
    """Compile and run a .tdf file (or run a .sched schedule: lang/schedfile.py); with a zero threshold also run it
    dense and record the error against that. `fidelity` overrides the program's default math fidelity.
    `timing_only`: cycles, trace and stats without data (zero skipping needs data: the run is dense)."""
    if timing_only:
        skip_zeros, zero_threshold = False, 0.0
    if str(path).endswith(".sched"):
        from tensix.lang.schedfile import compiled_schedule

        if fidelity is not None:
            raise TensixError(f"{path}: a schedule carries each step's math fidelity (fidelity=\"LoFi\" ...); edit it "
                              f"there, or run the .tdf with --fidelity")
        compiled = compiled_schedule(path, skip_zeros)
    else:
        compiled = compile_file(path, device, zero_skip=skip_zeros, fidelity=fidelity)
    feed = {} if timing_only else load_inputs(inputs, compiled.graph, seed)
    options = ZeroSkip(threshold=zero_threshold) if skip_zeros else None
    result, _ = run_compiled(compiled, feed, mesh=Mesh(compiled.device, zero_skip=options, timing_only=timing_only))
    if skip_zeros and zero_threshold > 0:
        dense, _ = run_compiled(compiled, feed, mesh=Mesh(compiled.device))
        result.stats["zero_skip"]["error_vs_dense"] = {
            name: float(np.max(np.abs(result.outputs[name] - dense.outputs[name]))) for name in dense.outputs}
    return result, result.save(out or Path("runs") / Path(path).stem)


DEFAULT_EXAMPLE = "05_multihead_attention.tdf"


def run_default(device: str | None = None, out: str | None = None, seed: int = 0, **options) -> tuple[RunResult, Path]:
    """The built-in default job: the multi-head attention example on the default device, saved to `out`
    (`options`: run_file's)."""
    example = resources.files("tensix.examples") / DEFAULT_EXAMPLE
    with resources.as_file(example) as path:
        return run_file(str(path), device=device, seed=seed, out=out or "runs/default", **options)
