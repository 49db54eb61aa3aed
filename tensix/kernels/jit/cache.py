"""Numba's disk cache as the stand-ins of cold kernels (tensix/kernels/cold.py) see it: loading a kernel's cached
builds (by the signatures the cache's index names, before the first call), the numba signature of a call (what to
compile later), and loading a cached build without the setup only compiling needs."""

from __future__ import annotations

import hashlib
import pickle
import sys
from pathlib import Path

import llvmlite
import llvmlite.binding as ll
import numba
from numba import typeof
from numba.core import config
from numba.core.runtime import nrtdynmod, rtsys

from tensix.files import write_atomically


def cached_signatures(fn) -> list[tuple]:
    """The signatures of the builds of the dispatcher `fn` that numba's disk cache holds fresh for its source and
    this machine (none: the kernel is cold)."""
    cache = getattr(fn, "_cache", None)
    cache_file = getattr(cache, "_cache_file", None)
    if cache_file is None or not hasattr(cache, "_index_key"):
        return []
    index = cache_file._load_index()
    if not index:
        return []
    codegen = fn.targetctx.codegen()
    return [key[0] for key in index if key == cache._index_key(key[0], codegen)]


def load_at_first_call(fn, sigs: list[tuple]) -> None:
    """Have the dispatcher `fn` load its cached builds of signatures `sigs` when it is first called, before it
    looks for the call's build by typing the arguments.

    numba's way there (its compile path, taken when no build is loaded) first scans every installed package's entry
    points for numba extensions: ~40 ms of a fresh process's first run, which loading a build does not need. The
    builds load as numba loads them (the same machine code); a call whose types no build fits then compiles as
    before, by numba's own path."""
    def first_call(*args, **kws):
        del fn._compile_for_args  # numba's own from now on
        for sig in sigs:
            fn.compile(sig)
        return fn  # what the dispatcher then calls with the arguments: a build that fits runs, else numba compiles

    # numba's dispatcher looks this up on the instance when no build fits a call, and calls what it returns
    fn._compile_for_args = first_call


def signature(args: tuple) -> tuple:
    """The numba types of a call's arguments: the signature a dispatcher compiles for them."""
    return tuple(typeof(a) for a in args)


def load_lightly(fn) -> None:
    """Have the dispatcher `fn` load its builds from the disk cache with only what cached machine code needs.

    numba's own load first refreshes its whole target context (imports every implementation and typing template:
    ~130 ms of CPU in a fresh process's first run of the default example), which only compiling needs; only the
    run-time library (NRT) that the machine code calls is set up here. It also parses each build's LLVM bitcode and
    walks its symbols (~70 ms over that run's 18 builds), which serve only to link the build into new code that
    calls it: here that is done when such code is compiled (`_link_module`). The machine code, and so every bit it
    computes, is the one numba would load. A build missing from the cache is compiled as before (numba's compiler
    refreshes the context itself). If numba's internals are not as expected, `fn` loads as numba does."""
    cache = getattr(fn, "_cache", None)
    load = getattr(cache, "_load_overload", None)
    if load is None or not hasattr(rtsys, "initialize"):
        return

    def load_overload(sig, target_context):  # numba calls this holding its compiler lock
        _initialize_nrt(target_context, getattr(cache, "_cache_path", None))  # a no-op after the first time
        codegen = target_context.codegen()
        numba_way = codegen.unserialize_library
        codegen.unserialize_library = lambda state: _object_library(codegen, state) or numba_way(state)
        try:
            return load(sig, target_context)
        finally:
            del codegen.unserialize_library  # numba's method again

    cache.load_overload = load_overload


def _object_library(codegen, state):
    """A cached build's library from its machine code, as numba's CPUCodeLibrary._unserialize makes it, except that
    its bitcode for linking is parsed only if new code links it; None for a form this does not know."""
    name, kind, data = state
    engine = getattr(codegen, "_engine", None)
    if kind != "object" or not hasattr(engine, "_defined_symbols"):
        return None
    object_code, bitcode = data
    lib = codegen.create_library(name)
    lib.enable_object_caching()
    lib._set_compiled_object(object_code)
    lib._finalize_final_module()
    lib._get_module_for_linking = lambda: _link_module(lib, engine, bitcode)
    lib.get_pointer_to_function = lambda symbol: _address(lib, engine, symbol)
    return lib


def _link_module(lib, engine, bitcode: bytes):
    """The library's module for linking into new code, parsed at the first such link (numba parses it at load)."""
    del lib._get_module_for_linking  # from now on numba's method, which returns this module
    lib._shared_module = ll.parse_bitcode(bitcode)
    engine._load_defined_symbols(lib._shared_module)
    return lib._shared_module


def _address(lib, engine, symbol: str) -> int:
    """The address of a function the library's machine code defines, 0 if none (numba's get_pointer_to_function
    asks its table of the defined symbols, which the bitcode walk filled)."""
    if not engine.is_symbol_defined(symbol):
        address = engine.get_function_address(symbol)
        if address:
            engine._defined_symbols.add(symbol)
        return address
    return engine.get_function_address(symbol)


def _initialize_nrt(ctx, directory: str | None) -> None:
    """rtsys.initialize(ctx) (numba's run-time library, which cached machine code calls), with NRT's own functions
    loaded from the machine code numba compiled for them the first time (kept in `directory`, beside the kernels'
    builds) instead of compiled again: that compile took 20-70 ms of every fresh process's first run. The rest is
    numba's initialize: the same C helpers registered, the same library. Without numba's internals as expected, or
    without a directory, numba's own initialize runs."""
    if rtsys._init:
        return
    nrt = getattr(sys.modules.get(type(rtsys).__module__), "_nrt", None)  # numba's C part of NRT
    if directory is None or nrt is None or not hasattr(nrtdynmod, "create_nrt_module"):
        rtsys.initialize(ctx)
        return
    if config.NRT_STATS:
        nrt.memsys_enable_stats()
    for py_name, address in nrt.c_helpers.items():  # as numba's initialize registers them
        ll.add_symbol(py_name if py_name.startswith("_") else f"NRT_{py_name}", address)
    codegen = ctx.codegen()
    target = hashlib.sha256(repr(codegen.magic_tuple()).encode()).hexdigest()[:16]
    path = Path(directory) / f"nrt-{numba.__version__}-{llvmlite.__version__}-{target}.bin"
    library = _nrt_from(path, codegen)
    if library is None:
        ir_mod, library = nrtdynmod.create_nrt_module(ctx)
        library.add_ir_module(ir_mod)
        library.enable_object_caching()  # so its machine code can be kept
        library.finalize()
        _keep_nrt(path, library, codegen)
    rtsys._library = library
    rtsys._init = True


def _nrt_from(path: Path, codegen):
    """The NRT library from its kept machine code, if kept for this codegen (its target machine); else None."""
    try:
        with open(path, "rb") as f:
            magic, state = pickle.load(f)
    except Exception:  # noqa: BLE001 (none kept yet, or cut off: compile it)
        return None
    return _object_library(codegen, state) if magic == codegen.magic_tuple() else None


def _keep_nrt(path: Path, library, codegen) -> None:
    try:
        state = library.serialize_using_object_code()
        write_atomically(path, lambda f: pickle.dump((codegen.magic_tuple(), state), f))
    except Exception:  # noqa: BLE001 (a cache that cannot be written is skipped)
        pass
