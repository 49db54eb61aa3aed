"""custom_sfpi_smoothstep (tt-metal programming example): smoothstep(0, 1, x) over n_tiles bf16 tiles, written in
SFPI with v_if / v_elseif lane predication; each result within 1e-2 of the host's."""

import sys

from tensix.metal import *

OVERRIDE_KERNEL_PREFIX = "../"


def main(device=None, n_tiles: int = 64) -> bool:
    pass_ = True

    try:
        device_id = 0
        mesh_device = distributed.MeshDevice.create_unit_mesh(device_id, device)

        cq = mesh_device.mesh_command_queue()
        program = CreateProgram()

        core = CoreCoord(0, 0)

        elements_per_tile = constants.TILE_WIDTH * constants.TILE_HEIGHT
        tile_size_bytes = np.dtype(bfloat16).itemsize * elements_per_tile
        dram_buffer_size = tile_size_bytes * n_tiles

        dram_config = distributed.DeviceLocalBufferConfig(page_size=tile_size_bytes, buffer_type=BufferType.DRAM)
        dram_buffer_config = distributed.ReplicatedBufferConfig(size=dram_buffer_size)

        src0_dram_buffer = distributed.MeshBuffer.create(dram_buffer_config, dram_config, mesh_device)
        dst_dram_buffer = distributed.MeshBuffer.create(dram_buffer_config, dram_config, mesh_device)

        rng = np.random.default_rng(1)
        a_data = rng.uniform(0.0, 1.0, elements_per_tile * n_tiles).astype(bfloat16)

        distributed.EnqueueWriteMeshBuffer(cq, src0_dram_buffer, a_data, False)

        tiles_per_cb = 2
        src0_cb_index = CBIndex.c_0
        CreateCircularBuffer(program, core, CircularBufferConfig(
            tiles_per_cb * tile_size_bytes,
            {src0_cb_index: DataFormat.Float16_b})
            .set_page_size(src0_cb_index, tile_size_bytes))
        dst_cb_index = CBIndex.c_16
        CreateCircularBuffer(program, core, CircularBufferConfig(
            tiles_per_cb * tile_size_bytes,
            {dst_cb_index: DataFormat.Float16_b})
            .set_page_size(dst_cb_index, tile_size_bytes))

        reader_compile_time_args = []
        TensorAccessorArgs(src0_dram_buffer.get_backing_buffer()).append_to(reader_compile_time_args)
        reader = CreateKernel(
            program,
            OVERRIDE_KERNEL_PREFIX + "custom_sfpi_smoothstep/kernels/dataflow/read_tiles.py",
            core,
            DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default,
                               compile_args=reader_compile_time_args))
        writer_compile_time_args = []
        TensorAccessorArgs(dst_dram_buffer.get_backing_buffer()).append_to(writer_compile_time_args)
        writer = CreateKernel(
            program,
            OVERRIDE_KERNEL_PREFIX + "custom_sfpi_smoothstep/kernels/dataflow/write_tile.py",
            core,
            DataMovementConfig(processor=DataMovementProcessor.RISCV_1, noc=NOC.RISCV_1_default,
                               compile_args=writer_compile_time_args))
        compute = CreateKernel(
            program,
            OVERRIDE_KERNEL_PREFIX + "custom_sfpi_smoothstep/kernels/compute/tiles_smoothstep.py",
            core,
            ComputeConfig(
                fp32_dest_acc_en=False,
            ))

        SetRuntimeArgs(program, reader, core, [src0_dram_buffer.address(), n_tiles])
        SetRuntimeArgs(program, writer, core, [dst_dram_buffer.address(), n_tiles])
        SetRuntimeArgs(program, compute, core, [n_tiles])

        workload = distributed.MeshWorkload()
        device_range = distributed.MeshCoordinateRange(mesh_device.shape())
        workload.add_program(device_range, program)
        distributed.EnqueueMeshWorkload(cq, workload, False)
        distributed.Finish(cq)

        result_vec = np.array([], dtype=bfloat16)
        distributed.EnqueueReadMeshBuffer(cq, result_vec, dst_dram_buffer, True)

        eps = 1e-2
        TT_FATAL(len(result_vec) == len(a_data), "Result vector size mismatch")
        for i in range(len(result_vec)):
            def smoothstep(edge0, edge1, x):
                x = (x - edge0) / (edge1 - edge0)
                x = np.clip(x, 0.0, 1.0)
                return x * x * (3 - 2 * x)
            expected = smoothstep(0.0, 1.0, float(a_data[i]))
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
