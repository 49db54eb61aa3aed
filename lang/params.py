"""Param values: `materialize(graph, supplied) -> {name: float32 array}` from each param's source.

Sources: `.npz` / `.safetensors` files read by key (relative to the declaring `.tdf`), seeded normal random
values, constant fills. Missing files or keys and shape mismatches are `ParamError`s at the param.
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np

from tensix.host_images import frozen
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


def materialize(graph: Graph, supplied: dict[str, np.ndarray] | None = None, seed: int = 0, *,
                stored: bool = True) -> dict[str, np.ndarray]:
    """Every param's values: `supplied` ones (shape-checked) first, then the param's own source; `seed` seeds the
    `random(...)` params that name no seed of their own. `stored`: supplied values are as a checkpoint stores
    them (a `@transposed` param's swapped here); False: already in the params' types (what this returned).
    The values are read-only (tensix.host_images.frozen): change a param by supplying new values."""
    supplied = supplied or {}
    unknown = set(supplied) - {p.name for p in graph.params}
    if unknown:
        name = sorted(unknown)[0]
        raise ParamError(None, f"no param named '{name}'" + did_you_mean(name, [p.name for p in graph.params]))
    files: dict[str, dict] = {}  # frozen: a Mesh running them again needs no comparison to know them unchanged
    return {p.name: frozen(_values(p, supplied, files, seed, stored)) for p in graph.params}


def _values(p: Param, supplied: dict, files: dict, seed: int, stored: bool) -> np.ndarray:
    if p.name in supplied:
        value = np.asarray(supplied[p.name])
        if not stored:  # already materialized (a run passes its params on): checked, not copied
            return _checked(p, value, "the supplied value", copy=False)
        return _stored(p, value, "the supplied value")
    if p.source is None:
        raise ParamError(p.pos, f"param '{p.name}' has no initializer and no value was supplied")
    if isinstance(p.source, RandomSpec):
        spec = p.source if p.source.seed is not None else replace(p.source, seed=seed)
        return random_values(p.name, spec, p.type.shape).astype(numpy_dtype(p.type.dtype), copy=False)
    if isinstance(p.source, FillSpec):
        return np.full(p.type.shape, p.source.value, dtype=numpy_dtype(p.type.dtype))
    return _stored(p, _load(p, p.source, files), f"'{p.source.key}' in {p.source.file}")


def _stored(p: Param, value: np.ndarray, what: str) -> np.ndarray:
    """A supplied or loaded value in the param's type; a `@transposed` param's last two axes are swapped here,
    once on the host, so no run moves them on the device."""
    if not p.annotations.transposed:
        return _checked(p, value, what)
    want = (*p.type.shape[:-2], *p.type.shape[-2:][::-1])
    if p.type.rank < 2 or tuple(value.shape) != want:
        raise ParamError(p.pos, f"param '{p.name}' is declared {p.type} @transposed, so {what} must have shape "
                                f"{list(want)} (the transpose), but it has {list(value.shape)}")
    return np.ascontiguousarray(np.swapaxes(value, -1, -2)).astype(numpy_dtype(p.type.dtype))


def random_values(name: str, spec: RandomSpec, shape: tuple[int, ...]) -> np.ndarray:
    """Normal(mean, std) values from a generator seeded by (seed, crc32(name)): same seed, different params differ."""
    rng = np.random.default_rng([spec.seed, zlib.crc32(name.encode())])
    return rng.normal(spec.mean, spec.std, size=shape).astype(np.float32)


def _checked(p: Param, value: np.ndarray, what: str, copy: bool = True) -> np.ndarray:
    if tuple(value.shape) != p.type.shape:
        raise ParamError(p.pos, f"param '{p.name}' is declared {p.type} but {what} has shape {list(value.shape)}")
    return value.astype(numpy_dtype(p.type.dtype), copy=copy)


def _load(p: Param, spec: LoadSpec, files: dict) -> np.ndarray:
    path = Path(spec.base_dir) / spec.file
    if str(path) not in files:
        files[str(path)] = _read(p, spec, lambda: _open(p, spec, path))
    tensors = files[str(path)]
    if spec.key not in tensors:
        raise ParamError(p.pos, f"{spec.file} has no tensor '{spec.key}'" + did_you_mean(spec.key, tensors))
    value = _read(p, spec, tensors[spec.key])
    if value.dtype.kind not in "biuf":
        what = _KINDS.get(value.dtype.kind, "values")
        raise ParamError(p.pos, f"'{spec.key}' in {spec.file} holds {what} ({value.dtype.str.lstrip('<>|=')}); "
                                f"a param needs numbers")
    return value


_KINDS = {"U": "strings", "S": "bytes", "O": "Python objects", "c": "complex numbers", "M": "dates",
          "m": "time spans", "V": "raw records"}

# what reading a damaged or foreign file raises: OS errors, numpy's and zipfile's format errors, a cut-off
# deflate stream, and ValueError for everything read_safetensors finds wrong
_READ_ERRORS = (OSError, ValueError, KeyError, struct.error, zipfile.BadZipFile, zlib.error, EOFError)


def _read(p: Param, spec: LoadSpec, read):
    """read(), with a damaged file's error turned into a ParamError at the param."""
    try:
        return read()
    except _READ_ERRORS as e:
        reason = getattr(e, "strerror", None) or e
        raise ParamError(p.pos, f"cannot read '{spec.file}' for param '{p.name}': {reason}") from None


def _open(p: Param, spec: LoadSpec, path: Path) -> dict:
    """{key: loader} for the file, so only the tensors a program uses are read."""
    if path.suffix not in (".npz", ".safetensors"):
        raise ParamError(p.pos, f"load reads .npz or .safetensors files, not '{spec.file}'")
    if path.suffix == ".npz":
        npz = np.load(path, allow_pickle=False)
        return {key: (lambda k=key: npz[k]) for key in npz.files}
    return read_safetensors(path)


def read_safetensors(path: str | Path) -> dict:
    """{name: loader} for a `.safetensors` file: an 8-byte header length, a JSON header, then raw data.
    A malformed file raises ValueError saying what is wrong (here, or when a tensor is loaded)."""
    data = Path(path).read_bytes()
    if len(data) < 8:
        raise ValueError(f"it is {len(data)} bytes long, shorter than a safetensors header")
    (size,) = struct.unpack_from("<Q", data, 0)
    if 8 + size > len(data):
        raise ValueError(f"its header length {size} runs past the end of the file ({len(data)} bytes)")
    try:
        header = json.loads(data[8:8 + size])
    except (ValueError, UnicodeDecodeError):
        raise ValueError("its header is not JSON") from None
    if not isinstance(header, dict) or not all(isinstance(v, dict) for k, v in header.items() if k != "__metadata__"):
        raise ValueError("its header is not a JSON object of tensors")
    body = memoryview(data)[8 + size:]
    return {name: (lambda name=name, info=info: _tensor(body, name, info))
            for name, info in header.items() if name != "__metadata__"}


def _tensor(body: memoryview, name: str, info: dict) -> np.ndarray:
    try:
        dtype, shape, (begin, end) = info["dtype"], [int(n) for n in info["shape"]], info["data_offsets"]
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"tensor '{name}' needs dtype, shape and data_offsets") from None
    kind = _SAFETENSORS_DTYPES.get(dtype)
    if kind is None:
        raise ValueError(f"unsupported safetensors dtype {dtype}")
    nbytes = int(np.prod(shape)) * (2 if kind == "bfloat16" else np.dtype(kind).itemsize)
    if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end):
        raise ValueError(f"tensor '{name}' has data_offsets {info['data_offsets']}")
    if end - begin != nbytes:
        raise ValueError(f"tensor '{name}' is {dtype}{shape} ({nbytes} bytes) but its data_offsets span "
                         f"{end - begin} bytes")
    if end > len(body):
        raise ValueError(f"tensor '{name}' spans bytes {begin}..{end} but the file holds {len(body)} bytes of data")
    if kind == "bfloat16":
        raw = np.frombuffer(body[begin:end], dtype="<u2").astype(np.uint32) << 16
        return raw.view(np.float32).reshape(shape)
    return np.frombuffer(body[begin:end], dtype=kind).reshape(shape)
