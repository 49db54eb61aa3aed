"""Pausing Python's cyclic garbage collector around work that builds many long-lived, acyclic objects.

A run allocates hundreds of thousands of spans, transfers and events, a compile as many step dicts and
page lists, and all of them live until the work ends; the collector's repeated passes over them cost 15%
of a large run and two thirds of the compiler's route pass while finding almost nothing. It runs again
once the work is over, and what the work left alive counts as old: otherwise the collector's next young
passes would walk all of it at once (a tenth of a 1024^3 matmul run's time).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off inside the block, and back to how it was after it (even when the block raises).

    On leaving the outermost block, objects still alive move to the oldest generation (a freeze and unfreeze
    moves them without walking them), unless the program froze objects itself: unfreezing would undo that."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()
