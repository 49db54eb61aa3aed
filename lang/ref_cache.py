"""The numpy reference's outputs, kept on disk: a run of a graph on inputs and params it ran on before reads them
instead of evaluating the graph again.

A GPT-2 block's reference costs 0.05 s of CPU (one BLAS thread, beside the emulator) per `tensix run`; reading its
outputs back, a millisecond. An entry is keyed by everything the evaluation reads: the graph (its pickled form: ops,
attributes, types, shapes), the content hashes of the inputs and params as run.json records them (the run takes
them anyway), tensix's version and the fingerprint of its code (lang/cache.py: an edited reference.py misses), the
Python and numpy versions and the machine (its CPU model: BLAS picks its kernels, and so its sums' order, by it).
Entries live in reference/ under the cache root (lang/cache.py), the most recently used up to MAX_BYTES in all;
TENSIX_COMPILE_CACHE=0 turns it off, as the other caches.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import platform
import sys
from concurrent.futures import Future
from pathlib import Path

import numpy as np

from tensix.files import write_atomically
from tensix.lang.cache import cache_root, code_fingerprint, enabled, prune_to_bytes
from tensix.lang.ir import Graph
from tensix.lang.reference import evaluate
from tensix.rundir import tensix_version

FORMAT = 1
MAX_BYTES = 1 << 28


def reference_outputs(graph: Graph, inputs: dict[str, np.ndarray], params: dict[str, np.ndarray], *,
                      hashed: Future | dict) -> dict[str, np.ndarray]:
    """evaluate(graph, inputs, params, stored=False) (params materialized), read from the cache when this graph ran
    on these inputs and params before, else evaluated and kept. `hashed`: {"inputs": ..., "params": ...}, the
    content hashes of `inputs` and `params` (tensix.rundir.hashes), or a Future of them."""
    if not enabled():
        return evaluate(graph, inputs, params, stored=False)
    hashed = hashed.result() if isinstance(hashed, Future) else hashed
    path = _entry(graph, hashed["inputs"], hashed["params"])
    if path is None:  # a graph that does not pickle: no key
        return evaluate(graph, inputs, params, stored=False)
    outputs = _load(path, graph)
    if outputs is None:
        outputs = evaluate(graph, inputs, params, stored=False)
        _store(path, outputs)
    return outputs


def _entry(graph: Graph, inputs: dict[str, str], params: dict[str, str]) -> Path | None:
    try:
        shape = hashlib.sha256(pickle.dumps(graph, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return None
    key = repr((FORMAT, tensix_version(), code_fingerprint(), sys.version, np.__version__, _machine(), shape,
                sorted(inputs.items()), sorted(params.items())))
    return cache_root() / "reference" / f"{hashlib.sha256(key.encode()).hexdigest()}.npz"


@functools.cache
def _machine() -> str:
    """The architecture and CPU model (BLAS chooses its kernels by the CPU)."""
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    return f"{platform.machine()} {platform.processor()} {model}"


def _load(path: Path, graph: Graph) -> dict[str, np.ndarray] | None:
    """The entry's outputs if it loads whole and holds every output of the graph; else None."""
    try:
        with np.load(path, allow_pickle=False) as data:
            outputs = {name: data[name] for name in data.files}
    except Exception:  # noqa: BLE001 (no entry, or one cut off or damaged: evaluate again)
        return None
    if sorted(outputs) != sorted(o.name for o in graph.outputs):
        return None
    os.utime(path)  # recently used: pruning keeps it
    return outputs


def _store(path: Path, outputs: dict[str, np.ndarray]) -> None:
    """Write the entry whole; a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, lambda f: np.savez(f, **outputs))
        prune_to_bytes(path.parent, "*.npz", MAX_BYTES)
    except (OSError, ValueError, TypeError):  # TypeError: an output named as np.savez's own argument ("file")
        pass
