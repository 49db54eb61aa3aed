"""The values of large `random(...)` params, kept on disk: a run reads them instead of drawing them again.

Drawing a GPT-2 block's seven million normal values cost 0.1-0.2 s of CPU per `tensix run`, reading them back
a tenth of that (its 768x768 attention output weight alone: 10-24 ms drawn, 1 ms read). The values are a function
of the param's name, seed, mean, std, shape and dtype and of numpy's generator (its version is in the key), so an
entry holds exactly what params.random_values gives. Only params of at least MIN_VALUES values are kept; entries
live in params/ under the cache root (lang/cache.py), the most recently used up to MAX_BYTES in all.
TENSIX_COMPILE_CACHE=0 turns it off, as the compile cache.

Beside each entry (NAME.npy) lies its content hash (NAME.npy.sha256, tensix.rundir.array_hash of the values, taken
when the entry is written): a run's record holds its params' hashes, and hashing a GPT-2 block's 28 MB of params
again took 60 ms of CPU per `tensix run`.

The device images of those params (their pages as a Mesh writes them to DRAM: tilized, in the buffer's format) are
kept too, in images/ (DeviceImages): encoding a GPT-2 block's 7 million values took 13 ms of each `tensix run`'s
fresh Mesh, reading them back 2-3.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np

from tensix.dram import DramBuffer
from tensix.files import write_atomically, write_text_atomically
from tensix.host_images import frozen, same_frozen
from tensix.lang.cache import cache_root, code_fingerprint, enabled, prune_to_bytes
from tensix.lang.ir import Graph, Param, RandomSpec
from tensix.lang.params import numpy_dtype, random_values
from tensix.rundir import array_hash

FORMAT = 1
MIN_VALUES = 1 << 15  # smaller params draw about as fast as a file opens (64K values: 3 ms drawn, 0.4 ms read)
MAX_BYTES = 1 << 30


def random_params(graph: Graph, seed: int, hashed: dict[str, str] | None = None) -> dict[str, np.ndarray]:
    """The values of the graph's large random(...) params (`seed` for those without one of their own), as
    params.materialize makes them; from the cache where they are in it, drawn and kept where not. Empty when off.
    `hashed`: filled with each returned param's content hash (tensix.rundir.array_hash of its values)."""
    if not enabled():
        return {}
    big = [p for p in graph.params if isinstance(p.source, RandomSpec) and _size(p) >= MIN_VALUES]
    entries = {p.name: _values(p, seed) for p in big}
    if big:
        d = cache_root() / "params"
        prune_to_bytes(d, "*.npy", MAX_BYTES)
        for orphan in {h.with_suffix("") for h in d.glob("*.npy.sha256")} - set(d.glob("*.npy")):
            Path(f"{orphan}.sha256").unlink(missing_ok=True)  # its entry was pruned
    if hashed is not None:
        hashed.update({name: digest for name, (_, digest) in entries.items()})
    return {name: values for name, (values, _) in entries.items()}


def _size(p: Param) -> int:
    return int(np.prod(p.type.shape, dtype=np.int64))


def _values(p: Param, seed: int) -> tuple[np.ndarray, str]:
    """The param's values and their content hash."""
    spec = p.source if p.source.seed is not None else replace(p.source, seed=seed)
    dtype = numpy_dtype(p.type.dtype)
    key = repr((FORMAT, np.__version__, p.name, spec.seed, float(spec.mean), float(spec.std), p.type.shape,
                np.dtype(dtype).str))
    path = cache_root() / "params" / f"{hashlib.sha256(key.encode()).hexdigest()}.npy"
    try:
        values = _read_frozen(path)
        if values.shape == p.type.shape and values.dtype == dtype:
            os.utime(path)  # recently used: pruning keeps it
            return values, _hash(path, values)
    except (OSError, ValueError, EOFError):  # absent, cut off or not an array: draw it again
        pass
    values = frozen(random_values(p.name, spec, p.type.shape).astype(dtype, copy=False))  # as read back
    digest = array_hash(values)
    _store(path, values, digest)
    return values, digest


def _read_frozen(path: Path) -> np.ndarray:
    """The .npy entry's array, frozen as params.materialize hands params on (tensix.host_images.frozen): a view of
    the file's bytes as read. np.load's array is writeable, so materialize copied all 28 MB of a GPT-2 block's
    params to freeze them, and the copies, no longer the arrays the entries' hashes were kept for, were hashed
    again (20 ms of CPU a run)."""
    data = path.read_bytes()
    head = io.BytesIO(data)  # shares `data` (nothing writes it)
    major, _ = np.lib.format.read_magic(head)
    read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = read_header(head)
    if fortran or dtype.hasobject:
        raise ValueError(f"{path}: not a C-ordered array of numbers")
    count = int(np.prod(shape, dtype=np.int64))
    return np.frombuffer(data, dtype, count=count, offset=head.tell()).reshape(shape)


def _hash(path: Path, values: np.ndarray) -> str:
    """The entry's content hash as written beside it; taken (and written) again if that is missing or damaged."""
    try:
        digest = Path(f"{path}.sha256").read_text()
        if len(digest) == 64 and all(c in "0123456789abcdef" for c in digest):
            return digest
    except (OSError, UnicodeDecodeError):
        pass
    digest = array_hash(values)
    _write(Path(f"{path}.sha256"), lambda: write_text_atomically(Path(f"{path}.sha256"), digest))
    return digest


def _store(path: Path, values: np.ndarray, digest: str) -> None:
    """The entry, then its hash (a hash without its entry is never read)."""
    _write(path, lambda: write_atomically(path, lambda f: np.save(f, values, allow_pickle=False)))
    _write(path, lambda: write_text_atomically(Path(f"{path}.sha256"), digest))


def _write(path: Path, write) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write()
    except OSError:  # a cache that cannot be written is skipped
        pass


# ---- the params' device images ----

IMAGES = "images"  # under the cache root: pages of params, by content hash, shape, buffer layout and format
IMAGES_MAX_BYTES = 1 << 30


class DeviceImages:
    """A tensix.host_images.PageStore on disk for the params of a run whose content hashes are known (`hashes`, as
    random_params fills them): the pages of a param are read back where an earlier run (of this code: the key holds
    its fingerprint) encoded the same values for a buffer of the same shape, layout and format, and written where
    not. An array that does not view exactly a known param's bytes is encoded as ever."""

    def __init__(self, params: dict[str, np.ndarray], hashes: dict[str, str]):
        self._known = [(params[name], digest) for name, digest in hashes.items() if name in params]

    def pages(self, buf: DramBuffer, a: np.ndarray, make) -> np.ndarray:
        digest = next((digest for p, digest in self._known if _same_bytes(p, a)), None)
        if digest is None or not enabled():
            return make()
        key = repr((FORMAT, np.__version__, code_fingerprint(), digest, a.shape, np.dtype(a.dtype).str, buf.shape,
                    buf.fmt, buf.layout, buf.page_nbytes))
        path = cache_root() / IMAGES / f"{hashlib.sha256(key.encode()).hexdigest()}.npy"
        try:
            pages = _read_frozen(path)
            if pages.shape == (buf.npages, buf.page_nbytes) and pages.dtype == np.uint8:
                os.utime(path)  # recently used: pruning keeps it
                return pages
        except (OSError, ValueError, EOFError):  # absent, cut off or not an array: encode it again
            pass
        pages = make()
        _write(path, lambda: write_atomically(path, lambda f: np.save(f, pages, allow_pickle=False)))
        prune_to_bytes(path.parent, "*.npy", IMAGES_MAX_BYTES)
        return pages


def _same_bytes(p: np.ndarray, a: np.ndarray) -> bool:
    """Whether `a` views exactly the values of the frozen array `p` in the same order (C order both, any shape): the
    bytes `p`'s hash was taken of."""
    return a is p or (a.size == p.size and a.flags.c_contiguous and p.flags.c_contiguous
                      and same_frozen(p, a.reshape(p.shape)))


# ---- a run directory's params.npz ----

RUN_FILES = "run_params"  # under the cache root: params.npz files of earlier runs, by their params' hashes
RUN_FILES_MAX_BYTES = 1 << 30


def write_params_file(path: Path, params: dict[str, np.ndarray], hashes: dict[str, str]) -> None:
    """np.savez(path, **params); `hashes`: their content hashes (run.json's). A run of params saved before (the
    same hashes) copies the file that run wrote (the kernel copies it: a GPT-2 block's 28 MB of params 20 ms, where
    np.savez took 50-90 ms of CPU) instead of encoding it again. The cache keeps a link to each file written (no
    copy); one changed since (rewritten in place through its run directory: its size or modification time differ
    from those kept beside it) is not copied but written afresh. Run directories never share a file. Where the
    cache is off or cannot link (another file system), the file is written."""
    entry = _run_entry(hashes) if enabled() and params else None
    if entry is not None and _intact(entry):
        try:
            shutil.copyfile(entry, path)
            return
        except OSError:
            pass
    np.savez(path, **params)
    if entry is not None:
        _keep(entry, path)


def _run_entry(hashes: dict[str, str]) -> Path:
    key = repr((FORMAT, np.__version__, sorted(hashes.items())))
    return cache_root() / RUN_FILES / f"{hashlib.sha256(key.encode()).hexdigest()}.npz"


def _intact(entry: Path) -> bool:
    """Whether the entry is as it was kept: the size and modification time written beside it."""
    try:
        st = entry.stat()
        return Path(f"{entry}.stat").read_text() == f"{st.st_size} {st.st_mtime_ns}"
    except (OSError, UnicodeDecodeError):
        return False


def _keep(entry: Path, path: Path) -> None:
    """Keep a link to the written file `path` as the entry (no copy: both names hold one file)."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.unlink(missing_ok=True)
        os.link(path, entry)
        st = entry.stat()
        write_text_atomically(Path(f"{entry}.stat"), f"{st.st_size} {st.st_mtime_ns}")
        prune_to_bytes(entry.parent, "*.npz", RUN_FILES_MAX_BYTES)
    except OSError:  # a cache that cannot be written (or linked into) is skipped
        pass
