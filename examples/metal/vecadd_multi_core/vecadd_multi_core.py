"""vecadd_multi_core (tt-metal programming example): two bf16 vectors added by every core of the grid, the
tiles split with split_work_to_cores; each sum must be within 0.3 of a + b."""

import sys

from tensix.metal import *  # noqa: F403


def MakeMeshBuffer(mesh_device, size, page_size, sram):
    local_config = distributed.DeviceLocalBufferConfig(
        page_size=page_size, buffer_type=(BufferType.L1 if sram else BufferType.DRAM))
    buffer_config = distributed.ReplicatedBufferConfig(size=size)
    return distributed.MeshBuffer.create(buffer_config, local_config, mesh_device)


def MakeMeshBufferBFP16(mesh_device, n_tiles, sram):
    tile_size = np.dtype(bfloat16).itemsize * constants.TILE_WIDTH * constants.TILE_HEIGHT
    page_tiles = n_tiles if sram else 1
    return MakeMeshBuffer(mesh_device, tile_size * n_tiles, page_tiles * tile_size, sram)


def MakeCircularBuffer(program, core, cb, size, page_size, format):
    cb_src0_config = CircularBufferConfig(size, {cb: format}).set_page_size(cb, page_size)
    return CreateCircularBuffer(program, core, cb_src0_config)


def MakeCircularBufferBFP16(program, core, cb, n_tiles):
    tile_size = np.dtype(bfloat16).itemsize * constants.TILE_WIDTH * constants.TILE_HEIGHT
    return MakeCircularBuffer(program, core, cb, n_tiles * tile_size, tile_size, DataFormat.Float16_b)


def main(device=None, n_tiles: int = 640, seed: int = 0x1234567, device_id: int = 0) -> bool:
    mesh_device = distributed.MeshDevice.create_unit_mesh(device_id, device)

    workload = distributed.MeshWorkload()
    device_range = distributed.MeshCoordinateRange(mesh_device.shape())
    program = CreateProgram()

    cq = mesh_device.mesh_command_queue()

    tile_size = constants.TILE_WIDTH * constants.TILE_HEIGHT
    core_tile_idx = {}

    a = MakeMeshBufferBFP16(mesh_device, n_tiles, False)
    b = MakeMeshBufferBFP16(mesh_device, n_tiles, False)
    c = MakeMeshBufferBFP16(mesh_device, n_tiles, False)

    rng = np.random.default_rng(seed)  # std::mt19937 + uniform_real_distribution<float>(0, 10)
    a_data = rng.uniform(0, 10.0, tile_size * n_tiles).astype(bfloat16)
    b_data = rng.uniform(0, 10.0, tile_size * n_tiles).astype(bfloat16)

    core_grid = mesh_device.compute_with_storage_grid_size()
    num_cores_x = core_grid.x
    num_cores_y = core_grid.y
    all_device_cores = CoreRange((0, 0), (num_cores_x - 1, num_cores_y - 1))

    cir_buf_num_title = 4
    MakeCircularBufferBFP16(program, all_device_cores, CBIndex.c_0, cir_buf_num_title)
    MakeCircularBufferBFP16(program, all_device_cores, CBIndex.c_1, cir_buf_num_title)
    MakeCircularBufferBFP16(program, all_device_cores, CBIndex.c_2, cir_buf_num_title)

    row_major = True
    (num_cores, all_cores, core_group_1, core_group_2, num_tiles_per_core_group_1,
     num_tiles_per_core_group_2) = split_work_to_cores(core_grid, n_tiles, row_major)

    reader_compile_time_args = [int(CBIndex.c_0), int(CBIndex.c_1)]
    reader_named_compile_time_args = {"c_0": int(CBIndex.c_0), "c_1": int(CBIndex.c_1)}
    TensorAccessorArgs(a).append_to(reader_compile_time_args)
    TensorAccessorArgs(b).append_to(reader_compile_time_args)
    writer_compile_time_args = [int(CBIndex.c_2)]
    TensorAccessorArgs(c).append_to(writer_compile_time_args)
    compute_compile_time_args = [int(CBIndex.c_0), int(CBIndex.c_1), int(CBIndex.c_2)]
    compute_named_compile_time_args = {"c_0": int(CBIndex.c_0), "c_1": int(CBIndex.c_1), "c_2": int(CBIndex.c_2)}

    reader = CreateKernel(
        program,
        "tt_metal/programming_examples/vecadd_multi_core/kernels/"
        "interleaved_tile_read_multi_core.cpp",
        all_cores,
        DataMovementConfig(
            processor=DataMovementProcessor.RISCV_0,
            noc=NOC.RISCV_0_default,
            compile_args=reader_compile_time_args,
            named_compile_args=reader_named_compile_time_args))
    writer = CreateKernel(
        program,
        "tt_metal/programming_examples/vecadd_multi_core/kernels/"
        "tile_write_multi_core.cpp",
        all_cores,
        DataMovementConfig(
            processor=DataMovementProcessor.RISCV_1,
            noc=NOC.RISCV_1_default,
            compile_args=writer_compile_time_args))
    compute = CreateKernel(
        program,
        "tt_metal/programming_examples/vecadd_multi_core/"
        "kernels/add_multi_core.cpp",
        all_cores,
        ComputeConfig(
            math_approx_mode=False,
            compile_args=compute_compile_time_args,
            defines={},
            named_compile_args=compute_named_compile_time_args))

    work_groups = [(core_group_1, num_tiles_per_core_group_1), (core_group_2, num_tiles_per_core_group_2)]
    start_tile_id = 0
    for group, work_per_core in work_groups:
        for range_ in group.ranges():
            for core in range_:
                SetRuntimeArgs(program, reader, core, [a.address(), b.address(), work_per_core, start_tile_id])
                SetRuntimeArgs(program, writer, core, [c.address(), work_per_core, start_tile_id])
                SetRuntimeArgs(program, compute, core, [work_per_core, start_tile_id])
                core_tile_idx[core] = start_tile_id

                start_tile_id += work_per_core

    distributed.EnqueueWriteMeshBuffer(cq, a, a_data, False)
    distributed.EnqueueWriteMeshBuffer(cq, b, b_data, False)
    workload.add_program(device_range, program)
    distributed.EnqueueMeshWorkload(cq, workload, False)

    print("Kernel execution finished")

    c_data = np.array([], dtype=bfloat16)
    distributed.EnqueueReadMeshBuffer(cq, c_data, c, True)

    print("Partial results: (note we are running under BFP16. It's going to be less accurate)")
    for core_y in range(num_cores_y):
        core = CoreCoord(0, core_y)
        if core not in core_tile_idx:
            continue
        fmt.print("Core {}:\n", core)

        start_idx = core_tile_idx[core] * tile_size
        for i in range(10):
            fmt.print("Index {}: {} + {} = {}\n", start_idx + i, float(a_data[start_idx + i]),
                      float(b_data[start_idx + i]), float(c_data[start_idx + i]))
        fmt.print("\n")

    pass_ = True
    for i in range(c_data.size):
        expected = float(a_data[i]) + float(b_data[i])
        if abs(float(c_data[i]) - expected) > 0.3:
            fmt.print("Mismatch at index {}: {} + {} = {}, expected {}\n", i, float(a_data[i]), float(b_data[i]),
                      float(c_data[i]), expected)
            pass_ = False
            break
    if pass_:
        fmt.print("All results match expected values within tolerance.\n")
    else:
        fmt.print(sys.stderr, "Some results did not match expected values.\n")

    mesh_device.close()
    return pass_


if __name__ == "__main__":
    print("Test Passed" if main() else "Test Failed")
