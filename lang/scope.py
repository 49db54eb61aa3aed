"""Name binding for `lower`: nested scopes of compile-time values, tensors and blocks, with did-you-mean.

Values a name can hold: int, float, bool, str, tuple (a list literal), `Dtype`, a builder `Tensor`, a
`BlockDef`, or `POISON` (its definition failed, so later uses stay silent instead of cascading).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from tensix.lang import syntax as s
from tensix.lang.errors import NameResolutionError, SourcePos

__all__ = ["POISON", "BlockDef", "Dtype", "Frame", "Poisoned", "Results", "Scope", "did_you_mean", "fill_template",
           "where"]


class _Poison:
    def __repr__(self) -> str:
        return "POISON"


POISON = _Poison()


class Poisoned(Exception):
    """An expression used a name whose definition already failed (and was reported)."""


@dataclass(frozen=True, slots=True)
class Dtype:
    """A dtype written as a value, as in `cast(x, fp32)`."""

    name: str


@dataclass(frozen=True, slots=True)
class Results:
    """The values of a call of a block with several results (`return a, b`); only `let a, b = f(x)` takes them."""

    values: tuple  # builder Tensors, in the order of the block's `return`
    block: str


@dataclass(frozen=True, slots=True)
class BlockDef:
    """A user-defined block with the scope of the module that defines it (blocks see that module's names)."""

    syntax: s.Block
    scope: Scope
    path: str


def where(first: SourcePos | None, here: SourcePos | None) -> str:
    """" (first at line 3)" for the same file, " (first at lib.tdf:3:7)" for another; "" if unknown."""
    if first is None:
        return ""
    same = here is not None and first.path == here.path
    return f" (first at line {first.line})" if same else f" (first at {first})"


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    match = difflib.get_close_matches(name, sorted(set(candidates)), n=1)
    return f" (did you mean '{match[0]}'?)" if match else ""


class Scope:
    """One level of names; lookups fall back to the parent (a block's scope falls back to its module's)."""

    def __init__(self, parent: Scope | None = None):
        self.parent = parent
        self.values: dict[str, object] = {}
        self.where: dict[str, SourcePos | None] = {}
        self.incomplete = False  # an import failed: unknown names here are not worth reporting

    def unknown(self, error: Exception) -> Exception:
        """The error for an unknown name, or Poisoned when a failed import may have defined it."""
        scope = self
        while scope is not None:
            if scope.incomplete:
                return Poisoned()
            scope = scope.parent
        return error

    def find(self, name: str) -> tuple[bool, object]:
        scope = self
        while scope is not None:
            if name in scope.values:
                return True, scope.values[name]
            scope = scope.parent
        return False, None

    def local(self, name: str) -> bool:
        return name in self.values

    def bind(self, name: str, value: object, pos: SourcePos | None) -> None:
        self.values[name] = value
        self.where[name] = pos

    def unbind(self, name: str) -> None:
        self.values.pop(name, None)
        self.where.pop(name, None)

    def names(self) -> set[str]:
        own = set(self.values)
        return own | self.parent.names() if self.parent is not None else own

    def defined_at(self, name: str) -> SourcePos | None:
        scope = self
        while scope is not None:
            if name in scope.where:
                return scope.where[name]
            scope = scope.parent
        return None


_TEMPLATE = re.compile(r"\{(\w+)\}")


def fill_template(text: str, scope: Scope, pos: SourcePos) -> str:
    """Replace each `{name}` in `text` by the value of the int or str const `name` (e.g. `h{i}.attn` -> `h0.attn`)."""

    def value(match: re.Match) -> str:
        found, v = scope.find(match.group(1))
        if not found:
            raise scope.unknown(NameResolutionError(pos, f"unknown name '{match.group(1)}' in '{text}'"
                                                    + did_you_mean(match.group(1), scope.names())))
        if v is POISON:
            raise Poisoned()
        if type(v) not in (int, str):
            raise NameResolutionError(pos, f"'{match.group(1)}' in '{text}' must be an integer or a string")
        return str(v)

    return _TEMPLATE.sub(value, text)


@dataclass(slots=True)
class Frame:
    """Where statements are being lowered: their scope, file, param-name prefix and enclosing block."""

    scope: Scope
    path: str
    defs: Scope  # the module's consts and blocks: what a block's body can see besides its parameters
    prefix: str = ""
    block: BlockDef | None = None
    imported: bool = False
    depth: int = 0  # nesting in repeat / region bodies
    result: object = None

    def param_name(self, local: str) -> str:
        return f"{self.prefix}.{local}" if self.prefix else local
