"""Core 0: read the input tile from DRAM into src0."""

import numpy as np


def kernel_main(ctx):
    input_buffer_addr = ctx.get_arg_val(0)
    src0_cb_index = ctx.get_compile_time_arg_val(0)

    input_data_tile_size_bytes = ctx.get_tile_size(src0_cb_index)
    interleaved_accessor_args = ctx.TensorAccessorArgs(1)
    interleaved_accessor = ctx.TensorAccessor(interleaved_accessor_args, input_buffer_addr,
                                              input_data_tile_size_bytes)
    one_tile = 1

    ctx.DPRINT("1. READER 0: Reading input data to L1 src0 CB")
    ctx.cb_reserve_back(src0_cb_index, one_tile)
    l1_write_addr = ctx.get_write_ptr(src0_cb_index)
    ctx.noc_async_read_tile(0, interleaved_accessor, l1_write_addr)
    ctx.noc_async_read_barrier()

    ptr = ctx.l1_ptr(l1_write_addr, np.uint16)
    ctx.DPRINT(" > Data in buffer: ", int(ptr[0]))

    ctx.cb_push_back(src0_cb_index, one_tile)
    ctx.DPRINT("2. READER 0: Data in src0 CB pushed from reader0")
