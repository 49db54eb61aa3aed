"""eltwise_binary (tt-metal programming example): c = a + b over n_tiles bf16 tiles on one core
(reader -> add_tiles -> writer)."""

from tensix.metal import *


def main(device=None, n_tiles: int = 64) -> bool:
    mesh_device = distributed.MeshDevice.create_unit_mesh(0, device)
    cq = mesh_device.mesh_command_queue()
    workload = distributed.MeshWorkload()
    device_range = distributed.MeshCoordinateRange(mesh_device.shape())
    program = CreateProgram()
    core = CoreCoord(0, 0)

    elements_per_tile = constants.TILE_WIDTH * constants.TILE_HEIGHT
    tile_size_bytes = np.dtype(bfloat16).itemsize * elements_per_tile
    dram_config = distributed.DeviceLocalBufferConfig(page_size=tile_size_bytes, buffer_type=BufferType.DRAM)
    buffer_config = distributed.ReplicatedBufferConfig(size=n_tiles * tile_size_bytes)
    src0_dram_buffer = distributed.MeshBuffer.create(buffer_config, dram_config, mesh_device)
    src1_dram_buffer = distributed.MeshBuffer.create(buffer_config, dram_config, mesh_device)
    dst_dram_buffer = distributed.MeshBuffer.create(buffer_config, dram_config, mesh_device)

    rng = np.random.default_rng(0)
    a_data = rng.uniform(0.0, 1.0, elements_per_tile * n_tiles).astype(bfloat16)
    val_to_add = -1.0
    b_data = np.full(elements_per_tile * n_tiles, val_to_add, dtype=bfloat16)
    distributed.EnqueueWriteMeshBuffer(cq, src0_dram_buffer, a_data, False)
    distributed.EnqueueWriteMeshBuffer(cq, src1_dram_buffer, b_data, False)

    src0_cb_index, src1_cb_index, dst_cb_index = CBIndex.c_0, CBIndex.c_1, CBIndex.c_16
    num_tiles_per_cb = 2
    for index in (src0_cb_index, src1_cb_index, dst_cb_index):
        CreateCircularBuffer(program, core, CircularBufferConfig(
            num_tiles_per_cb * tile_size_bytes, {index: DataFormat.Float16_b}).set_page_size(index, tile_size_bytes))

    reader_compile_time_args = []
    TensorAccessorArgs(src0_dram_buffer).append_to(reader_compile_time_args)
    TensorAccessorArgs(src1_dram_buffer).append_to(reader_compile_time_args)
    reader = CreateKernel(program, "kernels/dataflow/read_tiles.py", core,
                          DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default,
                                             compile_args=reader_compile_time_args))
    writer_compile_time_args = []
    TensorAccessorArgs(dst_dram_buffer).append_to(writer_compile_time_args)
    writer = CreateKernel(program, "kernels/dataflow/write_tile.py", core,
                          DataMovementConfig(processor=DataMovementProcessor.RISCV_1, noc=NOC.RISCV_1_default,
                                             compile_args=writer_compile_time_args))
    compute = CreateKernel(program, "kernels/compute/tiles_add.py", core,
                           ComputeConfig(math_fidelity=MathFidelity.HiFi4))

    SetRuntimeArgs(program, reader, core, [src0_dram_buffer.address(), src1_dram_buffer.address(), n_tiles])
    SetRuntimeArgs(program, writer, core, [dst_dram_buffer.address(), n_tiles])
    SetRuntimeArgs(program, compute, core, [n_tiles])

    workload.add_program(device_range, program)
    distributed.EnqueueMeshWorkload(cq, workload, False)
    distributed.Finish(cq)

    result_vec = np.zeros(elements_per_tile * n_tiles, dtype=bfloat16)
    distributed.EnqueueReadMeshBuffer(cq, result_vec, dst_dram_buffer, True)
    mesh_device.close()

    eps = 1e-2
    expected = a_data.astype(np.float32) + b_data.astype(np.float32)
    return bool(np.all(np.abs(expected - result_vec.astype(np.float32)) <= eps))


if __name__ == "__main__":
    print("Test Passed" if main() else "Test Failed")
