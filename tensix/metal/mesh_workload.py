"""MeshWorkload: programs by mesh coordinate range, and running one on a mesh (each program on every device of
its range, devices one after another: they share no state)."""

from __future__ import annotations

from tensix.errors import ProgramError
from tensix.metal.device import MetalDevice
from tensix.metal.launch import run_program
from tensix.metal.mesh_coord import MeshCoordinateRange
from tensix.metal.program import Program


class MeshWorkload:
    """Programs by device range (ranges of one workload must not overlap)."""

    def __init__(self):
        self.programs: list[tuple[MeshCoordinateRange, Program]] = []

    def add_program(self, device_range: MeshCoordinateRange, program: Program) -> None:
        if not isinstance(device_range, MeshCoordinateRange):
            raise ProgramError(f"add_program({device_range!r}, ...): the first argument is a MeshCoordinateRange")
        if not isinstance(program, Program):
            raise ProgramError(f"add_program(range, {program!r}): the second argument is a Program")
        for other, _ in self.programs:
            if other.intersects(device_range):
                raise ProgramError(f"MeshWorkload: {device_range} overlaps {other}, which already has a program")
        self.programs.append((device_range, program))

    def get_programs(self) -> dict:
        return dict(self.programs)


def AddProgramToMeshWorkload(workload: MeshWorkload, program: Program, device_range: MeshCoordinateRange) -> None:
    """Note tt-metal's order here: the program, then the range."""
    workload.add_program(device_range, program)


def run_workload(mesh: MetalDevice, workload: MeshWorkload) -> None:
    """Run each program on every device of its range (devices one after another: they share no state)."""
    grid = getattr(mesh, "_grid", None) or {(0, 0): mesh}  # a MeshDevice's devices, or a single device
    sub_devices = getattr(mesh, "sub_devices", None)
    rows, cols = (max(r for r, _ in grid) + 1, max(c for _, c in grid) + 1)
    for device_range, program in workload.programs:
        if sub_devices is not None:
            sub_devices.check(program)
        for coord in device_range:
            if tuple(coord) not in grid:
                raise ProgramError(f"MeshWorkload targets {coord}, outside this {rows}x{cols} mesh")
            run = run_program(grid[tuple(coord)], program)
            if hasattr(mesh, "last_runs"):
                mesh.last_runs[coord] = run
