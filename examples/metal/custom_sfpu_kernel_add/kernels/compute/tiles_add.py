"""c_16 = c_0 + c_1 on the SFPU, the face function add_tile_face written in SFPI in this kernel and run over each
face by _llk_math_eltwise_binary_sfpu_params_."""

from tensix.metal import *


def add_tile_face(ctx, dst_index_in0, dst_index_in1, dst_index_out):
    dst_tile_size_sfpi = 32

    in0_base_idx = dst_index_in0 * dst_tile_size_sfpi
    in1_base_idx = dst_index_in1 * dst_tile_size_sfpi
    out_base_idx = dst_index_out * dst_tile_size_sfpi

    for i in range(8):
        a = vFloat(dst_reg[in0_base_idx + i])
        b = vFloat(dst_reg[in1_base_idx + i])

        dst_reg[out_base_idx + i] = a + b


def my_add_tile_internal(ctx, idx_dst0, idx_dst1, idx_out0):
    ctx._llk_math_eltwise_binary_sfpu_params_(add_tile_face, idx_dst0, idx_dst1, idx_dst0, approximate=False)


def my_add_tiles(ctx, idx_dst0, idx_dst1, idx_out0):
    my_add_tile_internal(ctx, idx_dst0, idx_dst1, idx_out0)


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
        my_add_tiles(ctx, 0, 1, 0)
        ctx.tile_regs_commit()
        ctx.tile_regs_wait()
        ctx.cb_reserve_back(cb_out0, 1)
        ctx.pack_tile(0, cb_out0)
        ctx.cb_push_back(cb_out0, 1)
        ctx.cb_pop_front(cb_in0, 1)
        ctx.cb_pop_front(cb_in1, 1)
        ctx.tile_regs_release()
