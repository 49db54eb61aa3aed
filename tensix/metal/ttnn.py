"""The slice of ttnn's tensor API the tensor-based programming examples use (`using namespace ttnn;` is
`from tensix.metal.ttnn import *`): a TensorSpec (shape + TensorLayout of data type, page config and memory
config), Tensor.from_vector onto a device (tilized for TILE layout, as ttnn does), allocate_tensor_on_device,
tensor.mesh_buffer() and tensor.to_vector()."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from ml_dtypes import bfloat16

from tensix.errors import ProgramError
from tensix.metal.enums import BufferType, TensorMemoryLayout
from tensix.metal.mesh_buffer import DeviceLocalBufferConfig, MeshBuffer, ReplicatedBufferConfig
from tensix.metal.tilize import tilize_nfaces, untilize_nfaces


class DataType(enum.Enum):
    """ttnn::DataType with the numpy type a host vector of it holds."""

    BFLOAT16 = bfloat16
    FLOAT32 = np.float32
    UINT32 = np.uint32
    INT32 = np.int32
    UINT16 = np.uint16
    UINT8 = np.uint8


class Layout(enum.Enum):
    ROW_MAJOR = "row_major"
    TILE = "tile"


@dataclass(frozen=True, slots=True)
class PageConfig:
    layout: Layout = Layout.ROW_MAJOR
    tile: object = None


@dataclass(frozen=True, slots=True, init=False)
class MemoryConfig:
    """MemoryConfig(buffer_type) or MemoryConfig(memory_layout, buffer_type): interleaved buffers only."""

    memory_layout: TensorMemoryLayout
    buffer_type: BufferType

    def __init__(self, *args, memory_layout=TensorMemoryLayout.INTERLEAVED, buffer_type=BufferType.DRAM):
        for a in args:
            if isinstance(a, TensorMemoryLayout):
                memory_layout = a
            elif isinstance(a, BufferType):
                buffer_type = a
            else:
                raise ProgramError(f"MemoryConfig: {a!r} is neither a TensorMemoryLayout nor a BufferType")
        if memory_layout is not TensorMemoryLayout.INTERLEAVED:
            raise ProgramError(f"MemoryConfig({memory_layout.name}): tensors here are interleaved; shard with "
                               f"CreateBuffer(ShardedBufferConfig(...)) instead")
        object.__setattr__(self, "memory_layout", memory_layout)
        object.__setattr__(self, "buffer_type", buffer_type)


@dataclass(frozen=True, slots=True, init=False)
class Shape:
    dims: tuple[int, ...]

    def __init__(self, dims):
        object.__setattr__(self, "dims", tuple(int(d) for d in dims))

    def __getitem__(self, i: int) -> int:
        return self.dims[i]

    def __len__(self) -> int:
        return len(self.dims)

    def rank(self) -> int:
        return len(self.dims)

    def volume(self) -> int:
        return int(np.prod(self.dims))


@dataclass(frozen=True, slots=True)
class TensorLayout:
    dtype: DataType
    page_config: PageConfig
    memory_config: MemoryConfig = MemoryConfig()

    def get_data_type(self) -> DataType:
        return self.dtype

    def get_layout(self) -> Layout:
        return self.page_config.layout


@dataclass(frozen=True, slots=True)
class TensorSpec:
    shape: Shape
    tensor_layout: TensorLayout

    def logical_shape(self) -> Shape:
        return self.shape

    def _rows_cols(self) -> tuple[int, int]:
        dims = self.shape.dims
        if not dims:
            raise ProgramError("a tensor of rank 0 has no pages")
        cols = dims[-1]
        return self.shape.volume() // cols, cols

    def page_size(self) -> int:
        item = np.dtype(self.tensor_layout.dtype.value).itemsize
        rows, cols = self._rows_cols()
        if self.tensor_layout.page_config.layout is Layout.TILE:
            if rows % 32 or cols % 32:
                raise ProgramError(f"a TILE tensor of shape {self.shape.dims} is not whole 32x32 tiles; pad it")
            return 32 * 32 * item
        return cols * item

    def nbytes(self) -> int:
        return self.shape.volume() * np.dtype(self.tensor_layout.dtype.value).itemsize


class Tensor:
    """A tensor on a device: its spec and the MeshBuffer holding its pages."""

    def __init__(self, spec: TensorSpec, buffer: MeshBuffer, device):
        self.spec, self._buffer, self._device = spec, buffer, device

    @staticmethod
    def from_vector(*args) -> Tensor:
        """Tensor::from_vector<T>(vec, spec, device): the values (row-major) onto the device; T may be passed first."""
        if args and isinstance(args[0], type):
            args = args[1:]
        vec, spec, device = args
        t = allocate_tensor_on_device(spec, device)
        data = np.asarray(vec)
        want = np.dtype(spec.tensor_layout.dtype.value)
        if data.size != spec.shape.volume():
            raise ProgramError(f"Tensor::from_vector: {data.size} values for shape {spec.shape.dims}")
        data = data.astype(want) if data.dtype != want else data
        if spec.tensor_layout.page_config.layout is Layout.TILE:
            data = tilize_nfaces(data, *spec._rows_cols())
        t._buffer.write_mesh(np.ascontiguousarray(data).view(np.uint8).reshape(-1))
        return t

    def to_vector(self, dtype=None) -> np.ndarray:
        """The values, row-major (untilized), as numpy of the tensor's type."""
        data = self._buffer.read_mesh().view(np.dtype(self.spec.tensor_layout.dtype.value))
        if self.spec.tensor_layout.page_config.layout is Layout.TILE:
            data = untilize_nfaces(data, *self.spec._rows_cols())
        return np.ascontiguousarray(data)

    def mesh_buffer(self) -> MeshBuffer:
        return self._buffer

    def buffer(self) -> MeshBuffer:
        return self._buffer

    def tensor_spec(self) -> TensorSpec:
        return self.spec

    def logical_shape(self) -> Shape:
        return self.spec.shape

    def dtype(self) -> DataType:
        return self.spec.tensor_layout.dtype

    def layout(self) -> Layout:
        return self.spec.tensor_layout.page_config.layout

    def device(self):
        return self._device


def allocate_tensor_on_device(spec: TensorSpec, device) -> Tensor:
    """An interleaved MeshBuffer of the spec's pages on every device of `device` (contents undefined)."""
    if not isinstance(spec, TensorSpec):
        raise ProgramError(f"allocate_tensor_on_device({spec!r}, ...): pass a TensorSpec")
    local = DeviceLocalBufferConfig(page_size=spec.page_size(),
                                    buffer_type=spec.tensor_layout.memory_config.buffer_type)
    buf = MeshBuffer.create(ReplicatedBufferConfig(size=spec.nbytes()), local, device)
    return Tensor(spec, buf, device)


__all__ = ["DataType", "Layout", "MemoryConfig", "PageConfig", "Shape", "Tensor", "TensorLayout", "TensorSpec",
           "allocate_tensor_on_device"]
