"""Core 1: write the received tile to the output buffer in DRAM."""

import numpy as np


def kernel_main(ctx):
    output_buffer_addr = ctx.get_arg_val(0)
    src1_cb_index = ctx.get_compile_time_arg_val(0)

    output_data_tile_size_bytes = ctx.get_tile_size(src1_cb_index)
    interleaved_accessor_args = ctx.TensorAccessorArgs(1)
    interleaved_accessor = ctx.TensorAccessor(interleaved_accessor_args, output_buffer_addr,
                                              output_data_tile_size_bytes)
    one_tile = 1

    ctx.cb_wait_front(src1_cb_index, one_tile)
    l1_read_addr = ctx.get_read_ptr(src1_cb_index)
    ptr = ctx.l1_ptr(l1_read_addr, np.uint16)
    ctx.DPRINT("7. WRITER 1: Data in src1 CB: ", int(ptr[0]))
    ctx.noc_async_write_tile(0, interleaved_accessor, l1_read_addr)
    ctx.noc_async_write_barrier()
    ctx.cb_pop_front(src1_cb_index, one_tile)
    ctx.DPRINT("8. WRITER 1: Data written to DRAM")
