"""Read tile i of the three inputs into CBs c_0, c_1 and c_2, one tile at a time."""

from tensix.metal import *


def kernel_main(ctx):
    in0_addr = ctx.get_arg_val(0)
    in1_addr = ctx.get_arg_val(1)
    in2_addr = ctx.get_arg_val(2)
    n_tiles = ctx.get_arg_val(3)

    cb_in0 = CBIndex.c_0
    cb_in1 = CBIndex.c_1
    cb_in2 = CBIndex.c_2

    tile_size_bytes = ctx.get_tile_size(cb_in0)

    in0_args = ctx.TensorAccessorArgs(0)
    in0 = ctx.TensorAccessor(in0_args, in0_addr, tile_size_bytes)
    in1_args = ctx.TensorAccessorArgs(in0_args.next_compile_time_args_offset())
    in1 = ctx.TensorAccessor(in1_args, in1_addr, tile_size_bytes)
    in2_args = ctx.TensorAccessorArgs(in1_args.next_compile_time_args_offset())
    in2 = ctx.TensorAccessor(in2_args, in2_addr, tile_size_bytes)

    for i in range(n_tiles):
        ctx.cb_reserve_back(cb_in0, 1)
        ctx.cb_reserve_back(cb_in1, 1)
        ctx.cb_reserve_back(cb_in2, 1)
        cb_in0_addr = ctx.get_write_ptr(cb_in0)
        cb_in1_addr = ctx.get_write_ptr(cb_in1)
        cb_in2_addr = ctx.get_write_ptr(cb_in2)
        ctx.noc_async_read_tile(i, in0, cb_in0_addr)
        ctx.noc_async_read_tile(i, in1, cb_in1_addr)
        ctx.noc_async_read_tile(i, in2, cb_in2_addr)

        ctx.noc_async_read_barrier()
        ctx.cb_push_back(cb_in0, 1)
        ctx.cb_push_back(cb_in1, 1)
        ctx.cb_push_back(cb_in2, 1)
