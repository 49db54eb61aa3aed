"""c_16 = c_0 + c_1, one tile."""

from tensix.metal import *


def kernel_main(ctx):
    cb_in0 = CBIndex.c_0
    cb_in1 = CBIndex.c_1
    cb_out0 = CBIndex.c_16

    ctx.binary_op_init_common(cb_in0, cb_in1, cb_out0)
    ctx.add_tiles_init(cb_in0, cb_in1)

    ctx.cb_wait_front(cb_in0, 1)
    ctx.cb_wait_front(cb_in1, 1)
    ctx.acquire_dst()
    ctx.add_tiles(cb_in0, cb_in1, 0, 0, 0)
    ctx.cb_pop_front(cb_in0, 1)
    ctx.cb_pop_front(cb_in1, 1)
    ctx.cb_reserve_back(cb_out0, 1)
    ctx.pack_tile(0, cb_out0)
    ctx.release_dst()
    ctx.cb_push_back(cb_out0, 1)
