"""loopback (tt-metal programming example): one data movement kernel copies a DRAM buffer to another through
an L1 buffer, tile by tile."""

from tensix.metal import *  # noqa: F403


def main(device=None, num_tiles: int = 50) -> bool:
    mesh_device = distributed.MeshDevice.create_unit_mesh(0, device)
    cq = mesh_device.mesh_command_queue()
    workload = distributed.MeshWorkload()
    device_range = distributed.MeshCoordinateRange(mesh_device.shape())
    program = CreateProgram()

    core = CoreCoord(0, 0)
    tile_size_bytes = np.dtype(bfloat16).itemsize * constants.TILE_HW

    dram_config = distributed.DeviceLocalBufferConfig(page_size=tile_size_bytes, buffer_type=BufferType.DRAM)
    l1_config = distributed.DeviceLocalBufferConfig(page_size=tile_size_bytes, buffer_type=BufferType.L1)
    dram_buffer_config = distributed.ReplicatedBufferConfig(size=tile_size_bytes * num_tiles)
    l1_buffer_config = distributed.ReplicatedBufferConfig(size=tile_size_bytes)

    l1_buffer = distributed.MeshBuffer.create(l1_buffer_config, l1_config, mesh_device)
    input_dram_buffer = distributed.MeshBuffer.create(dram_buffer_config, dram_config, mesh_device)
    output_dram_buffer = distributed.MeshBuffer.create(dram_buffer_config, dram_config, mesh_device)

    rng = np.random.default_rng(42)
    input_vec = rng.uniform(0.0, 100.0, num_tiles * constants.TILE_HW).astype(bfloat16)
    distributed.EnqueueWriteMeshBuffer(cq, input_dram_buffer, input_vec, False)

    dram_copy_compile_time_args = []
    TensorAccessorArgs(input_dram_buffer).append_to(dram_copy_compile_time_args)
    TensorAccessorArgs(output_dram_buffer).append_to(dram_copy_compile_time_args)
    dram_copy_kernel_id = CreateKernel(
        program, "kernels/loopback_dram_copy.py", core,
        DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default,
                           compile_args=dram_copy_compile_time_args))

    runtime_args = [l1_buffer.address(), input_dram_buffer.address(), output_dram_buffer.address(), num_tiles]
    SetRuntimeArgs(program, dram_copy_kernel_id, core, runtime_args)

    workload.add_program(device_range, program)
    distributed.EnqueueMeshWorkload(cq, workload, False)
    distributed.Finish(cq)

    result_vec = np.zeros(num_tiles * constants.TILE_HW, dtype=bfloat16)
    distributed.EnqueueReadMeshBuffer(cq, result_vec, output_dram_buffer, True)
    mesh_device.close()
    return bool(np.array_equal(input_vec.view(np.uint16), result_vec.view(np.uint16)))


if __name__ == "__main__":
    print("Test Passed" if main() else "Test Failed")
