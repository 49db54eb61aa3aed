"""When each DRAM buffer is dead, in the order the emulator really runs ops (alloc_dram reuses dead buffers' space).

Cores run ahead of each other: only a chain of synchronizations orders a step on one core before a step on another.
Two such links exist. On one core, every kernel runs the steps in order, and a step's output tiles come from its
compute after the compute of every step before it consumed all that step's reads: so every access of an earlier
step on a core is done before any write of a later one. Across cores, a step's writer signals a consumer core only
after its own writes land (so after every access of it and of the steps before it, when it writes something: a
writer with nothing to write does not wait for its compute, so its signal vouches only for the last step before it
that wrote), and the consumer's reader waits for that signal before reading the inputs its writes come from.

A vector clock per step on a core (`knows`: per core, the index of the last op whose accesses there are done
before this step writes anything) follows these links in program order. A buffer X is dead for a new buffer Y
when every step accessing X is known done before every step writing Y.
"""

from __future__ import annotations

from dataclasses import fields
from functools import cache

import numpy as np

from tensix.lang.ir import Graph
from tensix.ops import Op

Coord = tuple[int, int]
NEVER_DEAD = np.iinfo(np.int32).max  # an access index no clock reaches: inputs, params, outputs, state


class Lifetimes:
    """Per DRAM buffer: the last op index accessing it on each core (`last`), and the vector clock every step
    writing it starts from, the pointwise least over its writers (`start`)."""

    def __init__(self, graph: Graph, buffers: set[str]):
        cores = sorted({c for n in graph.nodes for c in n.attrs.get("_steps", {})}, key=lambda c: (c[1], c[0]))
        self.cores = {c: i for i, c in enumerate(cores)}
        self.last: dict[str, np.ndarray] = {}
        self.start: dict[str, np.ndarray] = {}
        self._walk(graph, buffers)

    def _blank(self) -> np.ndarray:
        return np.full(len(self.cores), -1, dtype=np.int32)

    def _walk(self, graph: Graph, buffers: set[str]) -> None:
        ops = {i for i, n in enumerate(graph.nodes)}
        now = {c: self._blank() for c in self.cores}  # what the next step on a core knows
        vouched = {c: self._blank() for c in self.cores}  # what a signal from a core vouches for
        sent: dict[tuple[int, Coord], list[np.ndarray]] = {}  # (semaphore, waiting core) -> the signals' clocks
        for g, n in enumerate(graph.nodes):
            if n.op == Op.VIEW:
                continue
            for core, step in n.attrs["_steps"].items():
                knows = now[core].copy()
                for w in step.wait:
                    if w.sem in ops:  # a readiness semaphore (multicast handshakes order nothing here)
                        for clock in sent.get((w.sem, core), ()):
                            np.maximum(knows, clock, out=knows)
                if step.out in buffers:
                    had = self.start.get(step.out)
                    self.start[step.out] = knows.copy() if had is None else np.minimum(had, knows)
                i = self.cores[core]
                for name in _accessed(step, core, buffers):
                    if name not in self.last:  # (setdefault would build a blank clock on every access)
                        self.last[name] = self._blank()
                    self.last[name][i] = g
                knows[i] = g
                now[core] = knows
                if step.writes():
                    vouched[core] = knows
                for sig in step.signal:
                    for c in sig.cores:
                        sent.setdefault((sig.sem, c), []).append(vouched[core])

    def dead_for(self, names: list[str], new: str) -> np.ndarray:
        """Which of `names` are dead before any step writes `new` (a buffer no step writes: none)."""
        start = self.start.get(new)
        if start is None or not names:
            return np.zeros(len(names), dtype=bool)
        blank = self._blank()
        last = np.stack([self.last.get(n, blank) for n in names])
        return (last <= start).all(axis=1)


def _accessed(step, core: Coord, buffers: set[str]) -> set[str]:
    """The DRAM buffers a step reads or writes on `core`: (to be safe) every buffer any of its fields names, which
    covers what it says it reads and its output, and what it says it reads from name tuples (a Row's aux, a Copy's
    inputs), where only the ones it reads count."""
    names, tuples = _name_fields(type(step))
    found = {v for f in names if (v := getattr(step, f)) in buffers}
    if tuples:
        found.update(n for n in step.reads(core) if n in buffers)
    return found


@cache
def _name_fields(kind: type) -> tuple[tuple[str, ...], bool]:
    """A step type's fields that may hold a buffer name (declared str), and whether it has tuple-of-name fields.
    Built per type once: dataclasses.fields and page sets per step were most of a 12-layer GPT-2's walk."""
    names = tuple(f.name for f in fields(kind) if str(f.type).startswith("str"))
    return names, any(str(f.type).startswith(("tuple[str", "tuple[Operand")) for f in fields(kind))  # (Binary.more)
