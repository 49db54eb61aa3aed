"""Language-side errors: each a SourceError carrying a SourcePos, printed with a caret by `.format()`.

Raised by the parser, the lowering, the shape pass, the placement check, param loading and the reference.
"""

from __future__ import annotations

from tensix.errors import ErrorList, SourceError, SourcePos, TensixError

__all__ = [
    "DataError", "DslSyntaxError", "ErrorList", "NameResolutionError", "ParamError", "PlacementError",
    "ShapeError", "SourceError", "SourcePos", "TensixError",
]


class DslSyntaxError(SourceError):
    """Text that the grammar does not accept."""


class NameResolutionError(SourceError):
    """An unknown or duplicated name, op, annotation, device or import."""


class ShapeError(SourceError):
    """Shapes or dtypes that an op, a block or an output declaration does not accept."""


class PlacementError(SourceError):
    """A placement annotation that is malformed or lies outside the device's core grid."""


class ParamError(SourceError):
    """A param that cannot be materialized: missing file or key, shape mismatch, unknown format."""


class DataError(SourceError):
    """Input data that does not fit the program (wrong shape, token id out of range)."""


def unreadable(e: OSError | UnicodeDecodeError) -> str:
    """Why a source file cannot be read, for a person: the OS's reason, or where its text stops being UTF-8."""
    if isinstance(e, UnicodeDecodeError):
        data = e.object
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        return f"line {line}, column {col} is not UTF-8 text (byte 0x{data[e.start]:02x}); save the file as UTF-8"
    return e.strerror or str(e)
