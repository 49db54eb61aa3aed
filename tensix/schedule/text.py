"""The `.sched` text form of a Schedule: `render` writes it, `parse` reads it back (grammar: schedule.lark).

One record per line, `KIND field=value ...` with the fields that differ from their defaults: the `schedule`
header, its `dram` buffers, then per `core` its `units`, `l1` buffers, `cb`s, `shard`s (of L1-resident tensors)
and steps (the kind is the step's op), each step ending in `# path:line:col`, the .tdf position it came from.
Parsing keeps every line's position, so the verifier points into the file; text -> Schedule -> text is unchanged.
"""

from __future__ import annotations

import functools
import json
from dataclasses import MISSING, fields, is_dataclass
from pathlib import Path

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedInput

from tensix.errors import SourcePos
from tensix.schedule.contract import STEPS, Schedule
from tensix.schedule.plain import ScheduleFormatError, decode

_GRAMMAR = Path(__file__).with_name("schedule.lark")
_CORE_PARTS = {"units": "units", "l1": "buffers", "cb": "cbs", "shard": "shards"}


# --- render --------------------------------------------------------------------------------------------------------
def render(schedule: Schedule) -> str:
    lines = [_line("schedule", schedule, skip=("buffers", "cores"))]
    lines += [_line("dram", b) for b in schedule.buffers]
    for cs in schedule.cores:
        lines.append(_line("core", cs, skip=("units", "buffers", "cbs", "steps", "shards")))
        lines.append("  " + _line("units", cs.units))
        lines += ["  " + _line("l1", b) for b in cs.buffers]
        lines += ["  " + _line("cb", cb) for cb in cs.cbs]
        lines += ["  " + _line("shard", sh) for sh in cs.shards]
        lines += ["  " + _line(str(step.op), step, skip=("src",)) + (f"  # {step.src}" if step.src else "")
                  for step in cs.steps]
    return "\n".join(lines) + "\n"


def _line(kind: str, record, skip: tuple[str, ...] = ()) -> str:
    pairs = _pairs(record, skip)
    return f"{kind} {pairs}" if pairs else kind


def _pairs(record, skip: tuple[str, ...] = ()) -> str:
    out = []
    for f in fields(record):
        v = getattr(record, f.name)
        if f.name == "at" or f.name in skip or f.default is not MISSING and v == f.default:
            continue
        out.append(f"{f.name}={_value(v, f.name)}")
    return " ".join(out)


def _value(v, name: str = "") -> str:
    if v is None:
        return "none"
    if isinstance(v, bool):
        raise TypeError(f"no text form for a bool ({name})")
    if isinstance(v, int):
        return f"0x{v:x}" if name == "address" else str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if is_dataclass(v):
        return "{" + _pairs(v) + "}"
    if isinstance(v, tuple) and hasattr(v, "_fields"):
        return "(" + ", ".join(_value(x) for x in v) + ")"
    if isinstance(v, tuple | list):
        return "[" + ", ".join(_runs(v)) + "]"
    raise TypeError(f"no text form for {type(v).__name__} ({name})")


def _runs(items) -> list[str]:
    """A list's items, arithmetic runs of 3 or more (ints, or tuples of ints) as run(start, step, count)."""
    out, i = [], 0
    while i < len(items):
        step = _diff(items[i], items[i + 1]) if i + 1 < len(items) else None
        j = i + 1
        while step is not None and j + 1 < len(items) and _diff(items[j], items[j + 1]) == step:
            j += 1
        if step is not None and j - i + 1 >= 3:
            shown = str(step) if isinstance(step, int) else _bracket(items[i], ", ".join(map(str, step)))
            out.append(f"run({_value(items[i])}, {shown}, {j - i + 1})")
            i = j + 1
        else:
            out.append(_value(items[i]))
            i += 1
    return out


def _diff(a, b):
    """b - a for two ints or two like tuples of ints; None for anything else."""
    if type(a) is int and type(b) is int:
        return b - a
    if isinstance(a, tuple) and type(a) is type(b) and len(a) == len(b) and all(type(x) is int for x in (*a, *b)):
        return tuple(y - x for x, y in zip(a, b, strict=True))
    return None


def _bracket(like, inner: str) -> str:
    return f"({inner})" if hasattr(like, "_fields") else f"[{inner}]"


# --- parse ---------------------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _parser(path: str) -> Lark:
    """A parser transforming as it parses (no tree: a large schedule parses several times faster)."""
    return Lark(_GRAMMAR.read_text(), parser="lalr", maybe_placeholders=False, transformer=_Plain(path))


def parse(text: str, path: str = "<schedule>") -> Schedule:
    """The Schedule a `.sched` text describes; ScheduleFormatError (with position and caret) when it does not."""
    try:
        lines = _parser(path).parse(text if text.endswith("\n") else text + "\n").children
        return decode(Schedule, _assemble(lines, path))
    except UnexpectedInput as e:
        raise _with_source(ScheduleFormatError(_unexpected(e), SourcePos(path, e.line, e.column)), text) from None
    except ScheduleFormatError as e:
        raise _with_source(e, text) from None


def parse_file(path: str | Path) -> Schedule:
    return parse(Path(path).read_text(), str(path))


def _with_source(error: ScheduleFormatError, text: str) -> ScheduleFormatError:
    error.source = text
    return error


def _unexpected(e: UnexpectedInput) -> str:
    got = getattr(e, "token", None) or getattr(e, "char", "")
    return f"unexpected {str(got)!r}; a line is `KIND name=value ...`"


class _Plain(Transformer):
    """Each line as (kind, {field: plain value}, position, comment), while parsing; records carry their "at"."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def line(self, children):
        kind, rest = children[0], children[1:]
        comment = rest.pop() if rest and isinstance(rest[-1], Token) and rest[-1].type == "COMMENT" else None
        return str(kind), {str(k): v for k, v in rest}, SourcePos(self.path, kind.line, kind.column), comment

    def pair(self, children):
        return children[0], children[1]

    def record(self, children):
        """A {field=value ...} record, positioned at its first field (the parser keeps no tree to ask)."""
        at = SourcePos(self.path, children[0][0].line, children[0][0].column) if children else None
        return {**{str(k): v for k, v in children}, "at": at}

    def list(self, children):
        out = []
        for c in children:
            if isinstance(c, _Run):
                out += c.expand()
            else:
                out.append(c)
        return out

    def tuple(self, children):
        return list(children)

    def run(self, children):
        start, step, count = children
        if isinstance(start, list) != isinstance(step, list) or isinstance(start, list) and len(start) != len(step):
            raise ScheduleFormatError(f"run({start}, {step}, {count}): the start and the step need the same shape",
                                      SourcePos(self.path, count.line, count.column))
        return _Run(start, step, int(count))

    def int(self, children):
        return int(children[0])

    def hex(self, children):
        return int(str(children[0]), 16)

    def float(self, children):
        return float(children[0])

    def string(self, children):
        return json.loads(children[0])

    def none(self, children):
        return None


class _Run:
    """run(start, step, count) in a list: the values it stands for."""

    def __init__(self, start, step, count: int):
        self.start, self.step, self.count = start, step, count

    def expand(self) -> list:
        if isinstance(self.start, list):
            return [[a + k * d for a, d in zip(self.start, self.step, strict=True)] for k in range(self.count)]
        return [self.start + k * self.step for k in range(self.count)]


def _assemble(lines: list, path: str) -> dict:
    """The plain Schedule of the parsed lines: the header, dram lines, then each core and what follows it."""
    if not lines or lines[0][0] != "schedule":
        pos = lines[0][2] if lines else SourcePos(path, 1, 1)
        raise ScheduleFormatError("a schedule starts with its `schedule name=... device=...` line", pos)
    kind, head, pos, _ = lines[0]
    out = {**head, "buffers": [], "cores": [], "at": pos}
    core = None
    for kind, pairs, pos, comment in lines[1:]:
        record = {**pairs, "at": pos}
        if kind == "dram" and core is None:
            out["buffers"].append(record)
        elif kind == "core":
            core = {"units": {}, "buffers": [], "cbs": [], "steps": [], "shards": [], **record}
            out["cores"].append(core)
        elif core is None:
            raise ScheduleFormatError(f"`{kind}` outside a core: put it after a `core core=[x, y]` line", pos)
        elif kind == "units":
            core["units"] = record
        elif kind in _CORE_PARTS:
            core[_CORE_PARTS[kind]].append(record)
        elif kind in STEPS:
            src = comment[1:].strip() if comment else ""
            core["steps"].append({"op": kind, **record, **({"src": src} if src else {})})
        else:
            kinds = ", ".join(["dram", "core", *_CORE_PARTS, *STEPS])
            raise ScheduleFormatError(f"unknown line kind '{kind}'; one of: {kinds}", pos)
    return out


__all__ = ["parse", "parse_file", "render"]
