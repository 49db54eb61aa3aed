"""tensix.tools: visualizers that read a saved run directory (stats.json, trace.json) and draw it.

`render_all(run_dir)` writes every view (traffic maps, heatmaps, timeline, SRAM map, zero-skip view, report.html)
into `run_dir/viz/` (command line: `tensix viz RUN_DIR` or `python -m tensix.tools RUN_DIR`). The visualizers read
the saved files only, through the emulator's file schemas (tensix.stats, tensix.trace, tensix.jsondoc; tensix.config and
tensix.noc.routing for tile kinds and link ends), and never run the emulator or the language, so any saved run can be
redrawn. The benchmarks (bench.py, bench_sparse.py, bench_dm.py, metal_examples.py, with their models gpt2.py
and moe.py) and the data-movement calibration (calibrate_dm.py) do run them.
"""

from .diff import RunDiff, diff_runs, write_diff
from .heatmap import write_heatmaps
from .report import write_report
from .runfiles import Run, RunFileError, load_run
from .sram_map import sram_table, write_sram_map
from .summary import summary_text
from .timeline import trace_events, write_timeline
from .traffic_map import graphviz_available, traffic_dot, write_traffic_maps
from .zero_skip import write_zero_skip, zero_skip_table


def __getattr__(name: str):
    # render_all is loaded on first use so `python -m tensix.tools.viz` does not import viz twice
    if name == "render_all":
        from .viz import render_all

        return render_all
    raise AttributeError(f"module 'tensix.tools' has no attribute {name!r}")


__all__ = [
    "Run",
    "RunDiff",
    "RunFileError",
    "diff_runs",
    "graphviz_available",
    "load_run",
    "render_all",
    "sram_table",
    "summary_text",
    "trace_events",
    "traffic_dot",
    "write_diff",
    "write_heatmaps",
    "write_report",
    "write_sram_map",
    "write_timeline",
    "write_traffic_maps",
    "write_zero_skip",
    "zero_skip_table",
]
