"""tt-metal's host assertion macros, `TT_FATAL(cond, msg, ...)` and `TT_THROW(msg, ...)` (fmt-style `{}` arguments),
and host calls with nothing to do on the emulator."""

from __future__ import annotations

from tensix.errors import TensixError


class TtFatalError(TensixError):
    """A TT_FATAL whose condition was false, or a TT_THROW."""


def TT_THROW(msg: str, *args) -> None:
    raise TtFatalError(msg.format(*args) if args else msg)


def TT_FATAL(cond, msg: str, *args) -> None:
    if not cond:
        TT_THROW(msg, *args)


def ReadMeshDeviceProfilerResults(mesh_device) -> None:
    """tt-metal reads the device profiler (TRACY builds only); the emulator's timings are in mesh_device.last_run."""
