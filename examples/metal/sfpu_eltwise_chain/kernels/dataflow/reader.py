"""Read the input tile into src_cb, and fill a tile of ones (bf16 bit patterns written word by word) into ones_cb."""

from tensix.metal import *


def float_to_bfloat16(ctx, value):
    tmp = np.float32(value).view(np.uint32)
    return np.uint16(tmp >> 16)


def kernel_main(ctx):
    input_buffer_addr = ctx.get_arg_val(0)

    src_cb_index = ctx.get_compile_time_arg_val(0)
    ones_cb_index = ctx.get_compile_time_arg_val(1)

    interleaved_accessor_args = ctx.TensorAccessorArgs(2)
    interleaved_accessor = ctx.TensorAccessor(interleaved_accessor_args, input_buffer_addr)

    one_tile = 1

    ctx.cb_reserve_back(src_cb_index, one_tile)
    l1_write_addr = ctx.get_write_ptr(src_cb_index)
    ctx.noc_async_read_page(0, interleaved_accessor, l1_write_addr)
    ctx.noc_async_read_barrier()
    ctx.cb_push_back(src_cb_index, one_tile)

    ctx.cb_reserve_back(ones_cb_index, one_tile)
    ones_l1_write_addr = ctx.get_write_ptr(ones_cb_index)
    ptr = ctx.l1_ptr(ones_l1_write_addr, np.uint16)
    for i in range(constants.TILE_HW):
        ptr[i] = float_to_bfloat16(ctx, 1.0)
    ctx.cb_push_back(ones_cb_index, one_tile)
