"""MeshBuffer: one buffer at one address on every device of a mesh, either replicated (every device holds the
whole buffer) or sharded (the host buffer is a 2-D array of elements cut into shards, one per device).

A sharded buffer's element size is global_size / (height * width) of global_buffer_shape; its shards are taken
in shard_orientation order (row-major: across, then down) and given to the devices row by row.
"""

from __future__ import annotations

import copy
import enum
from dataclasses import dataclass

import numpy as np

from tensix.errors import ProgramError
from tensix.metal.buffers import Buffer
from tensix.metal.device import MetalDevice
from tensix.metal.enums import BufferType, ShardOrientation, TensorMemoryLayout
from tensix.metal.mesh_coord import MeshCoordinate


class MeshBufferLayout(enum.Enum):
    REPLICATED = "replicated"
    SHARDED = "sharded"


@dataclass(frozen=True, slots=True, init=False)
class Shape2D:
    """(height, width), in elements."""

    h: int
    w: int

    def __init__(self, height, width: int | None = None):
        if width is None:
            height, width = height
        object.__setattr__(self, "h", int(height))
        object.__setattr__(self, "w", int(width))

    def height(self) -> int:
        return self.h

    def width(self) -> int:
        return self.w

    def __iter__(self):
        return iter((self.h, self.w))


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


@dataclass(frozen=True, slots=True, kw_only=True)
class ShardedBufferConfig:
    """distributed::ShardedBufferConfig: the host buffer as a (height, width) array cut into shard_shape pieces."""

    global_size: int
    global_buffer_shape: object
    shard_shape: object
    shard_orientation: ShardOrientation = ShardOrientation.ROW_MAJOR


class MeshBuffer(Buffer):
    """The buffer on device (0, 0) of the mesh; `device_buffer(coord)` is the same buffer on another device."""

    @classmethod
    def create(cls, global_config, local_config: DeviceLocalBufferConfig, mesh_device, address=None) -> MeshBuffer:
        if not isinstance(mesh_device, MetalDevice):
            raise ProgramError(f"MeshBuffer.create: {mesh_device!r} is not a device; pass the MeshDevice")
        if not isinstance(local_config, DeviceLocalBufferConfig):
            raise ProgramError("MeshBuffer.create: the second argument is a DeviceLocalBufferConfig")
        coords = list(getattr(mesh_device, "_grid", None) or [(0, 0)])  # a MeshDevice's devices, or one
        if isinstance(global_config, ReplicatedBufferConfig):
            local_size, shards = int(global_config.size), None
        elif isinstance(global_config, ShardedBufferConfig):
            local_size, shards = _shard_plan(global_config, coords)
        else:
            raise ProgramError(f"MeshBuffer.create: {global_config!r} is not a ReplicatedBufferConfig or a "
                               f"distributed ShardedBufferConfig")
        shard = local_config.sharding_args
        layout = shard.buffer_layout if shard is not None else TensorMemoryLayout.INTERLEAVED
        self = cls(mesh_device, local_size, local_config.page_size, local_config.buffer_type, layout,
                   shard.shard_spec if shard is not None else None)
        self.global_config, self.shards = global_config, shards
        self.views = {(0, 0): self}
        for coord in coords[1:]:
            view = copy.copy(self)
            view.device = mesh_device._grid[coord]
            view.device.register_buffer(view)
            self.views[coord] = view
        return self

    def global_layout(self) -> MeshBufferLayout:
        return MeshBufferLayout.SHARDED if self.shards is not None else MeshBufferLayout.REPLICATED

    def size(self) -> int:
        """The whole buffer's size: a sharded buffer's global size."""
        return int(self.global_config.global_size) if self.shards is not None else self._size

    def device_local_size(self) -> int:
        return self._size

    def get_reference_buffer(self) -> Buffer:
        return self

    def get_device_buffer(self, coord=MeshCoordinate(0, 0)) -> Buffer:
        key = tuple(coord)
        if key not in self.views:
            raise ProgramError(f"mesh coordinate {key} is outside this buffer's mesh")
        return self.views[key]

    device_buffer = get_device_buffer

    # --- host I/O ------------------------------------------------------------------------------------------
    def write_mesh(self, data: np.ndarray) -> None:
        """All of it: every device for a replicated buffer, each shard to its device for a sharded one."""
        if self.shards is None:
            for view in self.views.values():
                view.write_bytes(data)
            return
        grid = self._global_grid(data, "write")
        for coord, (rows, cols) in self.shards.items():
            self.views[coord].write_bytes(np.ascontiguousarray(grid[rows, cols]).reshape(-1))

    def read_mesh(self) -> np.ndarray:
        if self.shards is None:
            return self.read_bytes()
        out = np.zeros(self.size(), dtype=np.uint8)
        grid = self._global_grid(out, "read")
        for coord, (rows, cols) in self.shards.items():
            grid[rows, cols] = self.views[coord].read_bytes().reshape(grid[rows, cols].shape)
        return out

    def _global_grid(self, data: np.ndarray, what: str) -> np.ndarray:
        if data.size != self.size():
            raise ProgramError(f"{what} of {data.size} B for a sharded MeshBuffer of {self.size()} B; the host data "
                               f"is the whole global buffer")
        h, _ = Shape2D(*tuple(self.global_config.global_buffer_shape))
        return data.reshape(h, -1)


def _shard_plan(cfg: ShardedBufferConfig, coords: list) -> tuple[int, dict]:
    """Bytes per device and, per device coordinate, the (row slice, byte-column slice) of the global (height,
    width * element bytes) array that is its shard."""
    h, w = Shape2D(*tuple(cfg.global_buffer_shape))
    sh, sw = Shape2D(*tuple(cfg.shard_shape))
    if h * w == 0 or cfg.global_size % (h * w):
        raise ProgramError(f"ShardedBufferConfig: global_size {cfg.global_size} B is not a whole number of "
                           f"{h}x{w} elements")
    elem = cfg.global_size // (h * w)
    if sh <= 0 or sw <= 0 or h % sh or w % sw:
        raise ProgramError(f"ShardedBufferConfig: shard_shape {sh}x{sw} does not tile global_buffer_shape {h}x{w}")
    nr, nc = h // sh, w // sw
    if nr * nc > len(coords):
        raise ProgramError(f"ShardedBufferConfig: {nr}x{nc} shards of {sh}x{sw} for a mesh of {len(coords)} "
                           f"device(s); use larger shards or a larger mesh")
    order = ([(r, c) for r in range(nr) for c in range(nc)] if cfg.shard_orientation is ShardOrientation.ROW_MAJOR
             else [(r, c) for c in range(nc) for r in range(nr)])
    plan = {coord: (slice(r * sh, (r + 1) * sh), slice(c * sw * elem, (c + 1) * sw * elem))
            for coord, (r, c) in zip(coords, order)}
    return sh * sw * elem, plan
