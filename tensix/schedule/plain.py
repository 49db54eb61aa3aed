"""The schedule's plain form: JSON-able dicts, lists and scalars, to and from the contract's dataclasses.

Encoding reads the records' fields; decoding is driven by their type hints, so a new step kind or field needs
no change here. The text form (text.py) parses into the same plain values and decodes with `decode`.
"""

from __future__ import annotations

import functools
import types
import typing
from dataclasses import MISSING, fields, is_dataclass
from enum import Enum

from tensix.errors import SourceError, SourcePos
from tensix.schedule import contract
from tensix.schedule.contract import STEPS, Schedule, Step, Units


class ScheduleFormatError(SourceError):
    """Plain or text data that does not describe a schedule value (positioned when it came from a .sched)."""

    def __init__(self, message: str, pos: SourcePos | None = None):
        super().__init__(pos, message)


def to_plain(value, full: bool = False):
    """Records as dicts of their non-default fields (`full`: all of them; steps also name their `op`), tuples as
    lists."""
    if isinstance(value, tuple | list):
        return [to_plain(v, full) for v in value]
    if isinstance(value, Enum):
        return value.value
    record = _record_fields(type(value))
    if record is None:
        return value
    out = {"op": str(value.op)} if isinstance(value, Step) else {}
    for name, default in record:
        v = getattr(value, name)
        if full or default is MISSING or v != default:
            out[name] = to_plain(v, full)
    return out


@functools.cache
def _record_fields(cls: type) -> tuple[tuple[str, object], ...] | None:
    """(name, default or MISSING) of each field but `at` of a dataclass; None for any other type."""
    if not is_dataclass(cls):
        return None
    return tuple((f.name, f.default) for f in fields(cls) if f.name != "at")


def schedule_from_plain(data) -> Schedule:
    return decode(Schedule, data)


def kernel_args(args: dict) -> dict:
    """A stage kernel's arguments from JSON: its steps and its core's units."""
    return {**args, "steps": decode(tuple[Step, ...], args["steps"]), "units": decode(Units, args["units"])}


@functools.cache
def _hints(cls: type) -> dict:
    return typing.get_type_hints(cls, vars(contract))


def decode(tp, value, pos: SourcePos | None = None):
    """`value` (plain) as type `tp` of the contract; `pos` is where the value was written (text form)."""
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        for a in args:
            if a is not type(None) and _accepts(a, value):
                return decode(a, value, pos)
        raise ScheduleFormatError(f"{_show(value)} is not a {_name(tp)}", pos)
    if origin is tuple:
        return _decode_tuple(tp, value, pos)
    if tp is Step:
        return _decode_step(value, pos)
    if isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields"):
        return tp(*_decode_tuple(tuple[tuple(_hints(tp)[f] for f in tp._fields)], value, pos))
    if is_dataclass(tp):
        return _decode_record(tp, value, pos)
    return _scalar(tp, value, pos)


def _accepts(tp, value) -> bool:
    if tp in (int, float, str):
        return isinstance(value, tp) and not isinstance(value, bool) or tp is float and isinstance(value, int)
    if typing.get_origin(tp) is tuple or isinstance(tp, type) and issubclass(tp, tuple):
        return isinstance(value, list | tuple)
    return isinstance(value, dict)


def _decode_tuple(tp, value, pos):
    if not isinstance(value, list | tuple):
        raise ScheduleFormatError(f"{_show(value)} is not a list", pos)
    args = typing.get_args(tp)
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(decode(args[0], v, _at(v, pos)) for v in value)
    if len(args) != len(value):
        raise ScheduleFormatError(f"{_show(value)} should hold {len(args)} values, not {len(value)}", pos)
    return tuple(decode(a, v, _at(v, pos)) for a, v in zip(args, value, strict=True))


def _decode_step(value, pos):
    if not isinstance(value, dict) or "op" not in value:
        raise ScheduleFormatError(f"{_show(value)} is not a step (a record with an op)", pos)
    cls = STEPS.get(value["op"])
    if cls is None:
        known = ", ".join(STEPS)
        raise ScheduleFormatError(f"unknown step kind '{value['op']}'; one of: {known}", pos)
    return _decode_record(cls, {k: v for k, v in value.items() if k != "op"}, pos)


def _decode_record(cls, value, pos):
    if not isinstance(value, dict):
        raise ScheduleFormatError(f"{_show(value)} is not a {cls.__name__} record", pos)
    hints = _hints(cls)
    at = value.get("at") or pos
    known = {f.name: f for f in fields(cls) if f.name != "at"}
    unknown = sorted(set(value) - set(known) - {"at"})
    if unknown:
        raise ScheduleFormatError(f"{cls.__name__} has no field '{unknown[0]}'; its fields: {', '.join(known)}", at)
    missing = [n for n, f in known.items() if n not in value and f.default is MISSING]
    if missing:
        raise ScheduleFormatError(f"{cls.__name__} needs field '{missing[0]}'", at)
    kwargs = {n: decode(hints[n], v, _at(v, at)) for n, v in value.items() if n != "at"}
    return cls(**kwargs, at=at)


def _at(value, pos):
    """A text value's own position when the parser recorded one (records carry "at")."""
    return value.get("at", pos) if isinstance(value, dict) else pos


def _scalar(tp, value, pos):
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp in (int, float, str) and isinstance(value, tp) and not isinstance(value, bool):
        return value
    raise ScheduleFormatError(f"{_show(value)} is not a {_name(tp)}", pos)


def _name(tp) -> str:
    return getattr(tp, "__name__", str(tp))


def _show(value) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def plain_steps(node) -> dict:
    """{core: plain step} of a compiler IR node's steps (attrs["_steps"]): what tests and dumps compare."""
    return {core: to_plain(step, full=True) for core, step in node.attrs["_steps"].items()}
