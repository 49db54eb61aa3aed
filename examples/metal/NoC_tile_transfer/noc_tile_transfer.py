"""NoC_tile_transfer (tt-metal programming example): core (0, 0) reads a tile from DRAM and writes it over the
NoC into core (0, 1)'s CB, the two handshaking through a semaphore; core (0, 1) writes it back to DRAM."""

from tensix.metal import *


def main(device=None) -> bool:
    device = CreateDevice(0, device)
    cq = device.command_queue()
    program = CreateProgram()

    core0 = CoreCoord(0, 0)
    core1 = CoreCoord(0, 1)
    core0_physical_coord = device.worker_core_from_logical_core(core0)
    core1_physical_coord = device.worker_core_from_logical_core(core1)
    sem_core_range = CoreRange(core0, core1)

    single_tile_size = np.dtype(np.uint16).itemsize * constants.TILE_HW
    dram_config = InterleavedBufferConfig(device=device, size=single_tile_size, page_size=single_tile_size,
                                          buffer_type=BufferType.DRAM)
    src_dram_buffer = CreateBuffer(dram_config)
    dst_dram_buffer = CreateBuffer(dram_config)

    sem_id = CreateSemaphore(program, sem_core_range, 0)

    input_data = 14
    src_vec = np.full(1, input_data, dtype=np.uint16)
    EnqueueWriteBuffer(cq, src_dram_buffer, src_vec, False)

    src0_cb_index = CBIndex.c_0
    cb_src0_config = CircularBufferConfig(single_tile_size, {src0_cb_index: DataFormat.UInt16}).set_page_size(
        src0_cb_index, single_tile_size)
    CreateCircularBuffer(program, sem_core_range, cb_src0_config)
    src1_cb_index = CBIndex.c_1
    cb_src1_config = CircularBufferConfig(single_tile_size, {src1_cb_index: DataFormat.UInt16}).set_page_size(
        src1_cb_index, single_tile_size)
    CreateCircularBuffer(program, sem_core_range, cb_src1_config)

    reader_compile_time_args = [src0_cb_index]
    TensorAccessorArgs(src_dram_buffer).append_to(reader_compile_time_args)
    core0_reader_kernel_id = CreateKernel(program, "kernels/dataflow/reader0.py", core0,
                                          ReaderDataMovementConfig(reader_compile_time_args))
    core0_writer_kernel_id = CreateKernel(program, "kernels/dataflow/writer0.py", core0,
                                          WriterDataMovementConfig([src0_cb_index, src1_cb_index]))
    core1_reader_kernel_id = CreateKernel(program, "kernels/dataflow/reader1.py", core1,
                                          ReaderDataMovementConfig([src0_cb_index, src1_cb_index]))
    writer_compile_time_args = [src1_cb_index]
    TensorAccessorArgs(dst_dram_buffer).append_to(writer_compile_time_args)
    core1_writer_kernel_id = CreateKernel(program, "kernels/dataflow/writer1.py", core1,
                                          WriterDataMovementConfig(writer_compile_time_args))

    SetRuntimeArgs(program, core0_reader_kernel_id, core0, [src_dram_buffer.address()])
    SetRuntimeArgs(program, core0_writer_kernel_id, core0, [core1_physical_coord.x, core1_physical_coord.y, sem_id])
    SetRuntimeArgs(program, core1_reader_kernel_id, core1, [core0_physical_coord.x, core0_physical_coord.y, sem_id])
    SetRuntimeArgs(program, core1_writer_kernel_id, core1, [dst_dram_buffer.address()])

    EnqueueProgram(cq, program, False)
    Finish(cq)

    result_vec = np.zeros(single_tile_size // 2, dtype=np.uint16)
    EnqueueReadBuffer(cq, dst_dram_buffer, result_vec, True)
    CloseDevice(device)
    return int(result_vec[0]) == input_data


if __name__ == "__main__":
    print("Test Passed" if main() else "Test Failed")
