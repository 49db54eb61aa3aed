"""contributed/vecadd (tt-metal programming example): one core adds two DRAM vectors of bf16 tiles. tt-metal's
program only prints a few sums; the check here (each sum within 0.3, as vecadd_multi_core's) is added."""

import random
import sys

from tensix.metal import *  # noqa: F403

TILE_WIDTH = 32
TILE_HEIGHT = 32


def MakeBuffer(mesh_device, size, page_size, sram):
    tile_size = np.dtype(bfloat16).itemsize * TILE_WIDTH * TILE_HEIGHT
    page_tiles = size if sram else 1
    device_local_config = distributed.DeviceLocalBufferConfig(
        page_size=page_tiles * tile_size, buffer_type=(BufferType.L1 if sram else BufferType.DRAM))
    buffer_config = distributed.ReplicatedBufferConfig(size=tile_size * size)
    return distributed.MeshBuffer.create(buffer_config, device_local_config, mesh_device)


def MakeBufferBFP16(mesh_device, n_tiles, sram):
    tile_size = np.dtype(bfloat16).itemsize * TILE_WIDTH * TILE_HEIGHT
    page_tiles = n_tiles if sram else 1
    device_local_config = distributed.DeviceLocalBufferConfig(
        page_size=page_tiles * tile_size,
        buffer_type=(BufferType.L1 if sram else BufferType.DRAM),
        bottom_up=False)
    buffer_config = distributed.ReplicatedBufferConfig(size=tile_size * n_tiles)
    return distributed.MeshBuffer.create(buffer_config, device_local_config, mesh_device)


def MakeCircularBuffer(program, core, cb, size, page_size, format):
    cb_config = CircularBufferConfig(size, {cb: format}).set_page_size(cb, page_size)
    return CreateCircularBuffer(program, core, cb_config)


def MakeCircularBufferBFP16(program, core, cb, n_tiles):
    tile_size = np.dtype(bfloat16).itemsize * TILE_WIDTH * TILE_HEIGHT
    return MakeCircularBuffer(program, core, cb, n_tiles * tile_size, tile_size, DataFormat.Float16_b)


OVERRIDE_KERNEL_PREFIX = ""


def main(device=None, n_tiles: int = 64, seed: int | None = None, device_id: int = 0) -> bool:
    seed = random.getrandbits(31) if seed is None else seed

    mesh_device = distributed.MeshDevice.create_unit_mesh(device_id, device)
    device_range = distributed.MeshCoordinateRange(mesh_device.shape())
    workload = distributed.MeshWorkload()
    program = CreateProgram()
    core = CoreCoord(0, 0)
    device_coord = distributed.MeshCoordinate(0, 0)

    cq = mesh_device.mesh_command_queue()
    tile_size = TILE_WIDTH * TILE_HEIGHT
    a = MakeBufferBFP16(mesh_device, n_tiles, False)
    b = MakeBufferBFP16(mesh_device, n_tiles, False)
    c = MakeBufferBFP16(mesh_device, n_tiles, False)

    rng = random.Random(seed)
    a_data = create_random_vector_of_bfloat16(tile_size * n_tiles * 2, 10, rng.getrandbits(32))
    b_data = create_random_vector_of_bfloat16(tile_size * n_tiles * 2, 10, rng.getrandbits(32))

    tiles_per_cb = 4
    MakeCircularBufferBFP16(program, core, CBIndex.c_0, tiles_per_cb)
    MakeCircularBufferBFP16(program, core, CBIndex.c_1, tiles_per_cb)
    MakeCircularBufferBFP16(program, core, CBIndex.c_16, tiles_per_cb)

    distributed.WriteShard(cq, a, a_data, device_coord, False)
    distributed.WriteShard(cq, b, b_data, device_coord, False)

    reader_compile_time_args = []
    TensorAccessorArgs(a).append_to(reader_compile_time_args)
    TensorAccessorArgs(b).append_to(reader_compile_time_args)
    reader = CreateKernel(
        program,
        OVERRIDE_KERNEL_PREFIX + "contributed/vecadd/kernels/interleaved_tile_read.cpp",
        core,
        DataMovementConfig(
            processor=DataMovementProcessor.RISCV_0,
            noc=NOC.RISCV_0_default,
            compile_args=reader_compile_time_args))
    writer_compile_time_args = []
    TensorAccessorArgs(c).append_to(writer_compile_time_args)
    writer = CreateKernel(
        program,
        OVERRIDE_KERNEL_PREFIX + "contributed/vecadd/kernels/tile_write.cpp",
        core,
        DataMovementConfig(
            processor=DataMovementProcessor.RISCV_1,
            noc=NOC.RISCV_1_default,
            compile_args=writer_compile_time_args))
    compute = CreateKernel(
        program,
        OVERRIDE_KERNEL_PREFIX + "contributed/vecadd/kernels/add.cpp",
        core,
        ComputeConfig(math_approx_mode=False, compile_args=[], defines={}))

    SetRuntimeArgs(program, reader, core, [a.address(), b.address(), n_tiles])
    SetRuntimeArgs(program, writer, core, [c.address(), n_tiles])
    SetRuntimeArgs(program, compute, core, [n_tiles])

    distributed.AddProgramToMeshWorkload(workload, program, device_range)
    distributed.EnqueueMeshWorkload(cq, workload, True)
    print("Kernel execution finished")

    c_data = []
    distributed.EnqueueReadMeshBuffer(cq, c_data, c, True)

    print("Partial results: (note we are running under BFP16. It's going to be less accurate)")
    n = min(10, tile_size * n_tiles)
    a_bf16 = reinterpret_cast(bfloat16, a_data)
    b_bf16 = reinterpret_cast(bfloat16, b_data)
    c_bf16 = reinterpret_cast(bfloat16, c_data)
    for i in range(n):
        print(f"  {float(a_bf16[i])} + {float(b_bf16[i])} = {float(c_bf16[i])}")
    sys.stdout.flush()

    mesh_device.close()
    expected = a_bf16.astype(np.float32) + b_bf16.astype(np.float32)
    return bool(np.all(np.abs(c_bf16.astype(np.float32) - expected) <= 0.3))


if __name__ == "__main__":
    print("Test Passed" if main() else "Test Failed")
