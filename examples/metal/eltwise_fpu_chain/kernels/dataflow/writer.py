"""Drain c_16 to the output buffer, page i for tile i, with the Noc / CircularBuffer device objects."""

from tensix.metal import *


def kernel_main(ctx):
    out_addr = ctx.get_arg_val(0)
    n_tiles = ctx.get_arg_val(1)

    cb_out = CBIndex.c_16
    tile_size_bytes = ctx.get_tile_size(cb_out)

    out_args = ctx.TensorAccessorArgs(0)
    out = ctx.TensorAccessor(out_args, out_addr)

    noc = ctx.Noc()
    cb_out_buf = ctx.CircularBuffer(cb_out)

    for i in range(n_tiles):
        cb_out_buf.wait_front(1)
        noc.async_write(cb_out_buf, out, tile_size_bytes, {}, {"page_id": i})
        noc.async_write_barrier()
        cb_out_buf.pop_front(1)
