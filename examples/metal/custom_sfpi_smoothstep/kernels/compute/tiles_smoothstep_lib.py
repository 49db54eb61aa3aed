"""tiles_smoothstep.cpp as tt-metal's newest source writes it (the kernel of custom_sfpi_smoothstep_ez.py): the face
function comes from experimental/llk_sfpu/ckernel_sfpu_smoothstep.h, run by SFPU_UNARY_CALL_NO_TEMPLATE_ARGS."""

from tensix.metal import *


def my_smoothstep_tiles(ctx, idx_dst0, edge0, edge1, inv_delta):
    ctx.SFPU_UNARY_CALL_NO_TEMPLATE_ARGS(
        DST_SYNC_MODE, DST_ACCUM_MODE, smoothstep_tile_face, idx_dst0, VectorMode.RC, edge0, edge1, inv_delta)


def kernel_main(ctx):
    n_tiles = ctx.get_arg_val(0)

    cb_in0 = CBIndex.c_0
    cb_out0 = CBIndex.c_16

    ctx.compute_kernel_hw_startup(cb_in0, cb_out0)
    ctx.copy_init(cb_in0)

    edge0 = 0.0
    edge1 = 1.0
    inv_delta = 1.0 / (edge1 - edge0)

    for i in range(n_tiles):
        ctx.cb_wait_front(cb_in0, 1)
        ctx.tile_regs_acquire()
        ctx.copy_tile(cb_in0, 0, 0)
        my_smoothstep_tiles(ctx, 0, edge0, edge1, inv_delta)
        ctx.tile_regs_commit()
        ctx.tile_regs_wait()
        ctx.cb_reserve_back(cb_out0, 1)
        ctx.pack_tile(0, cb_out0)
        ctx.cb_push_back(cb_out0, 1)
        ctx.cb_pop_front(cb_in0, 1)
        ctx.tile_regs_release()
