"""Write each tile of CB c_16 to the output buffer (its page size looked up from the buffer)."""

from tensix.metal import *


def kernel_main(ctx):
    c_addr = ctx.get_arg_val(0)
    n_tiles = ctx.get_arg_val(1)

    cb_out0 = CBIndex.c_16

    out0_args = ctx.TensorAccessorArgs(0)
    out0 = ctx.TensorAccessor(out0_args, c_addr)

    for i in range(n_tiles):
        ctx.cb_wait_front(cb_out0, 1)
        cb_out0_addr = ctx.get_read_ptr(cb_out0)
        ctx.noc_async_write_tile(i, out0, cb_out0_addr)
        ctx.noc_async_write_barrier()
        ctx.cb_pop_front(cb_out0, 1)
