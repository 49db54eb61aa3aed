"""The mesh-device host API (tt::tt_metal::distributed): mesh devices of emulated chips, MeshBuffers replicated
or sharded over them, MeshWorkloads of programs over coordinate ranges, the Enqueue*MeshBuffer / ReadShard /
WriteShard / EnqueueMeshWorkload calls, events and traces. `using namespace tt::tt_metal::distributed;` is
`from tensix.metal.distributed import *`."""

from __future__ import annotations

from tensix.errors import ProgramError
from tensix.metal.buffers import Buffer, as_bytes
from tensix.metal.device import Finish as device_finish
from tensix.metal.device import MetalDevice, fill_host, host_read, host_wrote, queue_device
from tensix.metal.mesh_buffer import (
    BufferShardingArgs,
    DeviceLocalBufferConfig,
    MeshBuffer,
    MeshBufferLayout,
    ReplicatedBufferConfig,
    Shape2D,
    ShardedBufferConfig,
)
from tensix.metal.mesh_coord import MeshCoordinate, MeshCoordinateRange, MeshShape
from tensix.metal.mesh_device import (
    MeshCommandQueue,
    MeshDevice,
    MeshDeviceConfig,
    MeshEvent,
    frozen_program,
    system_mesh_shape,
)
from tensix.metal.mesh_workload import AddProgramToMeshWorkload, MeshWorkload, run_workload
from tensix.metal.sub_device import DispatchCoreType, HalProgrammableCoreType, SubDevice


def _not_capturing(cq, what: str) -> MetalDevice:
    dev = _mesh(cq)
    if isinstance(dev, MeshDevice) and dev.capturing(cq) is not None:
        raise ProgramError(f"{what} while a trace is being captured on this command queue; buffer reads and writes "
                           f"go before begin_mesh_trace or after end_mesh_trace (or on another command queue)")
    return dev


def _mesh(cq) -> MetalDevice:
    return queue_device(cq)


def EnqueueMeshWorkload(cq, workload: MeshWorkload, blocking: bool = False) -> None:
    """Run the workload now, or, while a trace is captured on `cq`, record it (with its runtime args as now)."""
    if not isinstance(workload, MeshWorkload):
        raise ProgramError(f"EnqueueMeshWorkload(cq, {workload!r}): pass a MeshWorkload")
    dev = _mesh(cq)
    trace = dev.capturing(cq) if isinstance(dev, MeshDevice) else None
    if trace is not None:
        frozen = MeshWorkload()
        frozen.programs = [(r, frozen_program(p)) for r, p in workload.programs]
        trace.workloads.append(frozen)
        return
    run_workload(dev, workload)


def EnqueueWriteMeshBuffer(cq, buffer, data, blocking: bool = False) -> None:
    """Host data into a mesh buffer: every device of a replicated one, each shard to its device otherwise."""
    _not_capturing(cq, "EnqueueWriteMeshBuffer")
    host_wrote(_mesh(cq), buffer, as_bytes(data))
    if isinstance(buffer, MeshBuffer):
        buffer.write_mesh(as_bytes(data))
    elif isinstance(buffer, Buffer):
        buffer.get_backing_buffer().write_bytes(as_bytes(data))
    else:
        raise ProgramError(f"EnqueueWriteMeshBuffer: {buffer!r} is not a MeshBuffer")


def EnqueueReadMeshBuffer(cq, out, buffer, blocking: bool = True) -> None:
    """Note tt-metal's order here: destination first, then the buffer. A sharded buffer is gathered from all its
    devices; a replicated one is read from device (0, 0)."""
    _not_capturing(cq, "EnqueueReadMeshBuffer")
    if isinstance(buffer, MeshBuffer):
        data = buffer.read_mesh()
    elif isinstance(buffer, Buffer):
        data = buffer.get_backing_buffer().read_bytes()
    else:
        raise ProgramError(f"EnqueueReadMeshBuffer: {buffer!r} is not a MeshBuffer")
    host_read(_mesh(cq), buffer, data)
    fill_host(out, data, "EnqueueReadMeshBuffer")


def _shard(buffer, coord) -> Buffer:
    if isinstance(buffer, MeshBuffer):
        return buffer.get_device_buffer(coord if coord is not None else MeshCoordinate(0, 0))
    if isinstance(buffer, Buffer):
        if coord is not None and tuple(coord) != (0, 0):
            raise ProgramError(f"shard {tuple(coord)} of a single-device buffer; it has only (0, 0)")
        return buffer
    raise ProgramError(f"{buffer!r} is not a MeshBuffer")


def WriteShard(cq, buffer, data, coord=None, blocking: bool = False) -> None:
    """Host data into the copy of `buffer` on the device at `coord`."""
    _not_capturing(cq, "WriteShard")
    host_wrote(_mesh(cq), buffer, as_bytes(data))
    _shard(buffer, coord).write_bytes(as_bytes(data))


def ReadShard(cq, out, buffer, coord=None, blocking: bool = True) -> None:
    _not_capturing(cq, "ReadShard")
    data = _shard(buffer, coord).read_bytes()
    host_read(_mesh(cq), buffer, data)
    fill_host(out, data, "ReadShard")


def Finish(cq, sub_device_ids=None) -> None:
    device_finish(cq)


def EnqueueRecordEvent(cq) -> MeshEvent:
    return cq.enqueue_record_event()


def EnqueueWaitForEvent(cq, event: MeshEvent) -> None:
    cq.enqueue_wait_for_event(event)


def EventSynchronize(event: MeshEvent) -> None:
    if not isinstance(event, MeshEvent):
        raise ProgramError(f"EventSynchronize({event!r}): not a MeshEvent")


def BeginTraceCapture(mesh_device: MeshDevice, cq_id: int) -> int:
    return mesh_device.begin_mesh_trace(cq_id)


def EndTraceCapture(mesh_device: MeshDevice, cq_id: int, trace_id: int) -> None:
    mesh_device.end_mesh_trace(cq_id, trace_id)


def ReplayTrace(mesh_device: MeshDevice, cq_id: int, trace_id: int, blocking: bool = True) -> None:
    mesh_device.replay_mesh_trace(cq_id, trace_id, blocking)


def ReleaseTrace(mesh_device: MeshDevice, trace_id: int) -> None:
    mesh_device.release_mesh_trace(trace_id)


def GetNumAvailableDevices() -> int:
    """Devices of the system mesh (TENSIX_MESH, else one): what MeshDeviceConfig() without a shape opens."""
    return system_mesh_shape().mesh_size()


GetNumPCIeDevices = GetNumAvailableDevices

__all__ = [
    "AddProgramToMeshWorkload", "BeginTraceCapture", "BufferShardingArgs", "DeviceLocalBufferConfig",
    "DispatchCoreType", "EndTraceCapture", "EnqueueMeshWorkload", "EnqueueReadMeshBuffer", "EnqueueRecordEvent",
    "EnqueueWaitForEvent", "EnqueueWriteMeshBuffer", "EventSynchronize", "Finish", "GetNumAvailableDevices",
    "GetNumPCIeDevices", "HalProgrammableCoreType", "MeshBuffer", "MeshBufferLayout", "MeshCommandQueue",
    "MeshCoordinate", "MeshCoordinateRange", "MeshDevice", "MeshDeviceConfig", "MeshEvent", "MeshShape",
    "MeshWorkload", "ReadShard", "ReleaseTrace", "ReplayTrace", "ReplicatedBufferConfig", "Shape2D",
    "ShardedBufferConfig", "SubDevice", "WriteShard",
]
