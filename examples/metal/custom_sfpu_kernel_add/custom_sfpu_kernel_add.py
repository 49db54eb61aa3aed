"""custom_sfpu_kernel_add (tt-metal programming example, the device API before the mesh one): a + (-1) over
n_tiles bf16 tiles with an SFPI face function defined in the compute kernel; each result within 1e-2."""

import sys

from tensix.metal import *

OVERRIDE_KERNEL_PREFIX = "../"


def main(device=None, n_tiles: int = 64) -> bool:
    pass_ = True

    try:
        device_id = 0
        device = CreateDevice(device_id, device)

        cq = device.command_queue()
        program = CreateProgram()

        core = CoreCoord(0, 0)

        elements_per_tile = constants.TILE_WIDTH * constants.TILE_HEIGHT
        tile_size_bytes = np.dtype(bfloat16).itemsize * elements_per_tile

        config = InterleavedBufferConfig(
            device=device,
            size=n_tiles * tile_size_bytes,
            page_size=tile_size_bytes,
            buffer_type=BufferType.DRAM)
        src0_dram_buffer = CreateBuffer(config)
        src1_dram_buffer = CreateBuffer(config)
        dst_dram_buffer = CreateBuffer(config)

        rng = np.random.default_rng(1)
        a_data = rng.uniform(0.0, 1.0, elements_per_tile * n_tiles).astype(bfloat16)

        val_to_add = -1.0
        b_data = np.full(elements_per_tile * n_tiles, val_to_add, dtype=bfloat16)

        EnqueueWriteBuffer(cq, src0_dram_buffer, a_data, False)
        EnqueueWriteBuffer(cq, src1_dram_buffer, b_data, False)

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
        dst_cb_index = CBIndex.c_16
        CreateCircularBuffer(program, core, CircularBufferConfig(
            tiles_per_cb * tile_size_bytes,
            {dst_cb_index: DataFormat.Float16_b})
            .set_page_size(dst_cb_index, tile_size_bytes))

        reader_compile_time_args = []
        TensorAccessorArgs(src0_dram_buffer).append_to(reader_compile_time_args)
        TensorAccessorArgs(src1_dram_buffer).append_to(reader_compile_time_args)
        reader = CreateKernel(
            program,
            OVERRIDE_KERNEL_PREFIX + "custom_sfpu_kernel_add/kernels/dataflow/read_tiles.py",
            core,
            DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default,
                               compile_args=reader_compile_time_args))
        writer_compile_time_args = []
        TensorAccessorArgs(dst_dram_buffer).append_to(writer_compile_time_args)
        writer = CreateKernel(
            program,
            OVERRIDE_KERNEL_PREFIX + "custom_sfpu_kernel_add/kernels/dataflow/write_tile.py",
            core,
            DataMovementConfig(processor=DataMovementProcessor.RISCV_1, noc=NOC.RISCV_1_default,
                               compile_args=writer_compile_time_args))
        compute = CreateKernel(
            program,
            OVERRIDE_KERNEL_PREFIX + "custom_sfpu_kernel_add/kernels/compute/tiles_add.py",
            core,
            ComputeConfig(math_fidelity=MathFidelity.HiFi4))

        SetRuntimeArgs(program, reader, core, [src0_dram_buffer.address(), src1_dram_buffer.address(), n_tiles])
        SetRuntimeArgs(program, writer, core, [dst_dram_buffer.address(), n_tiles])
        SetRuntimeArgs(program, compute, core, [n_tiles])

        EnqueueProgram(cq, program, False)
        Finish(cq)

        result_vec = np.array([], dtype=bfloat16)
        EnqueueReadBuffer(cq, dst_dram_buffer, result_vec, True)

        eps = 1e-2
        TT_FATAL(len(result_vec) == len(a_data), "Result vector size mismatch")
        for i in range(len(result_vec)):
            expected = float(a_data[i]) + val_to_add
            actual = float(result_vec[i])

            if abs(expected - actual) > eps:
                pass_ = False

        pass_ &= CloseDevice(device)
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
