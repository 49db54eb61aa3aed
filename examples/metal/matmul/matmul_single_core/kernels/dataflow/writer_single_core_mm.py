"""Write the Mt x Nt output tiles in row-major tile order."""

from tensix.metal import *


def kernel_main(ctx):
    dst_addr = ctx.get_arg_val(0)
    mt = ctx.get_arg_val(1)
    nt = ctx.get_arg_val(2)

    cb_id_out0 = CBIndex.c_16
    tile_bytes = ctx.get_tile_size(cb_id_out0)
    s_args = ctx.TensorAccessorArgs(0)
    s = ctx.TensorAccessor(s_args, dst_addr, tile_bytes)

    for m in range(mt):
        for n in range(nt):
            ctx.cb_wait_front(cb_id_out0, 1)
            ctx.noc_async_write_tile(m * nt + n, s, ctx.get_read_ptr(cb_id_out0))
            ctx.noc_async_write_barrier()
            ctx.cb_pop_front(cb_id_out0, 1)
