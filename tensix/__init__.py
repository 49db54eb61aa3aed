"""tensix: an emulator and SDK for Tenstorrent-style dataflow meshes.

Build a Program (or compile one from a .tdf file with tensix.lang), run it on `Mesh(device)`, and read
outputs, cycles, the trace and stats from the RunResult.
"""

from tensix.compiled import ACTIVE as COMPILED  # first: it decides how the run-time core loads
from tensix.config import MeshConfig, TileKind
from tensix.errors import (
    CircularBufferError,
    ConfigError,
    DeadlockError,
    DramError,
    KernelError,
    LimitError,
    NocError,
    ProgramError,
    SramError,
    TensixError,
)
from tensix.mesh import Mesh, RunResult
from tensix.presets import DEFAULT_DEVICE, PRESETS, preset
from tensix.program import CoreRange, Program
from tensix.stats import Stats
from tensix.timing import TimingModel

__all__ = [
    "COMPILED", "DEFAULT_DEVICE", "PRESETS", "CircularBufferError", "ConfigError", "CoreRange", "DeadlockError",
    "DramError", "KernelError", "LimitError", "Mesh", "MeshConfig", "NocError", "Program", "ProgramError",
    "RunResult", "SramError", "Stats", "TensixError", "TileKind", "TimingModel", "preset",
]
