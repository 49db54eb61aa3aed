"""Read tile i of the input into CB c_0, one tile at a time."""

from tensix.metal import *


def kernel_main(ctx):
    in0_addr = ctx.get_arg_val(0)
    n_tiles = ctx.get_arg_val(1)

    cb_in0 = CBIndex.c_0

    tile_size_bytes = ctx.get_tile_size(cb_in0)

    in0_args = ctx.TensorAccessorArgs(0)
    in0 = ctx.TensorAccessor(in0_args, in0_addr, tile_size_bytes)

    for i in range(n_tiles):
        ctx.cb_reserve_back(cb_in0, 1)
        cb_in0_addr = ctx.get_write_ptr(cb_in0)
        ctx.noc_async_read_tile(i, in0, cb_in0_addr)

        ctx.noc_async_read_barrier()
        ctx.cb_push_back(cb_in0, 1)
