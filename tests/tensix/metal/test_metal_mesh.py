"""Multi-device meshes: lock-step allocation, sharded and replicated MeshBuffers against numpy slicing, workloads
over coordinate ranges, traces (captured, not run; replayed with the args of capture time), events, errors."""

import numpy as np
import pytest

from tensix.errors import ProgramError
from tensix.metal import *
from tensix.metal.distributed import *  # noqa: F403
from tensix.metal.distributed import ShardedBufferConfig


def _mesh(rows=2, cols=4, **kw):
    return MeshDevice.create(MeshDeviceConfig(MeshShape(rows, cols)), **kw)


def test_mesh_shape_devices_and_lock_step_addresses():
    mesh = _mesh()
    assert (mesh.num_rows(), mesh.num_cols(), mesh.num_devices()) == (2, 4, 8)
    assert len({id(d) for d in mesh.get_devices()}) == 8
    assert [d.id() for d in mesh.get_devices()] == list(range(8))
    plain = CreateBuffer(InterleavedBufferConfig(device=mesh, size=2048, page_size=2048))
    buf = MeshBuffer.create(ReplicatedBufferConfig(size=4096), DeviceLocalBufferConfig(page_size=2048), mesh)
    assert buf.address() == plain.address() + 2048  # the plain buffer took one 2048 B page in every bank
    assert {buf.get_device_buffer(c).address() for c in MeshCoordinateRange(mesh.shape())} == {buf.address()}


def test_unit_mesh_and_system_mesh(monkeypatch):
    assert MeshDevice.create_unit_mesh(0).shape() == MeshShape(1, 1)
    unit = MeshDevice.create_unit_mesh(0, 0, 1 << 20, 2)  # tt-metal's positional order
    assert (unit.trace_region_size, unit.mesh_command_queue(1).id()) == (1 << 20, 1)
    assert MeshDevice.create_unit_mesh(0, "blackhole_p150").cfg.name == "blackhole_p150"
    assert MeshDevice.create(MeshDeviceConfig()).num_devices() == 1
    monkeypatch.setenv("TENSIX_MESH", "2x2")
    assert MeshDevice.create(MeshDeviceConfig()).shape() == MeshShape(2, 2)
    assert GetNumAvailableDevices() == 4


def test_sharded_mesh_buffer_gives_each_device_its_block():
    mesh = _mesh()
    h, w, elem = 64, 128, 4  # 2 x 4 shards of 32 x 32 uint32
    cfg = ShardedBufferConfig(global_size=h * w * elem, global_buffer_shape=Shape2D(h, w), shard_shape=Shape2D(32, 32))
    buf = MeshBuffer.create(cfg, DeviceLocalBufferConfig(page_size=4096, buffer_type=BufferType.L1), mesh)
    data = np.arange(h * w, dtype=np.uint32)
    EnqueueWriteMeshBuffer(mesh.mesh_command_queue(), buf, data)
    grid = data.reshape(h, w)
    for r in range(2):
        for c in range(4):
            got = buf.get_device_buffer(MeshCoordinate(r, c)).read_bytes().view(np.uint32)
            assert np.array_equal(got, grid[32 * r:32 * r + 32, 32 * c:32 * c + 32].reshape(-1))
    back = np.zeros(0, dtype=np.uint32)
    EnqueueReadMeshBuffer(mesh.mesh_command_queue(), back, buf, True)  # an empty target is resized
    assert np.array_equal(back, data)


def test_col_major_shards_go_down_the_columns_first():
    mesh = _mesh(1, 2)
    cfg = ShardedBufferConfig(global_size=2 * 32 * 4, global_buffer_shape=(2, 32), shard_shape=(1, 32),
                              shard_orientation=ShardOrientation.COL_MAJOR)
    buf = MeshBuffer.create(cfg, DeviceLocalBufferConfig(page_size=128), mesh)
    EnqueueWriteMeshBuffer(mesh.mesh_command_queue(), buf, np.arange(64, dtype=np.uint32))
    assert buf.get_device_buffer((0, 1)).read_bytes().view(np.uint32)[0] == 32


def test_replicated_write_reaches_every_device_and_write_shard_one():
    mesh = _mesh(1, 2)
    buf = MeshBuffer.create(ReplicatedBufferConfig(size=64), DeviceLocalBufferConfig(page_size=64), mesh)
    cq = mesh.mesh_command_queue()
    EnqueueWriteMeshBuffer(cq, buf, np.full(16, 7, dtype=np.uint32))
    WriteShard(cq, buf, np.full(16, 9, dtype=np.uint32), MeshCoordinate(0, 1))
    out = np.zeros(16, dtype=np.uint32)
    ReadShard(cq, out, buf, MeshCoordinate(0, 0))
    assert set(out.tolist()) == {7}
    ReadShard(cq, out, buf, MeshCoordinate(0, 1))
    assert set(out.tolist()) == {9}


def _mark(ctx):
    ctx.DPRINT("ran ", ctx.get_arg_val(0))


def _marks(mesh):
    return {tuple(c): [t for _, _, t in mesh.get_device(c).dprint.get((0, 0), [])]
            for c in MeshCoordinateRange(mesh.shape())}


def _program(arg):
    p = CreateProgram()
    k = CreateKernel(p, _mark, (0, 0), WriterDataMovementConfig())
    SetRuntimeArgs(p, k, (0, 0), [arg])
    return p, k


def test_workload_runs_each_program_on_its_range_only():
    mesh = _mesh()
    top, _ = _program(1)
    bottom, _ = _program(2)
    wl = MeshWorkload()
    wl.add_program(MeshCoordinateRange(MeshCoordinate(0, 0), MeshCoordinate(0, 3)), top)
    wl.add_program(MeshCoordinateRange(MeshCoordinate(1, 1), MeshCoordinate(1, 2)), bottom)
    EnqueueMeshWorkload(mesh.mesh_command_queue(), wl)
    marks = _marks(mesh)
    assert [marks[(0, c)] for c in range(4)] == [["ran 1"]] * 4
    assert [marks[(1, c)] for c in range(4)] == [[], ["ran 2"], ["ran 2"], []]
    with pytest.raises(ProgramError, match="overlaps"):
        wl.add_program(MeshCoordinateRange(MeshCoordinate(1, 2)), top)
    far = MeshWorkload()
    far.add_program(MeshCoordinateRange(MeshCoordinate(2, 0)), top)
    with pytest.raises(ProgramError, match=r"outside this 2x4 mesh"):
        EnqueueMeshWorkload(mesh.mesh_command_queue(), far)


def test_trace_is_captured_not_run_and_replays_its_args():
    mesh = _mesh(1, 2, trace_region_size=1 << 20, num_command_queues=2)
    program, k = _program(5)
    wl = MeshWorkload()
    wl.add_program(MeshCoordinateRange(mesh.shape()), program)
    cq0, cq1 = mesh.mesh_command_queue(0), mesh.mesh_command_queue(1)
    tid = mesh.begin_mesh_trace(cq0)
    EnqueueMeshWorkload(cq0, wl)
    buf = MeshBuffer.create(ReplicatedBufferConfig(size=64), DeviceLocalBufferConfig(page_size=64), mesh)
    with pytest.raises(ProgramError, match="while a trace is being captured"):
        EnqueueWriteMeshBuffer(cq0, buf, np.zeros(16, dtype=np.uint32))
    EnqueueWriteMeshBuffer(cq1, buf, np.zeros(16, dtype=np.uint32))  # the other queue may
    mesh.end_mesh_trace(cq0, tid)
    assert _marks(mesh) == {(0, 0): [], (0, 1): []}
    GetRuntimeArgs(program, k, (0, 0))[0] = 6  # after capture: the trace keeps 5
    mesh.replay_mesh_trace(cq0, tid, False)
    mesh.replay_mesh_trace(cq0, tid, False)
    assert _marks(mesh) == {(0, 0): ["ran 5", "ran 5"], (0, 1): ["ran 5", "ran 5"]}
    event = cq0.enqueue_record_event()
    cq1.enqueue_wait_for_event(event)
    with pytest.raises(ProgramError, match="not an event recorded on this mesh"):
        cq1.enqueue_wait_for_event(_mesh(1, 1).mesh_command_queue().enqueue_record_event())
    mesh.release_mesh_trace(tid)
    with pytest.raises(ProgramError, match="no mesh trace 0"):
        mesh.replay_mesh_trace(cq0, tid)


def test_mesh_misuse_is_named():
    mesh = _mesh(1, 1)
    with pytest.raises(ProgramError, match=r"mesh_command_queue\(1\): this mesh device has 1 command queue"):
        mesh.mesh_command_queue(1)
    with pytest.raises(ProgramError, match="no trace region"):
        mesh.begin_mesh_trace(0)
    with pytest.raises(ProgramError, match="does not tile"):
        MeshBuffer.create(ShardedBufferConfig(global_size=4 * 48, global_buffer_shape=(1, 48), shard_shape=(1, 32)),
                          DeviceLocalBufferConfig(page_size=128), mesh)
    with pytest.raises(ProgramError, match="2 shards .* for a mesh of 1 device"):
        MeshBuffer.create(ShardedBufferConfig(global_size=4 * 64, global_buffer_shape=(1, 64), shard_shape=(1, 32)),
                          DeviceLocalBufferConfig(page_size=128), mesh)


def test_sub_devices_confine_programs():
    mesh = _mesh(1, 1)
    s1 = SubDevice([CoreRangeSet(CoreRange((0, 0), (0, 0)))])
    s2 = SubDevice([CoreRangeSet(CoreRange((1, 1), (1, 1)))])
    mesh.load_sub_device_manager(mesh.create_sub_device_manager([s1, s2], 3200))
    assert s2.cores(HalProgrammableCoreType.TENSIX).num_cores() == 1
    program, _ = _program(1)
    wl = MeshWorkload()
    wl.add_program(MeshCoordinateRange(mesh.shape()), program)
    EnqueueMeshWorkload(mesh.mesh_command_queue(), wl)  # core (0, 0): inside sub-device 0
    p2 = CreateProgram()
    CreateKernel(p2, _mark, CoreRange((0, 0), (1, 1)), WriterDataMovementConfig())
    wl2 = MeshWorkload()
    wl2.add_program(MeshCoordinateRange(mesh.shape()), p2)
    with pytest.raises(ProgramError, match="each program runs inside one sub-device"):
        EnqueueMeshWorkload(mesh.mesh_command_queue(), wl2)
    with pytest.raises(ProgramError, match="must not overlap"):
        mesh.create_sub_device_manager([s1, s1])
