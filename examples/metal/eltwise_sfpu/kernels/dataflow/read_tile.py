"""Read n_tiles tiles into CB c_0."""

from tensix.metal import *


def kernel_main(ctx):
    src_addr = ctx.get_arg_val(0)
    n_tiles = ctx.get_arg_val(1)

    cb_id_in0 = CBIndex.c_0
    tile_size_bytes = ctx.get_tile_size(cb_id_in0)
    src_args = ctx.TensorAccessorArgs(0)
    src = ctx.TensorAccessor(src_args, src_addr, tile_size_bytes)

    for i in range(n_tiles):
        ctx.cb_reserve_back(cb_id_in0, 1)
        ctx.noc_async_read_tile(i, src, ctx.get_write_ptr(cb_id_in0))
        ctx.noc_async_read_barrier()
        ctx.cb_push_back(cb_id_in0, 1)
