"""A tensix.metal device with a run directory (`run_dir=` or TENSIX_RUN_DIR) records its Python program for
`tensix rerun` (tensix/pyrecord.py): after every program and at close the directory holds the last program's
stats.json and trace.json, the DPRINT logs, the program's source, the host writes as fed and run.json."""

from __future__ import annotations

from pathlib import Path

from tensix.files import write_text_atomically
from tensix.pyrecord import ProgramLog, next_save, record, rerun_target, this_program, write
from tensix.rundir import check_out
from tensix.trace_json import trace_json


class DeviceRecord:
    """The record of one device's programs and host I/O, written to its run directory."""

    def __init__(self, run_dir: Path):
        self.number = next_save()
        self.out = rerun_target(run_dir, f"save-{self.number}")
        check_out(self.out)  # an unwritable directory, or one holding other files, is refused before any run
        self.log = ProgramLog()

    def save(self, mdev) -> None:
        program = this_program()
        run = record(program, self.log, mdev.cfg, mdev.timing, self.number)
        write(self.out, self.log, run, program, lambda d: _artifacts(mdev, d))


def _artifacts(mdev, d: Path) -> None:
    last = mdev.last_run
    if last is not None:
        last.stats.save(d / "stats.json")
        write_text_atomically(d / "trace.json", trace_json(last.trace) + "\n")
    write_dprint(mdev, d)


def write_dprint(mdev, d: Path) -> None:
    """DPRINT lines go to <run_dir>/dprint/core_<x>_<y>.log, by cycle."""
    if not mdev.dprint:
        return
    out = d / "dprint"
    out.mkdir(parents=True, exist_ok=True)
    for (x, y), lines in mdev.dprint.items():
        text = "".join(f"{t:>10} {role:<8} {msg}\n" for t, role, msg in sorted(lines, key=lambda r: r[0]))
        (out / f"core_{x}_{y}.log").write_text(text)
