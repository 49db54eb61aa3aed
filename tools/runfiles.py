"""Load a saved run directory (stats.json, trace.json, and program.json when present) into frozen dataclasses.

Input: the directory the emulator wrote; output: `Run(path, stats, trace, program)`. The stats and the trace are
the emulator's own schemas (tensix/stats.py, tensix/trace.py), written and read by those modules alone. Every
missing or malformed file or field raises `RunFileError` naming the file, the field and what to run to create it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tensix.jsondoc import REWRITE_HINT, RUN_HINT, RunFileError  # noqa: F401 (re-exported)
from tensix.stats import Stats, read_stats
from tensix.trace import Trace, read_trace

from .programfile import ProgramInfo, load_program


@dataclass(frozen=True, slots=True)
class Run:
    path: Path
    stats: Stats
    trace: Trace
    program: ProgramInfo | None = None  # from program.json, which only some runs have

    @property
    def title(self) -> str:
        """What ran: its file's name (`06_gpt2_block.tdf`) when the trace says, else the program's name, else ""."""
        return self.trace.title or (self.program.name if self.program else "")


def load_run(run_dir: str | Path) -> Run:
    """Read `run_dir/stats.json`, `run_dir/trace.json` and (if there) `run_dir/program.json`.

    Raises
    ------
    RunFileError
        If the directory or a file is missing, not JSON, or lacks a field; the message names both.
    """
    path = Path(run_dir)
    if not path.is_dir():
        raise RunFileError(f"run directory {path} not found; {RUN_HINT}")
    return Run(path, read_stats(path / "stats.json"), read_trace(path / "trace.json"),
               load_program(path / "program.json"))
