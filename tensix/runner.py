"""The built-in default job: a tiled matmul on the default device, saved as a run directory."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tensix.mesh import Mesh, RunResult
from tensix.programs.matmul import matmul_program


def run_default(device: str | None = None, out: str | None = None, seed: int = 0) -> tuple[RunResult, Path]:
    """Run C = A @ B (512 x 512 x 512, bf16) over an 8x8 grid with random inputs; save it to `out`."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((512, 512), dtype=np.float32)
    b = rng.standard_normal((512, 512), dtype=np.float32)
    result = Mesh(device).run(matmul_program(512, 512, 512, grid=(8, 8)), {"A": a, "B": b})
    return result, result.save(out or "runs/default")
