"""The compile cache: `tensix run` of a program compiled before loads its Compiled from disk instead of compiling.

Compiling a GPT-2 block (plan search, placement, routing, schedules) cost 0.3 s of CPU per run; loading it costs
a tenth of that. An entry is keyed by everything a compile reads: the main file's path (as given and resolved) and
the working directory (imports resolve against them), device, zero skipping and fidelity, tensix's version, the
Python and numpy versions, and a fingerprint of the compiler's own code (each package file's name, size and
modification time: an edited checkout compiles afresh). The entry holds the text of every file the compile read
(the main file and its imports); if any now differs, the program compiles again and the entry is replaced. It
also holds the program's JSON, which the run saves as program.json.

Entries live in compile/ under $TENSIX_CACHE, else ~/.cache/tensix (as the models' cached weights); the newest
MAX_ENTRIES stay. TENSIX_COMPILE_CACHE=0 turns the cache off, and TENSIX_DEBUG=1 (verify after every pass) always
compiles. Entries are pickles: the directory is the user's own, as numba's disk cache is.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import pickle
import sys
import types
import weakref
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tensix.files import write_atomically
from tensix.lang.compiler import Compiled, compile_file
from tensix.rundir import tensix_version

FORMAT = 1  # of an entry; bump when Compiled's pickled form changes meaning
MAX_ENTRIES = 256
_PROGRAM_JSON: dict[int, tuple] = {}  # id(Program) -> (a weak reference to it, its to_json() text), while it lives
_PACKAGES = ("tensix", "tensix.lang")  # the code a compile runs (tools and examples do not compile)


def cache_root() -> Path:
    """tensix's cache directory (the models' weights are cached there too): $TENSIX_CACHE, else ~/.cache/tensix."""
    return Path(os.environ.get("TENSIX_CACHE") or Path.home() / ".cache" / "tensix")


def cache_dir() -> Path:
    """Where compile entries live."""
    return cache_root() / "compile"


def enabled() -> bool:
    """Whether runs use the caches (this one and lang/param_cache.py): TENSIX_COMPILE_CACHE=0 turns both off."""
    return os.environ.get("TENSIX_COMPILE_CACHE", "1") != "0" and os.environ.get("TENSIX_DEBUG") != "1"


def compile_cached(path: str | Path, device: str | None, *, zero_skip: bool, fidelity: str | None) -> Compiled:
    """compile_file(path, device, zero_skip=..., fidelity=...), from the cache when every file it read is unchanged.
    A compile that fails raises as compile_file does and leaves no entry."""
    if not enabled():
        return compile_file(path, device, zero_skip=zero_skip, fidelity=fidelity)
    return _through(entry_key(path, device, zero_skip, fidelity), True,
                    lambda: compile_file(path, device, zero_skip=zero_skip, fidelity=fidelity))


def compile_text_cached(parts: tuple, make: Callable[[], Compiled]) -> Compiled:
    """make(), a compile of a source text that `parts` holds whole with every other input it reads (a shipped
    model with its consts set: lang/models/program.py), from the cache when it was compiled before by this code."""
    if not enabled():
        return make()
    key = [FORMAT, tensix_version(), code_fingerprint(), sys.version, np.__version__, "text", *parts]
    return _through(hashlib.sha256(repr(key).encode()).hexdigest(), False, make)


def _through(key: str, check_sources: bool, make: Callable[[], Compiled]) -> Compiled:
    """The entry `key`'s Compiled, else make()'s, stored as that entry (`check_sources`: the entry holds only if
    the files the compile read are unchanged)."""
    entry = cache_dir() / f"{key}.pickle"
    loaded = _load(entry, check_sources)
    if loaded is not None:
        compiled, text = loaded
    else:
        compiled = make()
        text = compiled.program.to_json()  # program.json's text: the run saves it, the entry keeps it
        _store(entry, (compiled, text))
    _PROGRAM_JSON[id(compiled.program)] = (weakref.ref(compiled.program), text)
    weakref.finalize(compiled.program, _PROGRAM_JSON.pop, id(compiled.program), None)
    return compiled


def program_json(program) -> str | None:
    """program.to_json() of a program compile_cached returned, without encoding it again (None for another
    program). The run saves it as program.json, so a cached compile costs no encoding at all."""
    ref, text = _PROGRAM_JSON.get(id(program), (None, None))
    return text if ref is not None and ref() is program else None


def entry_key(path: str | Path, device: str | None, zero_skip: bool, fidelity: str | None) -> str:
    """The hash naming an entry: every input of a compile but the imported files' texts (the entry checks those)."""
    parts = [FORMAT, tensix_version(), code_fingerprint(), sys.version, np.__version__, str(path),
             str(Path(path).resolve()), os.getcwd(), device, zero_skip, fidelity, _text(path)]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """sha256 over the name, size and modification time of every file in tensix's and tensix.lang's package
    directories: any edit or reinstall of the code changes it."""
    h = hashlib.sha256()
    for package in _PACKAGES:
        for root in sys.modules[package].__path__:
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
                for name in sorted(filenames):
                    st = os.stat(os.path.join(dirpath, name))
                    h.update(f"{os.path.relpath(os.path.join(dirpath, name), root)}\0{st.st_size}\0"
                             f"{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _text(path: str | Path) -> str | None:
    try:
        return Path(path).read_text()
    except (OSError, UnicodeDecodeError):
        return None  # compile_file reports it


def _load(entry: Path, check_sources: bool = True) -> tuple[Compiled, str] | None:
    """The entry's Compiled and its program's JSON if it loads and (`check_sources`) every source it read is
    unchanged; else None."""
    try:
        with open(entry, "rb") as f:
            loaded = _Unpickler(f).load()
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 (an entry cut off or written by another version: compile again)
        return None
    if not (isinstance(loaded, tuple) and len(loaded) == 2 and isinstance(loaded[0], Compiled)):
        return None
    sources = loaded[0].graph.meta.get("sources", {}) if check_sources else {}
    if any(_text(p) != text for p, text in sources.items()):
        return None
    os.utime(entry)  # recently used: pruning keeps it
    return loaded


_DATACLASS_SETSTATE = getattr(dataclasses, "_dataclass_setstate", None)  # what a slotted dataclass restores by


class _Unpickler(pickle.Unpickler):
    """pickle.load, with each slotted dataclass of the entry restored by a __setstate__ that knows its fields:
    dataclasses' own looks them up again for every object (a GPT-2 block's entry holds 6,000: 40 ms of a 45 ms load).
    The same fields get the same values, in the same order."""

    def find_class(self, module: str, name: str):
        cls = super().find_class(module, name)
        if _DATACLASS_SETSTATE is not None and cls.__dict__.get("__setstate__") is _DATACLASS_SETSTATE:
            cls.__setstate__ = _setstate(cls, tuple(f.name for f in dataclasses.fields(cls)))
        return cls


def _setstate(cls: type, names: tuple[str, ...]):
    """A __setstate__ setting each field through its slot's descriptor, one statement per field (as dataclasses
    writes its __init__): a loop over the names through object.__setattr__ took twice as long."""
    setters = [getattr(cls, name, None) for name in names]
    if not all(isinstance(s, types.MemberDescriptorType) for s in setters):
        def setstate(self, state) -> None:
            for name, value in zip(names, state):  # (dataclasses' own: zip(fields(self), state), frozen or not)
                object.__setattr__(self, name, value)
        return setstate
    scope = {f"_set{i}": s.__set__ for i, s in enumerate(setters)}
    body = "".join(f"    _set{i}(self, state[{i}])\n" for i in range(len(names))) or "    pass\n"
    exec(f"def setstate(self, state):\n{body}", scope)  # noqa: S102 (code made of field indexes only)
    return scope["setstate"]


def _store(entry: Path, compiled: tuple[Compiled, str]) -> None:
    """Write the entry whole (a temporary file renamed into place); a cache that cannot be written is skipped."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(entry, lambda f: pickle.dump(compiled, f, protocol=pickle.HIGHEST_PROTOCOL))
        _prune(entry.parent)
    except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):  # run on without an entry
        pass


def _prune(d: Path) -> None:
    """Keep the MAX_ENTRIES most recently used entries."""
    entries = list(d.glob("*.pickle"))
    if len(entries) <= MAX_ENTRIES:
        return
    for old in sorted(entries, key=lambda p: p.stat().st_mtime_ns)[:-MAX_ENTRIES]:
        old.unlink(missing_ok=True)


def prune_to_bytes(d: Path, pattern: str, max_bytes: int) -> None:
    """Keep the most recently used entries of `d` matching `pattern`, up to `max_bytes` in all (the param and
    reference caches; a read entry's modification time is renewed)."""
    try:
        entries = sorted(((e.stat().st_mtime_ns, e.stat().st_size, e) for e in d.glob(pattern)), reverse=True)
    except OSError:
        return
    total = 0
    for _, size, entry in entries:
        total += size
        if total > max_bytes:
            entry.unlink(missing_ok=True)
