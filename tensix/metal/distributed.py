"""The mesh-device host API (tt::tt_metal::distributed) as far as the programming examples use it: a unit mesh
of one device, replicated MeshBuffers, MeshWorkload, and the Enqueue*MeshBuffer / EnqueueMeshWorkload calls."""

from __future__ import annotations

from dataclasses import dataclass

from tensix.errors import ProgramError
from tensix.metal.buffers import Buffer
from tensix.metal.device import (
    CommandQueue,
    EnqueueProgram,
    EnqueueReadBuffer,
    EnqueueWriteBuffer,
    MetalDevice,
)
from tensix.metal.device import Finish as _finish
from tensix.metal.enums import BufferType, TensorMemoryLayout


@dataclass(frozen=True, slots=True)
class MeshShape:
    rows: int
    cols: int

    def mesh_size(self) -> int:
        return self.rows * self.cols


@dataclass(frozen=True, slots=True)
class MeshCoordinate:
    row: int = 0
    col: int = 0


class MeshCoordinateRange:
    """All devices of a mesh shape (a unit mesh: the one device)."""

    def __init__(self, start, end=None):
        self.shape = start if isinstance(start, MeshShape) else MeshShape(1, 1)


class MeshDevice(MetalDevice):
    """A mesh of devices; tensix emulates unit meshes (one device), as the single-chip examples use."""

    @classmethod
    def create_unit_mesh(cls, device_id: int = 0, device=None, **kwargs) -> MeshDevice:
        return cls(device_id, device, **kwargs)

    def shape(self) -> MeshShape:
        return MeshShape(1, 1)

    def mesh_command_queue(self, cq_id: int = 0) -> CommandQueue:
        return self.command_queue(cq_id)

    def get_devices(self) -> list[MetalDevice]:
        return [self]

    def get_device(self, *coord) -> MetalDevice:
        return self


@dataclass(frozen=True, slots=True)
class BufferShardingArgs:
    shard_spec: object = None
    buffer_layout: TensorMemoryLayout = TensorMemoryLayout.INTERLEAVED


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceLocalBufferConfig:
    page_size: int
    buffer_type: BufferType = BufferType.DRAM
    sharding_args: BufferShardingArgs | None = None
    bottom_up: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplicatedBufferConfig:
    size: int


class MeshBuffer(Buffer):
    """A buffer replicated on every device of the mesh (here: the one)."""

    @classmethod
    def create(cls, global_config: ReplicatedBufferConfig, local_config: DeviceLocalBufferConfig,
               mesh_device: MeshDevice) -> MeshBuffer:
        if not isinstance(mesh_device, MetalDevice):
            raise ProgramError(f"MeshBuffer.create: {mesh_device!r} is not a device; pass the MeshDevice")
        shard = local_config.sharding_args
        layout = shard.buffer_layout if shard is not None else TensorMemoryLayout.INTERLEAVED
        return cls(mesh_device, global_config.size, local_config.page_size, local_config.buffer_type, layout,
                   shard.shard_spec if shard is not None else None)


class MeshWorkload:
    """Programs by device range."""

    def __init__(self):
        self.programs: list[tuple[object, object]] = []

    def add_program(self, device_range, program) -> None:
        self.programs.append((device_range, program))

    def get_programs(self) -> list:
        return [p for _, p in self.programs]


def EnqueueWriteMeshBuffer(cq, buffer, data, blocking: bool = False) -> None:
    EnqueueWriteBuffer(cq, buffer, data, blocking)


def EnqueueReadMeshBuffer(cq, out, buffer, blocking: bool = True) -> None:
    """Note tt-metal's order here: destination first, then the buffer."""
    EnqueueReadBuffer(cq, buffer, out, blocking)


def WriteShard(cq, buffer, data, coord=None, blocking: bool = False) -> None:
    EnqueueWriteBuffer(cq, buffer, data, blocking)


def ReadShard(cq, out, buffer, coord=None, blocking: bool = True) -> None:
    EnqueueReadBuffer(cq, buffer, out, blocking)


def EnqueueMeshWorkload(cq, workload: MeshWorkload, blocking: bool = False) -> None:
    for _, program in workload.programs:
        EnqueueProgram(cq, program, blocking)


def Finish(cq) -> None:
    _finish(cq)
