"""A mesh of emulated devices (tt::tt_metal::distributed::MeshDevice): one MetalDevice per coordinate, each its own
chip of the chosen preset, allocating in lock-step so that a MeshBuffer has one address on every device; mesh
command queues with events, and trace capture and replay of mesh workloads.

The mesh shape is the one asked for: MeshDevice.create(MeshDeviceConfig(MeshShape(2, 4))) opens 2 x 4 emulated
chips; create_unit_mesh(id) opens 1 x 1; MeshDeviceConfig() without a shape opens the system mesh, TENSIX_MESH
("2x4") or 1 x 1.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace

from tensix.config import MeshConfig
from tensix.errors import ProgramError
from tensix.metal.device import CommandQueue, MetalDevice
from tensix.metal.mesh_coord import MeshCoordinate, MeshCoordinateRange, MeshShape
from tensix.metal.mesh_workload import run_workload
from tensix.metal.program import Program


def system_mesh_shape() -> MeshShape:
    """The mesh a MeshDeviceConfig without a shape opens: TENSIX_MESH ("RxC" or "N") or one device."""
    text = os.environ.get("TENSIX_MESH", "1x1").lower().replace(" ", "")
    try:
        parts = [int(p) for p in text.split("x")]
        return MeshShape(*parts) if len(parts) == 2 else MeshShape(parts[0])
    except (ValueError, TypeError) as exc:
        raise ProgramError(f"TENSIX_MESH={text!r} is not a mesh shape such as '2x4'") from exc


@dataclass(frozen=True, slots=True)
class MeshDeviceConfig:
    mesh_shape: MeshShape | None = None
    offset: MeshCoordinate | None = None
    physical_device_ids: tuple = ()


@dataclass(frozen=True, slots=True)
class MeshEvent:
    """A point in a mesh command queue's stream (every command has run when it is recorded: no overlap here)."""

    mesh: object
    cq_id: int
    event_id: int

    def id(self) -> int:
        return self.event_id


@dataclass
class MeshTrace:
    """Workloads captured between begin_mesh_trace and end_mesh_trace, each frozen with its runtime args."""

    cq_id: int
    workloads: list = field(default_factory=list)
    done: bool = False


class MeshCommandQueue(CommandQueue):
    """One of a mesh device's command queues (mesh_command_queue(id))."""

    def __init__(self, mesh: MeshDevice, cq_id: int):
        super().__init__(mesh)
        self.cq_id = cq_id
        self._events = 0

    def id(self) -> int:
        return self.cq_id

    def enqueue_record_event(self, sub_device_ids=None, notify_host: bool = False) -> MeshEvent:
        self.device.check_open()
        self._events += 1
        return MeshEvent(self.device, self.cq_id, self._events)

    enqueue_record_event_to_host = enqueue_record_event

    def enqueue_wait_for_event(self, event: MeshEvent) -> None:
        """Commands after this wait for `event`; the emulator ran them all already, so this only checks it."""
        if not isinstance(event, MeshEvent) or event.mesh is not self.device:
            raise ProgramError(f"enqueue_wait_for_event({event!r}): not an event recorded on this mesh device")


def frozen_program(program: Program) -> Program:
    """A copy of `program` whose runtime args no longer follow the original (what a trace captures)."""
    p = Program()
    p.cbs, p.semaphores = program.cbs, program.semaphores
    p.kernels = [dc_replace(k, runtime_args={c: list(a) for c, a in k.runtime_args.items()},
                            common_args=list(k.common_args)) for k in program.kernels]
    return p


class MeshDevice(MetalDevice):
    """Rows x cols devices; this object is also device (0, 0), so single-device calls work on a unit mesh."""

    def __init__(self, device_id: int = 0, device=None, *, mesh_shape: MeshShape | None = None,
                 trace_region_size: int = 0, num_command_queues: int = 1, l1_small_size: int = 0,
                 dispatch_core_config=None, **kwargs):
        super().__init__(device_id, device, **kwargs)
        self._shape = mesh_shape or MeshShape(1, 1)
        if not 1 <= int(num_command_queues) <= 2:
            raise ProgramError(f"num_command_queues={num_command_queues}: a mesh device has 1 or 2 command queues")
        self.trace_region_size = int(trace_region_size)
        self._grid: dict[tuple[int, int], MetalDevice] = {}
        for i, coord in enumerate(MeshCoordinateRange(self._shape)):
            if i == 0:
                self._grid[tuple(coord)] = self
                continue
            run_dir = self.run_dir / f"device_{device_id + i}" if self.run_dir is not None else None
            self._grid[tuple(coord)] = MetalDevice(device_id + i, self.cfg.name, timing=self.timing, run_dir=run_dir)
        self._queues = [MeshCommandQueue(self, i) for i in range(int(num_command_queues))]
        self._traces: dict[int, MeshTrace] = {}
        self._capturing: MeshTrace | None = None
        self.last_runs: dict[MeshCoordinate, object] = {}
        self.sub_devices = None  # the loaded SubDeviceManager, if any
        self._sub_device_managers: dict[int, object] = {}

    # --- construction (tt-metal's factory calls) ------------------------------------------------------------
    @classmethod
    def create(cls, config: MeshDeviceConfig | None = None, l1_small_size: int = 0, trace_region_size: int = 0,
               num_command_queues: int = 1, dispatch_core_config=None, *args, device=None, **kwargs) -> MeshDevice:
        config = config or MeshDeviceConfig()
        if not isinstance(config, MeshDeviceConfig):
            raise ProgramError(f"MeshDevice.create({config!r}): pass a MeshDeviceConfig(MeshShape(rows, cols))")
        shape = config.mesh_shape or system_mesh_shape()
        return cls(0, device, mesh_shape=shape, trace_region_size=trace_region_size,
                   num_command_queues=num_command_queues, l1_small_size=l1_small_size,
                   dispatch_core_config=dispatch_core_config, **kwargs)

    @classmethod
    def create_unit_mesh(cls, device_id: int = 0, *args, device=None, **kwargs) -> MeshDevice:
        """create_unit_mesh(id, l1_small_size, trace_region_size, num_command_queues, dispatch_core_config) in
        tt-metal's order; a preset name (or None) right after the id picks the preset instead."""
        if not isinstance(device_id, int):
            raise ProgramError(f"create_unit_mesh({device_id!r}): the device id is an int")
        args = list(args)
        if args and (args[0] is None or isinstance(args[0], (str, MeshConfig))):
            device = args.pop(0)
        names = ("l1_small_size", "trace_region_size", "num_command_queues", "dispatch_core_config")
        if len(args) > len(names):
            raise ProgramError(f"create_unit_mesh: {len(args)} positional arguments after the id; tt-metal takes "
                               f"{', '.join(names)}")
        options = dict(zip(names, args)) | kwargs
        options.pop("dispatch_core_config", None)
        return cls(device_id, device, **options)

    # --- shape and devices ------------------------------------------------------------------------------------
    def shape(self) -> MeshShape:
        return self._shape

    def num_rows(self) -> int:
        return self._shape.rows

    def num_cols(self) -> int:
        return self._shape.cols

    def num_devices(self) -> int:
        return self._shape.mesh_size()

    def get_devices(self) -> list[MetalDevice]:
        return list(self._grid.values())

    def flush_dprint(self) -> None:
        """Every chip's DPRINT lines, chip by chip (this object is chip (0, 0))."""
        for d in self._grid.values():
            MetalDevice.flush_dprint(d)

    def get_device(self, *coord) -> MetalDevice:
        """The device at a MeshCoordinate, (row, col), or with a device id."""
        if len(coord) == 1 and isinstance(coord[0], int):
            for d in self._grid.values():
                if d.device_id == coord[0]:
                    return d
            raise ProgramError(f"get_device({coord[0]}): no device with that id in this mesh")
        key = tuple(coord[0]) if len(coord) == 1 else tuple(coord)
        if key not in self._grid:
            raise ProgramError(f"mesh coordinate {key} is outside this {self._shape.rows}x{self._shape.cols} mesh")
        return self._grid[key]

    def mesh_command_queue(self, cq_id: int = 0) -> MeshCommandQueue:
        if not isinstance(cq_id, int) or not 0 <= cq_id < len(self._queues):
            raise ProgramError(f"mesh_command_queue({cq_id!r}): this mesh device has {len(self._queues)} command "
                               f"queue(s); ask for more with num_command_queues")
        return self._queues[cq_id]

    def command_queue(self, cq_id: int = 0) -> MeshCommandQueue:
        return self.mesh_command_queue(cq_id)

    def check_open(self) -> None:
        if self.closed:
            raise ProgramError("this mesh device is closed")

    # --- memory: every allocation on all devices at once -----------------------------------------------------
    def allocate(self, buffer_type, per_bank: int, buf) -> int:
        addr = super().allocate(buffer_type, per_bank, buf)
        for d in self._grid.values():
            if d is not self and d.allocate(buffer_type, per_bank, None) != addr:
                raise ProgramError(f"device {d.device_id} of the mesh fell out of lock-step allocation")
        return addr

    def close(self) -> bool:
        for d in self._grid.values():
            if d is not self:
                d.close()
        return super().close()

    # --- traces ---------------------------------------------------------------------------------------------
    def _cq_id(self, cq) -> int:
        return cq.cq_id if isinstance(cq, MeshCommandQueue) else int(cq)

    def begin_mesh_trace(self, cq) -> int:
        self.check_open()
        cq_id = self.mesh_command_queue(self._cq_id(cq)).cq_id
        if self.trace_region_size <= 0:
            raise ProgramError("begin_mesh_trace: this mesh device has no trace region; open it with "
                               "trace_region_size > 0 (MeshDevice.create(config, l1_small_size, trace_region_size))")
        if self._capturing is not None:
            raise ProgramError("begin_mesh_trace: a trace is already being captured; call end_mesh_trace first")
        trace_id = len(self._traces)
        self._traces[trace_id] = self._capturing = MeshTrace(cq_id)
        return trace_id

    def end_mesh_trace(self, cq, trace_id: int) -> None:
        trace = self._trace(trace_id)
        if trace is not self._capturing or trace.cq_id != self._cq_id(cq):
            raise ProgramError(f"end_mesh_trace(cq {self._cq_id(cq)}, {trace_id}): that trace is not being "
                               f"captured on that command queue")
        trace.done, self._capturing = True, None

    def replay_mesh_trace(self, cq, trace_id: int, blocking: bool = True) -> None:
        trace = self._trace(trace_id)
        if not trace.done:
            raise ProgramError(f"replay_mesh_trace({trace_id}): the trace was not ended (end_mesh_trace)")
        for workload in trace.workloads:
            run_workload(self, workload)

    def release_mesh_trace(self, trace_id: int) -> None:
        self._trace(trace_id)
        del self._traces[trace_id]

    def _trace(self, trace_id: int) -> MeshTrace:
        if trace_id not in self._traces:
            raise ProgramError(f"no mesh trace {trace_id!r} on this device (released, or never begun)")
        return self._traces[trace_id]

    def capturing(self, cq) -> MeshTrace | None:
        """The trace being captured on queue `cq`, if any."""
        t = self._capturing
        return t if t is not None and t.cq_id == self._cq_id(cq) else None

    # --- sub-devices ----------------------------------------------------------------------------------------
    def create_sub_device_manager(self, sub_devices, local_l1_size: int = 0) -> int:
        from tensix.metal.sub_device import SubDeviceManager
        manager = SubDeviceManager(self, list(sub_devices), int(local_l1_size))
        mid = len(self._sub_device_managers)
        self._sub_device_managers[mid] = manager
        return mid

    def load_sub_device_manager(self, manager_id: int) -> None:
        if manager_id not in self._sub_device_managers:
            raise ProgramError(f"load_sub_device_manager({manager_id!r}): no such sub-device manager")
        self.sub_devices = self._sub_device_managers[manager_id]

    def clear_loaded_sub_device_manager(self) -> None:
        self.sub_devices = None

    def remove_sub_device_manager(self, manager_id: int) -> None:
        if self.sub_devices is self._sub_device_managers.get(manager_id):
            raise ProgramError("remove_sub_device_manager: the manager is loaded; clear it first")
        self._sub_device_managers.pop(manager_id, None)
