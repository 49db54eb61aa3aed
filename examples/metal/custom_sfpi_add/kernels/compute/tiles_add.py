"""c_16 = c_0 + c_1 on the SFPU: both tiles copied to DST 0 and 1, added by the SFPI face function my_add_tile_face
(tt-metal's experimental/llk_sfpu/ckernel_sfpu_custom_add.h) under SFPU_BINARY_CALL_NO_TEMPLATE_ARGS."""

from tensix.metal import *


def my_add_tile(ctx, idx_dst0, idx_dst1, idx_out0):
    ctx.SFPU_BINARY_CALL_NO_TEMPLATE_ARGS(
        DST_SYNC_MODE, DST_ACCUM_MODE, my_add_tile_face, idx_dst0, idx_dst1, idx_out0, VectorMode.RC)


def kernel_main(ctx):
    n_tiles = ctx.get_arg_val(0)

    cb_in0 = CBIndex.c_0
    cb_in1 = CBIndex.c_1
    cb_out0 = CBIndex.c_16

    ctx.init_sfpu(cb_in0, cb_out0)

    for i in range(n_tiles):
        ctx.cb_wait_front(cb_in0, 1)
        ctx.cb_wait_front(cb_in1, 1)
        ctx.tile_regs_acquire()
        ctx.copy_tile(cb_in0, 0, 0)
        ctx.copy_tile(cb_in1, 0, 1)
        my_add_tile(ctx, 0, 1, 0)
        ctx.tile_regs_commit()
        ctx.tile_regs_wait()
        ctx.cb_reserve_back(cb_out0, 1)
        ctx.pack_tile(0, cb_out0)
        ctx.cb_push_back(cb_out0, 1)
        ctx.cb_pop_front(cb_in0, 1)
        ctx.cb_pop_front(cb_in1, 1)
        ctx.tile_regs_release()
