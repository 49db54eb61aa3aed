"""Numba's disk cache as the stand-ins of cold kernels (tensix/kernels/cold.py) see it: whether a kernel's build
is there, and the numba signature of a call (what to compile later)."""

from __future__ import annotations

from numba import typeof


def cached(fn) -> bool:
    """Whether numba's disk cache holds a build of the dispatcher `fn` that is fresh for its source."""
    cache = getattr(fn, "_cache", None)
    cache_file = getattr(cache, "_cache_file", None)
    return cache_file is not None and bool(cache_file._load_index())


def signature(args: tuple) -> tuple:
    """The numba types of a call's arguments: the signature a dispatcher compiles for them."""
    return tuple(typeof(a) for a in args)
