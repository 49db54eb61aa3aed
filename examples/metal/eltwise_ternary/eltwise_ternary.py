"""eltwise_ternary (tt-metal programming example): a * b + c over n_tiles bf16 tiles (1 * -1 + 0.5) with mul_tiles
and an add reusing DST (binary_dest_reuse_tiles); each result within 1e-5 of -0.5."""

import sys

from tensix.metal import *

OVERRIDE_KERNEL_PREFIX = "../"


def main(device=None, n_tiles: int = 64) -> bool:
    pass_ = True

    try:
        device_id = 0
        mesh_device = distributed.MeshDevice.create_unit_mesh(device_id, device)

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
        src2_dram_buffer = distributed.MeshBuffer.create(buffer_config, dram_config, mesh_device)
        dst_dram_buffer = distributed.MeshBuffer.create(buffer_config, dram_config, mesh_device)

        val_a = 1.0
        a_data = np.full(elements_per_tile * n_tiles, val_a, dtype=bfloat16)

        val_b = -1.0
        b_data = np.full(elements_per_tile * n_tiles, val_b, dtype=bfloat16)

        val_c = 0.5
        c_data = np.full(elements_per_tile * n_tiles, val_c, dtype=bfloat16)

        distributed.EnqueueWriteMeshBuffer(cq, src0_dram_buffer, a_data, False)
        distributed.EnqueueWriteMeshBuffer(cq, src1_dram_buffer, b_data, False)
        distributed.EnqueueWriteMeshBuffer(cq, src2_dram_buffer, c_data, False)

        tiles_per_cb = 2
        src0_cb_index = CBIndex.c_0
        CreateCircularBuffer(program, core, CircularBufferConfig(
            tiles_per_cb * tile_size_bytes,
            {src0_cb_index: DataFormat.Float16_b})
            .set_page_size(src0_cb_index, tile_size_bytes))
        src1_cb_index = CBIndex.c_1
        CreateCircularBuffer(program, core, CircularBufferConfig(
            tiles_per_cb * tile_size_bytes,
            {src1_cb_index: DataFormat.Float16_b})
            .set_page_size(src1_cb_index, tile_size_bytes))
        src2_cb_index = CBIndex.c_2
        CreateCircularBuffer(program, core, CircularBufferConfig(
            tiles_per_cb * tile_size_bytes,
            {src2_cb_index: DataFormat.Float16_b})
            .set_page_size(src2_cb_index, tile_size_bytes))
        dst_cb_index = CBIndex.c_16
        CreateCircularBuffer(program, core, CircularBufferConfig(
            tiles_per_cb * tile_size_bytes,
            {dst_cb_index: DataFormat.Float16_b})
            .set_page_size(dst_cb_index, tile_size_bytes))

        reader_compile_time_args = []
        TensorAccessorArgs(src0_dram_buffer).append_to(reader_compile_time_args)
        TensorAccessorArgs(src1_dram_buffer).append_to(reader_compile_time_args)
        TensorAccessorArgs(src2_dram_buffer).append_to(reader_compile_time_args)
        reader = CreateKernel(
            program,
            OVERRIDE_KERNEL_PREFIX + "eltwise_ternary/kernels/dataflow/read_tiles.py",
            core,
            DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default,
                               compile_args=reader_compile_time_args))
        writer_compile_time_args = []
        TensorAccessorArgs(dst_dram_buffer).append_to(writer_compile_time_args)
        writer = CreateKernel(
            program,
            OVERRIDE_KERNEL_PREFIX + "eltwise_ternary/kernels/dataflow/write_tile.py",
            core,
            DataMovementConfig(processor=DataMovementProcessor.RISCV_1, noc=NOC.RISCV_1_default,
                               compile_args=writer_compile_time_args))
        compute = CreateKernel(
            program,
            OVERRIDE_KERNEL_PREFIX + "eltwise_ternary/kernels/compute/tiles_add.py",
            core,
            ComputeConfig(math_fidelity=MathFidelity.HiFi4))

        SetRuntimeArgs(program, reader, core, [src0_dram_buffer.address(), src1_dram_buffer.address(),
                                               src2_dram_buffer.address(), n_tiles])
        SetRuntimeArgs(program, writer, core, [dst_dram_buffer.address(), n_tiles])
        SetRuntimeArgs(program, compute, core, [n_tiles])

        workload.add_program(device_range, program)
        distributed.EnqueueMeshWorkload(cq, workload, False)
        distributed.Finish(cq)

        ReadMeshDeviceProfilerResults(mesh_device)

        result_vec = np.array([], dtype=bfloat16)
        distributed.EnqueueReadMeshBuffer(cq, result_vec, dst_dram_buffer, True)

        eps = 1e-5
        TT_FATAL(len(result_vec) == len(a_data), "Result vector size mismatch")
        for i in range(len(result_vec)):
            expected = val_a * val_b + val_c
            actual = float(result_vec[i])

            if abs(expected - actual) > eps:
                pass_ = False
                print(f"Result mismatch at index {i}: expected {expected}, got {actual}", file=sys.stderr)

        pass_ &= mesh_device.close()
    except Exception as e:
        print("Test failed with exception!", file=sys.stderr)
        print(f"{e}", file=sys.stderr)

        raise

    if pass_:
        print("Test Passed")
    else:
        TT_THROW("Test Failed")

    return pass_


if __name__ == "__main__":
    main()
