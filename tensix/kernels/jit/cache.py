"""Numba's disk cache as the stand-ins of cold kernels (tensix/kernels/cold.py) see it: whether a kernel's build
is there, the numba signature of a call (what to compile later), and loading a cached build without the setup
only compiling needs."""

from __future__ import annotations

from numba import typeof
from numba.core.runtime import rtsys


def cached(fn) -> bool:
    """Whether numba's disk cache holds a build of the dispatcher `fn` that is fresh for its source."""
    cache = getattr(fn, "_cache", None)
    cache_file = getattr(cache, "_cache_file", None)
    return cache_file is not None and bool(cache_file._load_index())


def signature(args: tuple) -> tuple:
    """The numba types of a call's arguments: the signature a dispatcher compiles for them."""
    return tuple(typeof(a) for a in args)


def load_lightly(fn) -> None:
    """Have the dispatcher `fn` load its builds from the disk cache with only the run-time library (NRT) that
    cached machine code calls set up. numba otherwise first loads every one of its implementations and typing
    templates (a refresh of its target context), which the compiler needs but loaded machine code does not: that
    was ~240 ms of CPU in a fresh process's first run of a small example, a third of the run. A build missing from
    the cache is compiled as before (numba's compiler refreshes the context itself). If numba's internals are not
    as expected, `fn` loads as numba does."""
    cache = getattr(fn, "_cache", None)
    load = getattr(cache, "_load_overload", None)
    if load is None or not hasattr(rtsys, "initialize"):
        return

    def load_overload(sig, target_context):
        rtsys.initialize(target_context)  # a no-op after the first time
        return load(sig, target_context)

    cache.load_overload = load_overload
