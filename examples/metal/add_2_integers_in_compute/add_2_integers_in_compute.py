"""add_2_integers_in_compute (tt-metal programming example): one tile of 14s plus one tile of 8s with add_tiles;
the host reads back 22s. Buffers are addressed by their DRAM bank's NoC coordinates (noc_coordinates())."""

from tensix.metal import *


def main(device=None) -> bool:
    device = CreateDevice(0, device)
    cq = device.command_queue()
    program = CreateProgram()
    core = CoreCoord(0, 0)

    single_tile_size = 2 * 1024
    dram_config = InterleavedBufferConfig(device=device, size=single_tile_size, page_size=single_tile_size,
                                          buffer_type=BufferType.DRAM)
    src0_dram_buffer = CreateBuffer(dram_config)
    src1_dram_buffer = CreateBuffer(dram_config)
    dst_dram_buffer = CreateBuffer(dram_config)
    src0_dram_noc_coord = src0_dram_buffer.noc_coordinates()
    src1_dram_noc_coord = src1_dram_buffer.noc_coordinates()
    dst_dram_noc_coord = dst_dram_buffer.noc_coordinates()

    num_input_tiles = num_output_tiles = 1
    for index, tiles in ((CBIndex.c_0, num_input_tiles), (CBIndex.c_1, num_input_tiles),
                         (CBIndex.c_16, num_output_tiles)):
        CreateCircularBuffer(program, core, CircularBufferConfig(tiles * single_tile_size,
                                                                 {index: DataFormat.Float16_b})
                             .set_page_size(index, single_tile_size))

    binary_reader_kernel_id = CreateKernel(
        program, "kernels/dataflow/reader_binary_1_tile.py", core,
        DataMovementConfig(processor=DataMovementProcessor.RISCV_1, noc=NOC.RISCV_1_default))
    unary_writer_kernel_id = CreateKernel(
        program, "kernels/dataflow/writer_1_tile.py", core,
        DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default))
    compute_kernel_args = []
    eltwise_binary_kernel_id = CreateKernel(
        program, "kernels/compute/add_2_tiles.py", core,
        ComputeConfig(math_fidelity=MathFidelity.HiFi4, fp32_dest_acc_en=False, math_approx_mode=False,
                      compile_args=compute_kernel_args))

    src0_vec = create_constant_vector_of_bfloat16(single_tile_size, 14.0)
    src1_vec = create_constant_vector_of_bfloat16(single_tile_size, 8.0)
    EnqueueWriteBuffer(cq, src0_dram_buffer, src0_vec, False)
    EnqueueWriteBuffer(cq, src1_dram_buffer, src1_vec, False)

    SetRuntimeArgs(program, binary_reader_kernel_id, core, [
        src0_dram_buffer.address(), src1_dram_buffer.address(), src0_dram_noc_coord.x, src0_dram_noc_coord.y,
        src1_dram_noc_coord.x, src1_dram_noc_coord.y])
    SetRuntimeArgs(program, eltwise_binary_kernel_id, core, [])
    SetRuntimeArgs(program, unary_writer_kernel_id, core, [dst_dram_buffer.address(), dst_dram_noc_coord.x,
                                                           dst_dram_noc_coord.y])

    EnqueueProgram(cq, program, False)
    Finish(cq)
    result_vec = []
    EnqueueReadBuffer(cq, dst_dram_buffer, result_vec, True)
    CloseDevice(device)
    expected = pack_two_bfloat16_into_uint32((22.0, 22.0))
    return result_vec[0] == expected == 1102070192


if __name__ == "__main__":
    print("Test Passed" if main() else "Test Failed")
