"""The `dm_calibration` benchmark: every published data-movement measurement (tools/dm_data.py) against the
cycles tensix predicts for the same micro-program (tensix/programs/dm.py), one `dm_point` line each and one
summary line with the median and largest relative error."""

from __future__ import annotations

import statistics
from collections.abc import Iterator

from tensix.tools.dm_data import points

from tensix.mesh import Mesh
from tensix.programs.dm import dm_program


def predict(mesh: Mesh, experiment: str, side: int, size: int, count: int) -> int:
    """Cycles tensix predicts for one micro-experiment on `mesh`."""
    return mesh.run(dm_program(experiment, size, count, side=side or 5)).cycles


def dm_rows() -> list[dict]:
    """One dm_point row per published measurement."""
    meshes: dict[str, Mesh] = {}
    rows = []
    for device, experiment, side, size, count, cycles, source in points():
        mesh = meshes.setdefault(device, Mesh(device))
        got = predict(mesh, experiment, side, size, count)
        name = experiment if not side else f"{experiment}_{side}x{side}"
        rows.append({"name": "dm_point", "experiment": f"{name} {size}B x{count}", "device": device,
                     "predicted": got, "measured": cycles, "error": (got - cycles) / cycles, "source": source})
    return rows


def bench_dm_calibration(repeat: int) -> Iterator[dict]:
    """Predicted against measured for every point, then the summary (errors as fractions)."""
    rows = dm_rows()
    yield from rows
    errors = [abs(r["error"]) for r in rows]
    yield {"name": "dm_calibration", "points": len(rows), "median_abs_error": statistics.median(errors),
           "max_abs_error": max(errors)}


def markdown_table(rows: list[dict]) -> str:
    """The dm_point rows as the markdown table docs/timing.md shows."""
    lines = ["| device | experiment | predicted | measured | error |", "|---|---|--:|--:|--:|"]
    lines += [f"| {r['device']} | {r['experiment']} | {r['predicted']} | {r['measured']} | {100 * r['error']:+.1f}% |"
              for r in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table(dm_rows()))
