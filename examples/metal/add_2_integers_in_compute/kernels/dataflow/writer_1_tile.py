"""Write the one tile of c_16 to the output's DRAM bank."""

from tensix.metal import *


def kernel_main(ctx):
    dst_addr = ctx.get_arg_val(0)
    dst_dram_noc_x = ctx.get_arg_val(1)
    dst_dram_noc_y = ctx.get_arg_val(2)

    dst_noc_addr = ctx.get_noc_addr(dst_dram_noc_x, dst_dram_noc_y, dst_addr)
    cb_id_out0 = CBIndex.c_16
    ublock_size_bytes = ctx.get_tile_size(cb_id_out0)

    ctx.cb_wait_front(cb_id_out0, 1)
    ctx.noc_async_write(ctx.get_read_ptr(cb_id_out0), dst_noc_addr, ublock_size_bytes)
    ctx.noc_async_write_barrier()
    ctx.cb_pop_front(cb_id_out0, 1)
