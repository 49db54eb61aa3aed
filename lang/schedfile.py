"""`.sched` files for the CLI: write a compiled program's Schedule, check one, run one.

A schedule names the .tdf it came from (`source=`): running it takes the params' initializers, the compiler's
constants (causal masks, rotary tables) and the reference check from there, and runs the schedule's own cores,
CBs and steps, however edited. Schedules are compiled with zero skipping planned, as `tensix run` compiles.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tensix.errors import TensixError
from tensix.lang.compiler import Compiled, compile_file
from tensix.presets import resolve
from tensix.programs.stages import build
from tensix.schedule.contract import Schedule
from tensix.schedule.text import parse, render
from tensix.schedule.verify import verify_schedule


def compile_schedule(path: str, device: str | None = None, fidelity: str | None = None, zero_skip: bool = True) -> str:
    """The .sched text of a .tdf program (compiled as `tensix run` compiles it, with or without zero skipping)."""
    return render(compile_file(path, device, zero_skip=zero_skip, fidelity=fidelity).schedule)


def check_schedule(path: str) -> Schedule:
    """Parse and verify a .sched file; raises its first broken rule, positioned in the file."""
    text = _read(path)
    schedule = parse(text, path)
    verify_schedule(schedule, resolve(schedule.device), text)
    return schedule


def compiled_schedule(path: str, skip_zeros: bool = True) -> Compiled:
    """The compiled source program with its Program replaced by the one running the (checked) .sched file."""
    schedule = check_schedule(path)
    source = _source(schedule, path)
    compiled = compile_file(source, schedule.device, zero_skip=skip_zeros)
    return replace(compiled, program=build.program(schedule), schedule=schedule)


def _source(schedule: Schedule, path: str) -> str:
    for candidate in (Path(schedule.source), Path(path).parent / schedule.source):
        if schedule.source and candidate.is_file():
            return str(candidate)
    raise TensixError(f"{path}: its source '{schedule.source}' is not a file (from here or beside the schedule); "
                      f"the run takes the params and the reference from it, so put it there or fix `source=`")


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise TensixError(f"cannot read schedule '{path}': {exc}") from None
