"""The error hierarchy: every user mistake, on the device or in the language, is a TensixError.

The CLI prints TensixErrors (with `format()`) and exits 1; any other exception is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass


class TensixError(Exception):
    """Root of every error a user can cause."""

    def format(self) -> str:
        return f"error: {self}"


class ConfigError(TensixError):
    """A device preset or MeshConfig that cannot describe a device."""


class ProgramError(TensixError):
    """A Program that is malformed: unknown core, kernel, buffer or argument."""


class SramError(TensixError):
    """Out of memory or out of bounds in a core's local SRAM."""


class CircularBufferError(TensixError):
    """A circular buffer used against its protocol (over-push, over-pop, bad page count)."""


class NocError(TensixError):
    """A NoC transfer that cannot be made: unroutable, oversized, misaligned."""


class DramError(TensixError):
    """A DRAM access outside a buffer."""


class KernelError(TensixError):
    """A kernel raised, or called the device API wrongly; names the core and role."""


class DeadlockError(TensixError):
    """No kernel can progress; lists every blocked kernel and what it waits for."""


class LimitError(TensixError):
    """A run passed a limit it was given (cycles, trace records): usually a kernel that never stops."""


@dataclass(frozen=True, slots=True)
class SourcePos:
    """A position in a source file: 1-based line and column, with the span's end column. `inner`: for an op inlined
    from a block, where in the block it is written (the position itself is the call site)."""

    path: str
    line: int
    col: int
    end_col: int | None = None
    inner: SourcePos | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


class SourceError(TensixError):
    """An error in a `.tdf` source, printed as `path:line:col: error: message`, the line and a caret."""

    def __init__(self, pos: SourcePos | None, message: str, source: str | None = None):
        super().__init__(message)
        self.pos = pos
        self.message = message
        self.source = source

    def format(self) -> str:
        if self.pos is None:
            return f"error: {self.message}"
        head = f"{self.pos}: error: {self.message}"
        line = _source_line(self.source, self.pos.line)
        if line is None:
            return head
        text = f"{head}\n{_excerpt(line, self.pos)}"
        inner = self.pos.inner
        if inner is None:
            return text
        note = f"{inner}: note: inside the block called here"
        inner_line = _source_line(self.source, inner.line) if inner.path == self.pos.path else None
        return f"{text}\n{note}" + (f"\n{_excerpt(inner_line, inner)}" if inner_line is not None else "")

    def __str__(self) -> str:
        return f"{self.pos}: {self.message}" if self.pos else self.message


EXCERPT_CHARS = 100  # a long source line is shown as this much of it around the column


def _excerpt(line: str, pos: SourcePos) -> str:
    """The source line and a caret under the span; a line longer than EXCERPT_CHARS is cut to that much of it from
    a little before the column (marked `...`), and the span's underline to what is shown."""
    width = max(1, (pos.end_col or pos.col + 1) - pos.col)
    if len(line) <= EXCERPT_CHARS:
        return f"{line}\n{' ' * (pos.col - 1)}^{'~' * (width - 1)}"
    start = max(0, min(pos.col - 1 - 20, len(line) - EXCERPT_CHARS))
    end = start + EXCERPT_CHARS
    shown = ("..." if start else "") + line[start:end] + ("..." if end < len(line) else "")
    col = pos.col - 1 - start + (3 if start else 0)
    width = min(width, len(shown) - col)
    return f"{shown}\n{' ' * col}^{'~' * (width - 1)}"


def _source_line(source: str | None, line: int) -> str | None:
    if source is None:
        return None
    lines = source.splitlines()
    return lines[line - 1].expandtabs(1) if 0 < line <= len(lines) else None


class ErrorList(TensixError):
    """Several errors from one file, reported together."""

    def __init__(self, errors: list[TensixError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors

    def format(self) -> str:
        return "\n".join(e.format() for e in self.errors)
