"""Param values: `materialize(graph, supplied) -> {name: float32 array}` from each param's source.

Sources: `.npz` / `.safetensors` files read by key (relative to the declaring `.tdf`), seeded normal random
values, constant fills. Missing files or keys and shape mismatches are `ParamError`s at the param.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np

from tensix.lang.errors import ParamError
from tensix.lang.ir import FillSpec, Graph, LoadSpec, Param, RandomSpec
from tensix.lang.scope import did_you_mean

__all__ = ["materialize", "random_values", "read_safetensors", "numpy_dtype"]

_SAFETENSORS_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1",
    "BOOL": "?", "BF16": "bfloat16",
}


def numpy_dtype(dtype: str) -> type:
    """The numpy type the reference computes a tensor of `dtype` in: float32, or int32 for ids."""
    return np.int32 if dtype == "int32" else np.float32


def materialize(graph: Graph, supplied: dict[str, np.ndarray] | None = None, seed: int = 0) -> dict[str, np.ndarray]:
    """Every param's values: `supplied` ones (shape-checked) first, then the param's own source; `seed` seeds the
    `random(...)` params that name no seed of their own."""
    supplied = supplied or {}
    unknown = set(supplied) - {p.name for p in graph.params}
    if unknown:
        name = sorted(unknown)[0]
        raise ParamError(None, f"no param named '{name}'" + did_you_mean(name, [p.name for p in graph.params]))
    files: dict[str, dict] = {}
    return {p.name: _values(p, supplied, files, seed) for p in graph.params}


def _values(p: Param, supplied: dict, files: dict, seed: int) -> np.ndarray:
    if p.name in supplied:
        return _checked(p, np.asarray(supplied[p.name]), "the supplied value")
    if p.source is None:
        raise ParamError(p.pos, f"param '{p.name}' has no initializer and no value was supplied")
    if isinstance(p.source, RandomSpec):
        spec = p.source if p.source.seed is not None else replace(p.source, seed=seed)
        return random_values(p.name, spec, p.type.shape).astype(numpy_dtype(p.type.dtype))
    if isinstance(p.source, FillSpec):
        return np.full(p.type.shape, p.source.value, dtype=numpy_dtype(p.type.dtype))
    return _checked(p, _load(p, p.source, files), f"'{p.source.key}' in {p.source.file}")


def random_values(name: str, spec: RandomSpec, shape: tuple[int, ...]) -> np.ndarray:
    """Normal(mean, std) values from a generator seeded by (seed, crc32(name)): same seed, different params differ."""
    rng = np.random.default_rng([spec.seed, zlib.crc32(name.encode())])
    return rng.normal(spec.mean, spec.std, size=shape).astype(np.float32)


def _checked(p: Param, value: np.ndarray, what: str) -> np.ndarray:
    if tuple(value.shape) != p.type.shape:
        raise ParamError(p.pos, f"param '{p.name}' is declared {p.type} but {what} has shape {list(value.shape)}")
    return value.astype(numpy_dtype(p.type.dtype))


def _load(p: Param, spec: LoadSpec, files: dict) -> np.ndarray:
    path = Path(spec.base_dir) / spec.file
    if str(path) not in files:
        files[str(path)] = _open(p, spec, path)
    tensors = files[str(path)]
    if spec.key not in tensors:
        raise ParamError(p.pos, f"{spec.file} has no tensor '{spec.key}'" + did_you_mean(spec.key, tensors))
    return tensors[spec.key]()


def _open(p: Param, spec: LoadSpec, path: Path) -> dict:
    """{key: loader} for the file, so only the tensors a program uses are read."""
    if path.suffix not in (".npz", ".safetensors"):
        raise ParamError(p.pos, f"load reads .npz or .safetensors files, not '{spec.file}'")
    try:
        if path.suffix == ".npz":
            npz = np.load(path, allow_pickle=False)
            return {key: (lambda k=key: npz[k]) for key in npz.files}
        return read_safetensors(path)
    except (OSError, ValueError, KeyError, struct.error) as e:
        reason = getattr(e, "strerror", None) or e
        raise ParamError(p.pos, f"cannot read '{spec.file}' for param '{p.name}': {reason}") from None


def read_safetensors(path: str | Path) -> dict:
    """{name: loader} for a `.safetensors` file: an 8-byte header length, a JSON header, then raw data."""
    data = Path(path).read_bytes()
    (size,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8:8 + size])
    body = memoryview(data)[8 + size:]
    return {name: (lambda info=info: _tensor(body, info)) for name, info in header.items() if name != "__metadata__"}


def _tensor(body: memoryview, info: dict) -> np.ndarray:
    begin, end = info["data_offsets"]
    kind = _SAFETENSORS_DTYPES.get(info["dtype"])
    if kind is None:
        raise ValueError(f"unsupported safetensors dtype {info['dtype']}")
    if kind == "bfloat16":
        raw = np.frombuffer(body[begin:end], dtype="<u2").astype(np.uint32) << 16
        return raw.view(np.float32).reshape(info["shape"])
    return np.frombuffer(body[begin:end], dtype=kind).reshape(info["shape"])
