"""The values of large `random(...)` params, kept on disk: a run reads them instead of drawing them again.

Drawing a GPT-2 block's seven million normal values cost 0.1-0.2 s of CPU per `tensix run`, reading them back
a tenth of that (its 768x768 attention output weight alone: 10-24 ms drawn, 1 ms read). The values are a function
of the param's name, seed, mean, std, shape and dtype and of numpy's generator (its version is in the key), so an
entry holds exactly what params.random_values gives. Only params of at least MIN_VALUES values are kept; entries
live in params/ under the cache root (lang/cache.py), the most recently used up to MAX_BYTES in all.
TENSIX_COMPILE_CACHE=0 turns it off, as the compile cache.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace

import numpy as np

from tensix.files import write_atomically
from tensix.lang.cache import cache_root, enabled, prune_to_bytes
from tensix.lang.ir import Graph, Param, RandomSpec
from tensix.lang.params import numpy_dtype, random_values

FORMAT = 1
MIN_VALUES = 1 << 15  # smaller params draw about as fast as a file opens (64K values: 3 ms drawn, 0.4 ms read)
MAX_BYTES = 1 << 30


def random_params(graph: Graph, seed: int) -> dict[str, np.ndarray]:
    """The values of the graph's large random(...) params (`seed` for those without one of their own), as
    params.materialize makes them; from the cache where they are in it, drawn and kept where not. Empty when off."""
    if not enabled():
        return {}
    big = [p for p in graph.params if isinstance(p.source, RandomSpec) and _size(p) >= MIN_VALUES]
    out = {p.name: _values(p, seed) for p in big}
    if big:
        prune_to_bytes(cache_root() / "params", "*.npy", MAX_BYTES)
    return out


def _size(p: Param) -> int:
    return int(np.prod(p.type.shape, dtype=np.int64))


def _values(p: Param, seed: int) -> np.ndarray:
    spec = p.source if p.source.seed is not None else replace(p.source, seed=seed)
    dtype = numpy_dtype(p.type.dtype)
    key = repr((FORMAT, np.__version__, p.name, spec.seed, float(spec.mean), float(spec.std), p.type.shape,
                np.dtype(dtype).str))
    path = cache_root() / "params" / f"{hashlib.sha256(key.encode()).hexdigest()}.npy"
    try:
        values = np.load(path, allow_pickle=False)
        if values.shape == p.type.shape and values.dtype == dtype:
            os.utime(path)  # recently used: pruning keeps it
            return values
    except (OSError, ValueError, EOFError):  # absent, cut off or not an array: draw it again
        pass
    values = random_values(p.name, spec, p.type.shape).astype(dtype, copy=False)
    _store(path, values)
    return values


def _store(path, values: np.ndarray) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, lambda f: np.save(f, values, allow_pickle=False))
    except OSError:  # a cache that cannot be written is skipped
        pass
