"""tt-metal's `experimental::ez` host API (`DeviceContext`, `ProgramBuilder`), in which tt-metal's newest
programming examples are written: `using namespace tt::tt_metal::experimental::ez;` ->
`from tensix.metal.ez import *`. Built on the mesh-device API of tensix.metal, call for call as tt-metal's
program_builder.cpp and device_context do."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from tensix.errors import ProgramError
from tensix.metal import distributed
from tensix.metal.addrgen import TensorAccessorArgs
from tensix.metal.buffers import Buffer
from tensix.metal.coords import CoreCoord, CoreRange, CoreRangeSet
from tensix.metal.device import worker_core_from_logical_core
from tensix.metal.enums import BufferType, DataFormat, MathFidelity, ShardOrientation, TensorMemoryLayout, tile_size
from tensix.metal.host_utils import TT_FATAL
from tensix.metal.launch import EnqueueProgram
from tensix.metal.program import (
    CircularBufferConfig,
    ComputeConfig,
    CreateCircularBuffer,
    CreateKernel,
    CreateProgram,
    CreateSemaphore,
    Program,
    ReaderDataMovementConfig,
    SetRuntimeArgs,
    WriterDataMovementConfig,
)


@dataclass
class ShardConfig:
    """A sharded L1 buffer: cores, shard shape and the tensor's shape in pages (tiles)."""

    cores: CoreRangeSet
    shard_shape: tuple
    tensor2d_shape_in_pages: tuple
    layout: TensorMemoryLayout = TensorMemoryLayout.HEIGHT_SHARDED
    orientation: ShardOrientation = ShardOrientation.ROW_MAJOR
    page_shape: tuple = (32, 32)
    fmt: DataFormat = DataFormat.Float16_b


class _TypedRead:
    """`ctx.read<T>(buf)` -> `ctx.read[T](buf)`: the element type picks the returned array's dtype."""

    def __init__(self, ctx: DeviceContext):
        self.ctx = ctx

    def __getitem__(self, dtype):
        def read(buf, blocking: bool = True) -> np.ndarray:
            out = np.zeros(buf.size() // np.dtype(dtype).itemsize, dtype=dtype)
            distributed.EnqueueReadMeshBuffer(self.ctx.cq(), out, buf, blocking)
            return out
        return read

    def __call__(self, buf, blocking: bool = True):
        raise ProgramError("DeviceContext.read needs its element type: ctx.read<T>(buf) is ctx.read[T](buf), "
                           "e.g. ctx.read[bfloat16](buf) or ctx.read[np.uint32](buf)")


class DeviceContext:
    """`DeviceContext ctx(0);` -> `ctx = DeviceContext(0)`: a unit mesh with one-line buffers, transfers and runs.
    The device closes when the context is garbage-collected (C++'s destructor) or at `close()`."""

    def __init__(self, device_id=0, cols: int | None = None, *, device=None):
        if isinstance(device_id, distributed.MeshDevice):
            self._mesh, owns = device_id, False
        else:
            if cols is not None and (int(device_id), int(cols)) != (1, 1):
                raise ProgramError(f"DeviceContext({device_id}, {cols}): multi-device meshes are not provided; "
                                   f"use DeviceContext(0)")
            self._mesh, owns = distributed.MeshDevice.create_unit_mesh(0 if cols else int(device_id), device), True
        self._closer = weakref.finalize(self, self._mesh.close) if owns else None

    @property
    def read(self) -> _TypedRead:
        return _TypedRead(self)

    def close(self) -> None:
        if self._closer is not None:
            self._closer()

    def _buffer(self, size: int, page_size: int, kind: BufferType):
        return distributed.MeshBuffer.create(distributed.ReplicatedBufferConfig(size=size),
                                             distributed.DeviceLocalBufferConfig(page_size=page_size,
                                                                                 buffer_type=kind), self._mesh)

    def dram_buffer(self, size: int, page_size: int):
        return self._buffer(size, page_size, BufferType.DRAM)

    def l1_buffer(self, size: int, page_size: int):
        return self._buffer(size, page_size, BufferType.L1)

    def dram_tile_buffer(self, n_tiles: int, fmt: DataFormat = DataFormat.Float16_b):
        return self._buffer(n_tiles * tile_size(fmt), tile_size(fmt), BufferType.DRAM)

    def sharded_l1_buffer(self, config: ShardConfig):
        raise ProgramError("DeviceContext.sharded_l1_buffer is not provided; create the buffer with "
                           "CreateBuffer(ShardedBufferConfig(...))")

    def write(self, buf, data, blocking: bool = False) -> None:
        distributed.EnqueueWriteMeshBuffer(self.cq(), buf, data, blocking)

    def run(self, program: Program) -> None:
        """Enqueue the program and wait for it."""
        self.launch(program)
        self.finish()

    def launch(self, program: Program) -> None:
        EnqueueProgram(self.cq(), program, False)

    def finish(self) -> None:
        distributed.Finish(self.cq())

    def physical_core(self, logical) -> CoreCoord:
        return worker_core_from_logical_core(self._mesh, logical)

    def device(self):
        return self._mesh

    def cq(self):
        return self._mesh.mesh_command_queue()

    def full_range(self):
        return distributed.MeshCoordinateRange(self._mesh.shape())


def _cores(spec) -> list:
    if isinstance(spec, (CoreRange, CoreRangeSet)):
        return list(spec)
    return [CoreCoord(*spec)]


class KernelRef:
    """A kernel ProgramBuilder created: its runtime args, then `.done()` back to the builder (or any builder call,
    forwarded as tt-metal's KernelRef forwards them)."""

    def __init__(self, builder: ProgramBuilder, handle: int, core_spec):
        self.builder, self._handle, self.core_spec = builder, handle, core_spec

    def runtime_args(self, args) -> KernelRef:
        """The same args on every core of the kernel, or `args(core)` per core (a function)."""
        if callable(args):
            for core in _cores(self.core_spec):
                SetRuntimeArgs(self.builder.program_, self._handle, core, list(args(core)))
        else:
            SetRuntimeArgs(self.builder.program_, self._handle, self.core_spec, list(args))
        return self

    def runtime_args_at(self, core, args) -> KernelRef:
        SetRuntimeArgs(self.builder.program_, self._handle, core, list(args))
        return self

    def done(self) -> ProgramBuilder:
        return self.builder

    def handle(self) -> int:
        return self._handle

    def __getattr__(self, name: str):
        if name in ("cb", "reader", "writer", "compute", "kernel", "on", "defines_next", "named_args_next",
                    "semaphore", "build"):
            return getattr(self.builder, name.removesuffix("_next"))
        raise AttributeError(name)


class ProgramBuilder:
    """`ProgramBuilder(core_spec).cb(...).reader(...).runtime_args(...).done()...build()`: CBs and kernels on the
    default cores (or those of the last `.on(...)`, for the next CB or kernel only)."""

    def __init__(self, core_spec):
        self.program_ = CreateProgram()
        self.default_core_spec = core_spec
        self._override = self._defines = self._named = None
        self._built = False

    def _take(self, attr: str, default):
        value = getattr(self, attr)
        setattr(self, attr, None)
        return default if value is None else value

    def cb(self, index, *args, **kw) -> ProgramBuilder:
        """cb(index, num_tiles=2, fmt=Float16_b), cb(index, fmt, num_tiles, page_size), cb(index, l1_buffer,
        num_tiles=0, fmt=Float16_b) or cb(config)."""
        cores = self._take("_override", self.default_core_spec)
        if isinstance(index, CircularBufferConfig):
            CreateCircularBuffer(self.program_, cores, index)
            return self
        if args and isinstance(args[0], DataFormat):
            fmt, num_tiles, page = args[0], args[1], args[2]
            config = CircularBufferConfig(num_tiles * page, {index: fmt}).set_page_size(index, page)
        elif args and isinstance(args[0], Buffer):
            buf, rest = args[0], list(args[1:])
            num_tiles = rest[0] if rest else kw.get("num_tiles", 0)
            fmt = rest[1] if len(rest) > 1 else kw.get("fmt", DataFormat.Float16_b)
            backing = buf.get_backing_buffer()
            num_tiles = num_tiles or backing.aligned_size_per_bank() // tile_size(fmt)
            config = (CircularBufferConfig(num_tiles * tile_size(fmt), {index: fmt})
                      .set_page_size(index, tile_size(fmt)).set_globally_allocated_address(backing))
        else:
            num_tiles = args[0] if args else kw.get("num_tiles", 2)
            fmt = args[1] if len(args) > 1 else kw.get("fmt", DataFormat.Float16_b)
            config = CircularBufferConfig(num_tiles * tile_size(fmt), {index: fmt}).set_page_size(index,
                                                                                                 tile_size(fmt))
        CreateCircularBuffer(self.program_, cores, config)
        return self

    def _add(self, path, config) -> KernelRef:
        cores = self._take("_override", self.default_core_spec)
        return KernelRef(self, CreateKernel(self.program_, path, cores, config), cores)

    def _dm(self, make, path, buffers, compile_args) -> KernelRef:
        all_args = list(compile_args)
        for buf in buffers:
            TensorAccessorArgs(buf).append_to(all_args)
        return self._add(path, make(all_args, self._take("_defines", {}), self._take("_named", {})))

    def reader(self, path, buffers=(), compile_args=()) -> KernelRef:
        """A RISCV_1 data movement kernel; compile_args, then each buffer's TensorAccessorArgs."""
        return self._dm(ReaderDataMovementConfig, path, buffers, compile_args)

    def writer(self, path, buffers=(), compile_args=()) -> KernelRef:
        """A RISCV_0 data movement kernel; compile_args, then each buffer's TensorAccessorArgs."""
        return self._dm(WriterDataMovementConfig, path, buffers, compile_args)

    def compute(self, path, fidelity=MathFidelity.HiFi4, compile_args=()) -> KernelRef:
        if isinstance(fidelity, ComputeConfig):
            return self._add(path, fidelity)
        return self._add(path, ComputeConfig(math_fidelity=fidelity, compile_args=list(compile_args),
                                             defines=self._take("_defines", {}),
                                             named_compile_args=self._take("_named", {})))

    def kernel(self, path, config) -> KernelRef:
        return self._add(path, config)

    def on(self, core_spec) -> ProgramBuilder:
        self._override = core_spec
        return self

    def defines(self, defs: dict) -> ProgramBuilder:
        self._defines = dict(defs)
        return self

    def named_args(self, args: dict) -> ProgramBuilder:
        self._named = dict(args)
        return self

    def semaphore(self, cores=None, initial_value: int = 0) -> int:
        """semaphore(initial_value=0) on the default cores, or semaphore(cores, initial_value)."""
        if isinstance(cores, int):
            cores, initial_value = None, cores
        return CreateSemaphore(self.program_, cores if cores is not None else self._take("_override",
                                                                                          self.default_core_spec),
                               initial_value)

    def build(self) -> Program:
        TT_FATAL(not self._built, "ProgramBuilder::build() can only be called once")
        self._built = True
        return self.program_


__all__ = ["DeviceContext", "KernelRef", "ProgramBuilder", "ShardConfig"]
