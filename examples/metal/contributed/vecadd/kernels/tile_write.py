"""Write the tiles of c_16 to C."""

from tensix.metal import *  # noqa: F403


def kernel_main(ctx):
    c_addr = ctx.get_arg_val(0)
    n_tiles = ctx.get_arg_val(1)

    cb_out0 = CBIndex.c_16

    c_args = ctx.TensorAccessorArgs(0)
    c = ctx.TensorAccessor(c_args, c_addr)

    for i in range(n_tiles):
        ctx.cb_wait_front(cb_out0, 1)
        cb_out0_addr = ctx.get_read_ptr(cb_out0)
        ctx.noc_async_write_page(i, c, cb_out0_addr)
        ctx.noc_async_write_barrier()
        ctx.cb_pop_front(cb_out0, 1)
