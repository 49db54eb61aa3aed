"""exp of each tile: copy to DST, exp on the SFPU, pack."""

from tensix.metal import *


def kernel_main(ctx):
    n_tiles = ctx.get_arg_val(0)
    cb_in0 = CBIndex.c_0
    cb_out0 = CBIndex.c_16

    ctx.init_sfpu(cb_in0, cb_out0)
    for _ in range(n_tiles):
        ctx.cb_wait_front(cb_in0, 1)
        ctx.tile_regs_acquire()
        ctx.copy_tile(cb_in0, 0, 0)
        ctx.exp_tile_init()
        ctx.exp_tile(0)
        ctx.tile_regs_commit()
        ctx.tile_regs_wait()
        ctx.cb_reserve_back(cb_out0, 1)
        ctx.pack_tile(0, cb_out0)
        ctx.tile_regs_release()
        ctx.cb_push_back(cb_out0, 1)
        ctx.cb_pop_front(cb_in0, 1)
