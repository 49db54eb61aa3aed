"""Values made from immutable objects a run meets again on every run (a program's steps, blocks and core tuples),
found by the objects' identity: hashing a large tuple or step costs more than what is kept."""

from __future__ import annotations

LIMIT = 65536  # entries a memo holds before it starts afresh: the objects of the programs run lately


class IdentityMemo:
    """value by the identities of one or more objects. Each entry keeps its objects alive, so no other object takes
    their ids while the entry lasts; the objects must not change (tuples, frozen dataclasses)."""

    __slots__ = ("_held",)

    def __init__(self) -> None:
        self._held: dict[tuple[int, ...], tuple] = {}

    def get(self, *objs):
        """The value put for exactly these objects, else None."""
        hit = self._held.get(tuple(map(id, objs)))
        if hit is None or any(a is not b for a, b in zip(hit[0], objs, strict=True)):
            return None
        return hit[1]

    def put(self, value, *objs):
        """Keep `value` for these objects; returns it."""
        if len(self._held) >= LIMIT:
            self._held.clear()
        self._held[tuple(map(id, objs))] = (objs, value)
        return value
