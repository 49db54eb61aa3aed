"""shard_data_rm (tt-metal programming example): a row-major (16, 1) bf16 tensor in DRAM, pages of one uint32
(two values), sharded by height over four cores' CBs by a reader that prints each core's values (DPRINT)."""

from tensix.metal import *


def main(device=None) -> bool:
    device_id = 0
    device = CreateDevice(device_id, device)
    cq = device.command_queue()
    program = CreateProgram()

    m, n = 16, 1
    num_values = m * n
    cb_data_format = DataFormat.Float16_b
    src_vec = np.array([(i + 1) * 2 for i in range(num_values)], dtype=bfloat16)
    data_size = np.dtype(bfloat16).itemsize

    start_core, end_core = CoreCoord(0, 0), CoreCoord(0, 3)
    num_cores = 4
    cores = CoreRange(start_core, end_core)

    shard_height = num_values // num_cores // data_size
    shard_width = n
    shard_size = shard_height * shard_width
    input_unit_size = np.dtype(np.uint32).itemsize
    shard_width_bytes = shard_width * data_size
    num_units_per_row = shard_width * input_unit_size
    padded_offset_bytes = align(input_unit_size, device.allocator().get_alignment(BufferType.DRAM))

    src_buffer_size = input_unit_size * num_values // data_size
    input_dram_config = InterleavedBufferConfig(device=device, size=src_buffer_size, page_size=input_unit_size,
                                                buffer_type=BufferType.DRAM)
    src_buffer = CreateBuffer(input_dram_config)
    src_addr = src_buffer.address()

    src_is_dram = src_buffer.buffer_type() == BufferType.DRAM
    input_cb_index = CBIndex.c_0
    input_cb_config = CircularBufferConfig(shard_size * input_unit_size, {input_cb_index: cb_data_format}) \
        .set_page_size(input_cb_index, input_unit_size)
    CreateCircularBuffer(program, cores, input_cb_config)

    reader_compile_time_args = [input_cb_index, int(src_is_dram)]
    reader_id = CreateKernel(program, "kernels/reader_sharded_rm.py", cores,
                             DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default,
                                                compile_args=reader_compile_time_args))

    curr_idx_h = curr_idx_w = 0
    for i in range(num_cores):
        core = CoreCoord(0, i)
        SetRuntimeArgs(program, reader_id, core, [src_addr, input_unit_size, shard_height, shard_width_bytes,
                                                  padded_offset_bytes, curr_idx_h, i])
        curr_idx_w += input_unit_size
        if curr_idx_w >= num_units_per_row:
            curr_idx_w = 0
            curr_idx_h += shard_height

    EnqueueWriteBuffer(cq, src_buffer, src_vec, False)
    EnqueueProgram(cq, program, False)
    Finish(cq)
    printed = [" ".join(text for _, _, text in device.dprint.get((0, i), [])) for i in range(num_cores)]
    CloseDevice(device)
    # each core printed the bf16 bits of its four values: core i holds values 8i+2 .. 8i+8
    bits = src_vec.view(np.uint16)
    return all(printed[i].split()[-4:] == [str(b) for b in bits[4 * i:4 * i + 4]] for i in range(num_cores))


if __name__ == "__main__":
    print("Test Passed" if main() else "Test Failed")
