"""Which code runs each step kind in each kernel role: handlers register beside their code with `@handles`.

A step kind's reader, compute and writer parts are functions `(ctx, step, units)`, each registered for its step
class (tensix/schedule/contract.py) by `@handles(role, Kind)` in the stage module that holds it. The generic
kernels (reader.py, compute.py, writer.py) look a step's part up by its class, so a new step kind needs no edit
here or in them: its module in this package registers its parts (the package imports every module in it).
A kind whose inputs stream through the elementwise CBs (`Step.streamed`) gets its CBs from layout.py unasked;
one that needs CBs of its own says which with `@needs_cbs(Kind)` beside its parts.
"""

from __future__ import annotations

from collections.abc import Callable

from tensix.errors import TensixError

ROLES = ("reader", "compute", "writer")
HANDLERS: dict[str, dict[type, Callable]] = {role: {} for role in ROLES}
CB_NEEDS: dict[type, Callable] = {}  # step class -> fn(step, formats, el_unit) -> {CB id: (format, pages)}


def handles(role: str, *kinds: type) -> Callable:
    """Register the decorated function as the `role` part of each step class in `kinds`."""
    if role not in HANDLERS:
        raise ValueError(f"unknown kernel role '{role}'; one of: {', '.join(ROLES)}")

    def register(fn: Callable) -> Callable:
        for kind in kinds:
            HANDLERS[role][kind] = fn
        return fn
    return register


def needs_cbs(*kinds: type) -> Callable:
    """Register the decorated function as the CBs each step class in `kinds` needs on its core (layout.py calls it
    with the step, the buffers' formats and the core's elementwise unit; it returns {CB id: (format, pages)})."""
    def register(fn: Callable) -> Callable:
        for kind in kinds:
            CB_NEEDS[kind] = fn
        return fn
    return register


def missing(role: str, step) -> Callable:
    """The error for a step whose kind has no `role` part registered (say where to add it)."""
    raise TensixError(f"no {role} part for step kind '{step.op}' ({type(step).__name__}): register one with "
                      f"@handles({role!r}, {type(step).__name__}) in the stage module that runs it "
                      f"(tensix/programs/stages)")
