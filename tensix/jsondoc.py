"""Checked access to a run directory's JSON files: every missing or malformed field raises `RunFileError` naming the
file, the field and what to run to write the file again.

Input: a path; output: a `JsonDoc` whose typed getters (`int()`, `coord()`, ...) validate as they read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tensix.errors import TensixError

Coord = tuple[int, int]

RUN_HINT = "write a run directory with `tensix run PROGRAM.tdf --out DIR` (or `RunResult.save(DIR)`) first"
REWRITE_HINT = "rerun the program to write the run directory again (`tensix run PROGRAM.tdf --out DIR`)"

class RunFileError(TensixError):
    """A run directory that is missing, or holds a file the visualizers cannot read."""


class JsonDoc:
    """A JSON value with the file and field path it came from, so every error can name both."""

    def __init__(self, file: Path, value: Any, where: str = ""):
        self.file, self.value, self.where = file, value, where

    def fail(self, problem: str) -> RunFileError:
        field = f"field '{self.where}'" if self.where else "the top level"
        return RunFileError(f"{self.file}: {field} {problem}; {REWRITE_HINT}")

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and self.value.get(key) is not None

    def __getitem__(self, key: str) -> JsonDoc:
        if not isinstance(self.value, dict):
            raise self.fail(f"should be an object, not {self.value!r:.40}")
        if key not in self.value:
            return JsonDoc(self.file, None, self._sub(key)).missing()
        return JsonDoc(self.file, self.value[key], self._sub(key))

    def _sub(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def missing(self) -> JsonDoc:
        raise self.fail("is missing")

    def items(self) -> list[JsonDoc]:
        if not isinstance(self.value, list):
            raise self.fail(f"should be a list, not {self.value!r:.40}")
        return [JsonDoc(self.file, v, f"{self.where}[{i}]") for i, v in enumerate(self.value)]

    def fields(self) -> list[tuple[str, JsonDoc]]:
        """The (key, value) pairs of an object, in file order."""
        if not isinstance(self.value, dict):
            raise self.fail(f"should be an object, not {self.value!r:.40}")
        return [(k, JsonDoc(self.file, v, self._sub(k))) for k, v in self.value.items()]

    def bool(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.fail(f"should be true or false, not {self.value!r:.40}")
        return self.value

    def int(self) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int | float) or self.value != int(self.value):
            raise self.fail(f"should be an integer, not {self.value!r:.40}")
        return int(self.value)

    def float(self) -> float:
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise self.fail(f"should be a number, not {self.value!r:.40}")
        return float(self.value)

    def str(self) -> str:
        if not isinstance(self.value, str):
            raise self.fail(f"should be a string, not {self.value!r:.40}")
        return self.value

    def opt_str(self, key: str) -> str | None:
        return self[key].str() if self.has(key) else None

    def ints(self, n: int) -> tuple[int, ...]:
        values = tuple(v.int() for v in self.items())
        if len(values) != n:
            raise self.fail(f"should hold {n} integers, not {self.value!r:.40}")
        return values

    def coord(self) -> Coord:
        x, y = self.ints(2)
        return (x, y)

    def choice(self, allowed: tuple[str, ...]) -> str:
        value = self.str()
        if value not in allowed:
            raise self.fail(f"is {value!r}; expected one of {', '.join(allowed)}")
        return value


def read_json(path: Path) -> JsonDoc:
    if not path.is_file():
        raise RunFileError(f"{path} not found: {path.parent} is not a run directory; {RUN_HINT}")
    try:
        return JsonDoc(path, json.loads(path.read_text()))
    except json.JSONDecodeError as exc:
        raise RunFileError(f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
                           f"{REWRITE_HINT}") from None
