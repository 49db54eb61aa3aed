"""tt-metal's newer device objects (`experimental::Noc`, `experimental::CircularBuffer`, endpoints), built on
the context: `noc = ctx.experimental.Noc(); noc.async_read(src, dst, size, src_args, dst_args)`.

An end of a transfer is an address generator or TensorAccessor (args {"page_id": i, "offset_bytes": o}), a
CircularBuffer (this core's L1: its write pointer when read into, its read pointer when written from, plus
{"offset_bytes": o}), an AllocatorBank ({"bank_id": b, "addr": a}), a UnicastEndpoint ({"noc_x": x,
"noc_y": y, "addr": a}), or a plain L1 address.
"""

from __future__ import annotations

import enum

from tensix.errors import KernelError


class AllocatorBankType(enum.Enum):
    DRAM = "dram"
    L1 = "l1"


class CircularBuffer:
    """experimental::CircularBuffer cb(id): the CB calls as methods."""

    def __init__(self, ctx, cb_id: int):
        self.ctx, self.cb_id = ctx, int(cb_id)

    def reserve_back(self, n: int) -> None:
        self.ctx.cb_reserve_back(self.cb_id, n)

    def push_back(self, n: int) -> None:
        self.ctx.cb_push_back(self.cb_id, n)

    def wait_front(self, n: int) -> None:
        self.ctx.cb_wait_front(self.cb_id, n)

    def pop_front(self, n: int) -> None:
        self.ctx.cb_pop_front(self.cb_id, n)

    def get_write_ptr(self) -> int:
        return self.ctx.get_write_ptr(self.cb_id)

    def get_read_ptr(self) -> int:
        return self.ctx.get_read_ptr(self.cb_id)

    def get_tile_size(self) -> int:
        return self.ctx.get_tile_size(self.cb_id)


class AllocatorBank:
    """experimental::AllocatorBank<type>: a bank addressed by {"bank_id", "addr"}."""

    def __init__(self, ctx, bank_type: AllocatorBankType = AllocatorBankType.DRAM):
        self.ctx, self.is_dram = ctx, bank_type is AllocatorBankType.DRAM


class UnicastEndpoint:
    """experimental::UnicastEndpoint: any NoC tile, addressed by {"noc_x", "noc_y", "addr"}."""

    def __init__(self, ctx):
        self.ctx = ctx


class Noc:
    """experimental::Noc: reads, writes and barriers between the ends above."""

    def __init__(self, ctx, noc: int | None = None):
        self.ctx, self.noc = ctx, noc

    def _remote(self, end, args) -> tuple[int, int, int]:
        args = args or {}
        if hasattr(end, "location"):
            return end.location(int(args.get("page_id", 0)), int(args.get("offset_bytes", 0)))
        if isinstance(end, AllocatorBank):
            x, y = self.ctx.bank_xy(end.is_dram)[int(args["bank_id"])]
            return x, y, int(args["addr"])
        if isinstance(end, UnicastEndpoint):
            self.ctx.check_noc_xy(int(args["noc_x"]), int(args["noc_y"]), "Noc endpoint")
            return int(args["noc_x"]), int(args["noc_y"]), int(args["addr"])
        return self._local(end, args, self.ctx.get_read_ptr)

    def _local(self, end, args, ptr) -> tuple[int, int, int]:
        args = args or {}
        if isinstance(end, CircularBuffer):
            addr = ptr(end.cb_id) + int(args.get("offset_bytes", 0))
        elif isinstance(end, int):
            addr = end + int(args.get("offset_bytes", 0))
        else:
            raise KernelError(f"{self.ctx.where()}: {end!r} is not an end of a NoC transfer on this core")
        return (*self.ctx.noc_xy, addr)

    def async_read(self, src, dst, size_bytes: int, src_args=None, dst_args=None) -> None:
        dst_l1 = self._local(dst, dst_args, self.ctx.get_write_ptr)[2]
        self.ctx.noc_async_read(self._remote(src, src_args), dst_l1, size_bytes, self.noc)

    def async_write(self, src, dst, size_bytes: int, src_args=None, dst_args=None) -> None:
        src_l1 = self._local(src, src_args, self.ctx.get_read_ptr)[2]
        self.ctx.noc_async_write(src_l1, self._remote(dst, dst_args), size_bytes, self.noc)

    def async_read_barrier(self) -> None:
        self.ctx.noc_async_read_barrier()

    def async_write_barrier(self) -> None:
        self.ctx.noc_async_write_barrier()

    def async_writes_flushed(self) -> None:
        self.ctx.noc_async_writes_flushed()

    def async_atomic_barrier(self) -> None:
        self.ctx.noc_async_atomic_barrier()

    def async_full_barrier(self) -> None:
        self.ctx.noc_async_full_barrier()


class Experimental:
    """ctx.experimental: the objects above, bound to the kernel."""

    AllocatorBankType = AllocatorBankType

    def __init__(self, ctx):
        self.ctx = ctx

    def Noc(self, noc: int | None = None) -> Noc:
        return Noc(self.ctx, noc)

    def CircularBuffer(self, cb_id: int) -> CircularBuffer:
        return CircularBuffer(self.ctx, cb_id)

    CB = CircularBuffer

    def AllocatorBank(self, bank_type: AllocatorBankType = AllocatorBankType.DRAM) -> AllocatorBank:
        return AllocatorBank(self.ctx, bank_type)

    def UnicastEndpoint(self) -> UnicastEndpoint:
        return UnicastEndpoint(self.ctx)


# The host half of experimental:: (tt::tt_metal::experimental), for `experimental.KernelSpec(...)` on the host
from tensix.metal.program_spec import (  # noqa: E402
    ComputeHardwareConfig,
    DataMovementHardwareConfig,
    KernelSpec,
    KernelSpecName,
    MakeProgramFromSpec,
    NodeCoord,
    ProgramRunArgs,
    ProgramSpec,
    RuntimeArgSchema,
    SetProgramRunArgs,
    WorkUnitSpec,
)

__all__ = ["AllocatorBank", "AllocatorBankType", "CircularBuffer", "ComputeHardwareConfig",
           "DataMovementHardwareConfig", "Experimental", "KernelSpec", "KernelSpecName", "MakeProgramFromSpec",
           "Noc", "NodeCoord", "ProgramRunArgs", "ProgramSpec", "RuntimeArgSchema", "SetProgramRunArgs",
           "UnicastEndpoint", "WorkUnitSpec"]
