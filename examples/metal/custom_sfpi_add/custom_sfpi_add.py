"""custom_sfpi_add (tt-metal programming example): a + (-1) over n_tiles bf16 tiles, the addition written in SFPI
(vFloat, dst_reg) and run on the SFPU; each result within 1e-2 of the host's."""

import sys

from tensix.metal import *

OVERRIDE_KERNEL_PREFIX = "../"


def main(device=None, n_tiles: int = 64) -> bool:
    pass_ = True

    try:
        device_id = 0
        mesh_device = distributed.MeshDevice.create_unit_mesh(device_id, device)
        cq = mesh_device.mesh_command_queue()

        elements_per_tile = constants.TILE_WIDTH * constants.TILE_HEIGHT
        tile_size_bytes = np.dtype(bfloat16).itemsize * elements_per_tile
        dram_buffer_size = tile_size_bytes * n_tiles

        dram_config = distributed.DeviceLocalBufferConfig(page_size=tile_size_bytes, buffer_type=BufferType.DRAM)
        dram_buffer_config = distributed.ReplicatedBufferConfig(size=dram_buffer_size)

        src0_dram_buffer = distributed.MeshBuffer.create(dram_buffer_config, dram_config, mesh_device)
        src1_dram_buffer = distributed.MeshBuffer.create(dram_buffer_config, dram_config, mesh_device)
        dst_dram_buffer = distributed.MeshBuffer.create(dram_buffer_config, dram_config, mesh_device)

        program = CreateProgram()

        workload = distributed.MeshWorkload()
        device_range = distributed.MeshCoordinateRange(mesh_device.shape())

        core = CoreCoord(0, 0)

        tiles_per_cb = 2
        src0_cb_index = CBIndex.c_0
        CreateCircularBuffer(
            program,
            core,
            CircularBufferConfig(
                tiles_per_cb * tile_size_bytes,
                {src0_cb_index: DataFormat.Float16_b})
            .set_page_size(src0_cb_index, tile_size_bytes))
        src1_cb_index = CBIndex.c_1
        CreateCircularBuffer(program, core, CircularBufferConfig(
            tiles_per_cb * tile_size_bytes,
            {src1_cb_index: DataFormat.Float16_b})
            .set_page_size(src1_cb_index, tile_size_bytes))
        dst_cb_index = CBIndex.c_16
        CreateCircularBuffer(program, core, CircularBufferConfig(
            tiles_per_cb * tile_size_bytes,
            {dst_cb_index: DataFormat.Float16_b})
            .set_page_size(dst_cb_index, tile_size_bytes))

        reader_compile_time_args = []
        TensorAccessorArgs(src0_dram_buffer.get_backing_buffer()).append_to(reader_compile_time_args)
        TensorAccessorArgs(src1_dram_buffer.get_backing_buffer()).append_to(reader_compile_time_args)
        reader = CreateKernel(
            program,
            OVERRIDE_KERNEL_PREFIX + "custom_sfpi_add/kernels/dataflow/read_tiles.py",
            core,
            DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default,
                               compile_args=reader_compile_time_args))
        writer_compile_time_args = []
        TensorAccessorArgs(dst_dram_buffer.get_backing_buffer()).append_to(writer_compile_time_args)
        writer = CreateKernel(
            program,
            OVERRIDE_KERNEL_PREFIX + "custom_sfpi_add/kernels/dataflow/write_tile.py",
            core,
            DataMovementConfig(processor=DataMovementProcessor.RISCV_1, noc=NOC.RISCV_1_default,
                               compile_args=writer_compile_time_args))
        compute = CreateKernel(
            program,
            OVERRIDE_KERNEL_PREFIX + "custom_sfpi_add/kernels/compute/tiles_add.py",
            core,
            ComputeConfig(
                fp32_dest_acc_en=False,
            ))

        rng = np.random.default_rng(1)
        a_data = rng.uniform(0.0, 1.0, elements_per_tile * n_tiles).astype(bfloat16)

        val_to_add = -1.0
        b_data = np.full(elements_per_tile * n_tiles, val_to_add, dtype=bfloat16)

        distributed.EnqueueWriteMeshBuffer(cq, src0_dram_buffer, a_data, False)
        distributed.EnqueueWriteMeshBuffer(cq, src1_dram_buffer, b_data, False)

        SetRuntimeArgs(program, reader, core, [src0_dram_buffer.address(), src1_dram_buffer.address(), n_tiles])
        SetRuntimeArgs(program, writer, core, [dst_dram_buffer.address(), n_tiles])
        SetRuntimeArgs(program, compute, core, [n_tiles])

        workload.add_program(device_range, program)
        distributed.EnqueueMeshWorkload(cq, workload, False)
        distributed.Finish(cq)

        result_vec = np.array([], dtype=bfloat16)
        distributed.EnqueueReadMeshBuffer(cq, result_vec, dst_dram_buffer, True)

        eps = 1e-2
        TT_FATAL(len(result_vec) == len(a_data), "Result vector size mismatch")
        for i in range(len(result_vec)):
            expected = float(a_data[i]) + val_to_add
            actual = float(result_vec[i])
            if abs(expected - actual) > eps:
                pass_ = False
                print(f"Result mismatch at index {i}: expected {expected}, got {actual}", file=sys.stderr)

        if not mesh_device.close():
            pass_ = False

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
