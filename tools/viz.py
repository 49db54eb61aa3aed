"""Draw every view of a saved run: the entry point of the visualizers (`render_all`, and `python -m tensix.tools.viz`).

Input: a run directory (stats.json, trace.json), optionally a second one to compare against; output: the traffic
maps, heatmaps, timeline, SRAM map, zero-skip view, diff views, summary.txt and report.html in `RUN_DIR/viz/`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tensix.errors import TensixError

from .diff import diff_runs, write_diff
from .gantt import write_timeline_overview
from .heatmap import write_heatmaps
from .report import write_report
from .runfiles import load_run
from .sram_map import write_sram_map
from .summary import summary_text
from .timeline import write_timeline
from .traffic_map import write_traffic_maps
from .zero_skip import write_zero_skip


def render_all(run_dir: str | Path, out_dir: str | Path | None = None, against: str | Path | None = None,
               dot: bool = True, *, metric: str = "bytes", top: int = 10) -> list[Path]:
    """Write every view of the run in `run_dir` and return the paths written (report.html last).

    Parameters
    ----------
    run_dir : the run directory (holds stats.json and trace.json).
    out_dir : where to write; default `run_dir/viz`.
    against : another run directory on the same NoC grid; adds the diff views (changes = this run - that run).
    dot : draw the traffic maps to SVG/PNG with graphviz. Without graphviz's `dot` program (or with False) only the
        .dot sources are written, and (if True) a hint on installing graphviz is printed.
    metric : "bytes" or "utilization" (busy cycles / run cycles): what colours the traffic-map links.
    top : how many of the hottest links the traffic maps label.

    Raises
    ------
    RunFileError
        If a run directory or one of its files is missing or malformed.
    """
    run = load_run(run_dir)
    out = Path(out_dir) if out_dir is not None else run.path / "viz"
    out.mkdir(parents=True, exist_ok=True)
    files = write_traffic_maps(run.stats, out, metric=metric, top=top, render=dot, trace=run.trace)
    files += write_heatmaps(run.stats, out, run.trace)
    files.append(write_timeline(run, out / "timeline.json"))
    overview = write_timeline_overview(run, out / "timeline_overview.png")
    files += [overview] if overview else []
    files += write_sram_map(run.stats, out)
    files += write_zero_skip(run.stats, out)
    summary = out / "summary.txt"
    summary.write_text(summary_text(run.stats, run=run))
    files.append(summary)
    diff = None
    if against is not None:
        diff = diff_runs(run.stats, load_run(against).stats)
        files += write_diff(diff, out, against=str(against), render=dot)
    files.append(write_report(run, out, files, diff=diff, against=str(against or "")))
    return files


def main(argv: list[str] | None = None) -> int:
    """Command line: `python -m tensix.tools.viz RUN_DIR [--against DIR] [--out DIR] [--no-dot]`."""
    parser = argparse.ArgumentParser(prog="python -m tensix.tools.viz", description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="run directory holding stats.json and trace.json")
    parser.add_argument("--out", type=Path, default=None, help="output directory (default RUN_DIR/viz)")
    parser.add_argument("--against", type=Path, default=None, help="a baseline run directory to compare with")
    parser.add_argument("--no-dot", action="store_true", help="write .dot sources only, do not call graphviz")
    parser.add_argument("--metric", choices=("bytes", "utilization"), default="bytes", help="traffic-map colouring")
    args = parser.parse_args(argv)
    try:
        files = render_all(args.run_dir, args.out, args.against, not args.no_dot, metric=args.metric)
    except TensixError as exc:
        print(exc.format(), file=sys.stderr)
        return 1
    print(f"wrote {len(files)} files to {files[-1].parent}; open {files[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
