"""Host calls with nothing to do on the emulator (tt-metal's assertion macros are in host_utils)."""

from __future__ import annotations


def ReadMeshDeviceProfilerResults(mesh_device) -> None:
    """tt-metal reads the device profiler (TRACY builds only); the emulator's timings are in mesh_device.last_run."""
