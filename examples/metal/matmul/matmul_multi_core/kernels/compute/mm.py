"""num_output_tiles output tiles, each the sum of Kt tile products."""

from tensix.metal import *


def kernel_main(ctx):
    num_output_tiles = ctx.get_arg_val(0)
    kt = ctx.get_arg_val(1)
    cb_in0 = CBIndex.c_0
    cb_in1 = CBIndex.c_1
    cb_out = CBIndex.c_16

    ctx.mm_init(cb_in0, cb_in1, cb_out)
    for _ in range(num_output_tiles):
        ctx.tile_regs_acquire()
        for _ in range(kt):
            ctx.cb_wait_front(cb_in0, 1)
            ctx.cb_wait_front(cb_in1, 1)
            ctx.matmul_tiles(cb_in0, cb_in1, 0, 0, 0)
            ctx.cb_pop_front(cb_in0, 1)
            ctx.cb_pop_front(cb_in1, 1)
        ctx.tile_regs_commit()
        ctx.tile_regs_wait()
        ctx.cb_reserve_back(cb_out, 1)
        ctx.pack_tile(0, cb_out)
        ctx.cb_push_back(cb_out, 1)
        ctx.tile_regs_release()
