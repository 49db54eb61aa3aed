"""Write the tiles of c_16 to the output."""

from tensix.metal import *  # noqa: F403


def kernel_main(ctx):
    out0_base_addr = ctx.get_arg_val(0)
    n_tiles = ctx.get_arg_val(1)

    cb_out0 = CBIndex.c_16
    tile_size_bytes = ctx.get_tile_size(cb_out0)

    out0_layout_args = ctx.TensorAccessorArgs(0)
    out0_addr_gen = ctx.TensorAccessor(out0_layout_args, out0_base_addr, tile_size_bytes)

    for i in range(n_tiles):
        ctx.cb_wait_front(cb_out0, 1)
        cb_out0_addr = ctx.get_read_ptr(cb_out0)
        ctx.noc_async_write_tile(i, out0_addr_gen, cb_out0_addr)
        ctx.noc_async_write_barrier()
        ctx.cb_pop_front(cb_out0, 1)
