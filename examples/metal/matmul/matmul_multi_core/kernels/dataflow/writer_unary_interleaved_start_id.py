"""Write num_tiles tiles from c_16 to the output, starting at tile start_id."""

from tensix.metal import *


def kernel_main(ctx):
    dst_addr = ctx.get_arg_val(0)
    num_tiles = ctx.get_arg_val(1)
    start_id = ctx.get_arg_val(2)

    cb_id_out = CBIndex.c_16
    tile_bytes = ctx.get_tile_size(cb_id_out)
    s_args = ctx.TensorAccessorArgs(0)
    s = ctx.TensorAccessor(s_args, dst_addr, tile_bytes)

    for i in range(start_id, start_id + num_tiles):
        ctx.cb_wait_front(cb_id_out, 1)
        ctx.noc_async_write_tile(i, s, ctx.get_read_ptr(cb_id_out))
        ctx.noc_async_writes_flushed()
        ctx.cb_pop_front(cb_id_out, 1)
    ctx.noc_async_write_barrier()
