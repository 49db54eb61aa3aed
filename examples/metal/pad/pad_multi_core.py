"""pad (tt-metal programming example pad_multi_core): a row-major (8, 4) bf16 tensor padded to (8, 8) with the
value 2, two columns each side, over four cores: readers fetch sticks of two values (one uint32) or the pad
stick into a CB, writers store them in the padded layout."""

from tensix.metal import *


def main(device=None) -> bool:
    device = CreateDevice(0, device)
    cq = device.command_queue()
    program = CreateProgram()

    src_m, src_n = 8, 4
    packed_data_size = np.dtype(np.uint32).itemsize
    unpacked_data_size = np.dtype(bfloat16).itemsize
    packing_ratio = packed_data_size // unpacked_data_size
    src_num_values_packed = src_m * src_n // packing_ratio
    src_vec = np.array([pack_two_bfloat16_into_uint32((2 * i + 1, 2 * i + 2)) for i in range(src_num_values_packed)],
                       dtype=np.uint32)
    pad_value = 2.0
    pad_vec = np.array([pack_two_bfloat16_into_uint32((pad_value, pad_value))], dtype=np.uint32)

    dst_m, dst_n = 8, 8
    dst_num_values_packed = dst_m * dst_n // packing_ratio
    dst_vec = np.zeros(dst_num_values_packed, dtype=np.uint32)

    cores = CoreRange(CoreCoord(0, 0), CoreCoord(0, 3))
    num_cores = cores.size()

    def dram_buffer(size: int):
        return CreateBuffer(InterleavedBufferConfig(device=device, size=size, page_size=packed_data_size,
                                                    buffer_type=BufferType.DRAM))

    src_buffer = dram_buffer(packed_data_size * src_num_values_packed)
    pad_buffer = dram_buffer(packed_data_size * len(pad_vec))
    dst_buffer = dram_buffer(packed_data_size * dst_num_values_packed)

    cb_id = CBIndex.c_0
    cb_config = CircularBufferConfig(dst_n * packed_data_size * 2, {cb_id: DataFormat.UInt32}).set_page_size(
        cb_id, packed_data_size)
    CreateCircularBuffer(program, cores, cb_config)

    reader_compile_time_args = [int(src_buffer.buffer_type() == BufferType.DRAM),
                                int(pad_buffer.buffer_type() == BufferType.DRAM)]
    writer_compile_time_args = [int(dst_buffer.buffer_type() == BufferType.DRAM)]
    reader_id = CreateKernel(program, "kernels/pad_reader_dims_rm_interleaved.py", cores,
                             DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default,
                                                compile_args=reader_compile_time_args))
    writer_id = CreateKernel(program, "kernels/pad_writer_dims_rm_interleaved.py", cores,
                             DataMovementConfig(processor=DataMovementProcessor.RISCV_1, noc=NOC.RISCV_1_default,
                                                compile_args=writer_compile_time_args))

    start_src_idx = start_dst_idx = 0
    num_rows_per_core = src_m // num_cores
    row_size_diff = dst_n - src_n
    num_packed_row_src = src_n // packing_ratio
    num_packed_row_dst = dst_n // packing_ratio
    num_src_sticks_per_core = num_packed_row_src * num_rows_per_core
    for core_idx in range(num_cores):
        core = CoreCoord(0, core_idx)
        SetRuntimeArgs(program, reader_id, core, [src_buffer.address(), pad_buffer.address(), start_src_idx,
                                                  row_size_diff // packing_ratio, num_packed_row_dst,
                                                  packed_data_size, num_rows_per_core])
        SetRuntimeArgs(program, writer_id, core, [dst_buffer.address(), start_dst_idx, num_packed_row_dst,
                                                  packed_data_size, num_rows_per_core])
        start_src_idx += num_src_sticks_per_core
        start_dst_idx += num_packed_row_dst * num_rows_per_core

    EnqueueWriteBuffer(cq, src_buffer, src_vec, False)
    EnqueueWriteBuffer(cq, pad_buffer, pad_vec, False)
    EnqueueProgram(cq, program, False)
    EnqueueReadBuffer(cq, dst_buffer, dst_vec, False)
    Finish(cq)
    CloseDevice(device)

    src = src_vec.view(bfloat16).astype(np.float32).reshape(src_m, src_n)
    expected = np.full((dst_m, dst_n), pad_value, dtype=np.float32)
    expected[:, row_size_diff // 2:row_size_diff // 2 + src_n] = src
    return bool(np.array_equal(dst_vec.view(bfloat16).astype(np.float32).reshape(dst_m, dst_n), expected))


if __name__ == "__main__":
    print("Test Passed" if main() else "Test Failed")
