"""The numpy reference's outputs kept in the run directory (reference.npz), under the key of what they were evaluated
from: the next `tensix run` of the same program on the same inputs and params into the same directory reads them
instead of evaluating the whole graph again (for a GPT-2 block that evaluation cost about a third of the run's CPU).

The key hashes everything the outputs depend on: the graph (its inputs, params, nodes and outputs as they are), the
input and param values, the reference evaluator's own source and the numpy version. A file that is missing,
damaged or of another key is evaluated again, and replaced when the run is saved.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from pathlib import Path

import numpy as np

from tensix.lang import reference
from tensix.lang.ir import Graph

FILE = "reference.npz"
_KEY = "__key__"  # the array holding the key (no output is named so: names are identifiers)


def reference_key(graph: Graph, inputs: dict[str, np.ndarray], params: dict[str, np.ndarray]) -> str:
    """sha256 of what the reference outputs of `graph` on these inputs and params depend on."""
    h = hashlib.sha256()
    h.update(Path(reference.__file__).read_bytes())
    h.update(np.__version__.encode())
    h.update(repr((graph.inputs, graph.params, graph.nodes, graph.outputs, graph.meta.get("state"))).encode())
    for group in (inputs, params):
        h.update(b"\0")
        for name in sorted(group):
            a = np.ascontiguousarray(group[name])
            h.update(f"{name}:{a.dtype.str}:{a.shape}".encode())
            h.update(a.tobytes())
    return h.hexdigest()


def load_reference(run_dir: Path, key: str) -> dict[str, np.ndarray] | None:
    """The reference outputs saved in run_dir under `key`, or None (none there, another key, or unreadable)."""
    try:
        with np.load(Path(run_dir) / FILE, allow_pickle=False) as data:
            if _KEY not in data.files or str(data[_KEY]) != key:
                return None
            return {name: data[name] for name in data.files if name != _KEY}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error):
        return None


def save_reference(run_dir: Path, key: str, outputs: dict[str, np.ndarray]) -> None:
    """Write the reference outputs of `key` into run_dir (for the next run into it)."""
    np.savez(Path(run_dir) / FILE, **{_KEY: np.array(key)}, **outputs)
