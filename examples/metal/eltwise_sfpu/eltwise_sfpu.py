"""eltwise_sfpu (tt-metal programming example): y = exp(x) on the SFPU over n_tiles tiles on one core."""

from tensix.metal import *


def main(device=None, n_tiles: int = 64, math_approx_mode: bool = False) -> bool:
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
    dst_dram_buffer = distributed.MeshBuffer.create(buffer_config, dram_config, mesh_device)

    rng = np.random.default_rng(1)
    src0_vec = rng.uniform(0.0, 1.0, elements_per_tile * n_tiles).astype(bfloat16)
    distributed.EnqueueWriteMeshBuffer(cq, src0_dram_buffer, src0_vec, False)

    src0_cb_index, output_cb_index = CBIndex.c_0, CBIndex.c_16
    num_input_tiles = num_output_tiles = 2
    CreateCircularBuffer(program, core, CircularBufferConfig(
        num_input_tiles * tile_size_bytes, {src0_cb_index: DataFormat.Float16_b}).set_page_size(
        src0_cb_index, tile_size_bytes))
    CreateCircularBuffer(program, core, CircularBufferConfig(
        num_output_tiles * tile_size_bytes, {output_cb_index: DataFormat.Float16_b}).set_page_size(
        output_cb_index, tile_size_bytes))

    reader_compile_time_args = []
    TensorAccessorArgs(src0_dram_buffer).append_to(reader_compile_time_args)
    writer_compile_time_args = []
    TensorAccessorArgs(dst_dram_buffer).append_to(writer_compile_time_args)
    unary_reader_kernel_id = CreateKernel(
        program, "kernels/dataflow/read_tile.py", core,
        DataMovementConfig(processor=DataMovementProcessor.RISCV_1, noc=NOC.RISCV_1_default,
                           compile_args=reader_compile_time_args))
    unary_writer_kernel_id = CreateKernel(
        program, "kernels/dataflow/write_tile.py", core,
        DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default,
                           compile_args=writer_compile_time_args))
    eltwise_sfpu_kernel_id = CreateKernel(
        program, "kernels/compute/eltwise_sfpu.py", core,
        ComputeConfig(math_fidelity=MathFidelity.HiFi4, math_approx_mode=math_approx_mode))

    SetRuntimeArgs(program, unary_reader_kernel_id, core, [src0_dram_buffer.address(), n_tiles])
    SetRuntimeArgs(program, unary_writer_kernel_id, core, [dst_dram_buffer.address(), n_tiles])
    SetRuntimeArgs(program, eltwise_sfpu_kernel_id, core, [n_tiles])

    workload.add_program(device_range, program)
    distributed.EnqueueMeshWorkload(cq, workload, False)
    distributed.Finish(cq)

    result_vec = np.zeros(elements_per_tile * n_tiles, dtype=bfloat16)
    distributed.EnqueueReadMeshBuffer(cq, result_vec, dst_dram_buffer, True)
    mesh_device.close()

    eps = 2e-2 if not math_approx_mode else 8e-2  # relative; the approximate exp is a few percent off
    expected = np.exp(src0_vec.astype(np.float32))
    return bool(np.all(np.abs(expected - result_vec.astype(np.float32)) <= eps * expected))


if __name__ == "__main__":
    print("Test Passed" if main() else "Test Failed")
