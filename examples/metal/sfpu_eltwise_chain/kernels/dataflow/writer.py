"""Write the one result tile to the output buffer."""

from tensix.metal import *


def kernel_main(ctx):
    output_buffer_addr = ctx.get_arg_val(0)

    result_cb_index = ctx.get_compile_time_arg_val(0)

    output_data_tile_size_bytes = ctx.get_tile_size(result_cb_index)
    interleaved_accessor_args = ctx.TensorAccessorArgs(1)
    interleaved_accessor = ctx.TensorAccessor(interleaved_accessor_args, output_buffer_addr,
                                              output_data_tile_size_bytes)

    one_tile = 1

    ctx.cb_wait_front(result_cb_index, one_tile)
    l1_read_addr = ctx.get_read_ptr(result_cb_index)
    ctx.noc_async_write_tile(0, interleaved_accessor, l1_read_addr)
    ctx.noc_async_write_barrier()
    ctx.cb_pop_front(result_cb_index, one_tile)
