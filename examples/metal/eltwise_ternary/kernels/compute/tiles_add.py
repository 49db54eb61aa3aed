"""c_16 = c_0 * c_1 + c_2: mul_tiles into DST, then c_2 added to DST in place (binary_dest_reuse_tiles)."""

from tensix.metal import *


def kernel_main(ctx):
    n_tiles = ctx.get_arg_val(0)

    cb_in0 = CBIndex.c_0
    cb_in1 = CBIndex.c_1
    cb_in2 = CBIndex.c_2
    cb_out0 = CBIndex.c_16

    dst_reg = 0

    ctx.binary_op_init_common(cb_in0, cb_in1, cb_out0)
    ctx.mul_tiles_init(cb_in0, cb_in1)
    ctx.binary_dest_reuse_tiles_init(cb_in2, eltwise_binary_type=ELWADD,
                                     binary_reuse_dest=EltwiseBinaryReuseDestType.DEST_TO_SRCA)

    for i in range(n_tiles):
        ctx.cb_wait_front(cb_in0, 1)
        ctx.cb_wait_front(cb_in1, 1)
        ctx.cb_wait_front(cb_in2, 1)
        ctx.tile_regs_acquire()
        ctx.mul_tiles(cb_in0, cb_in1, 0, 0, dst_reg)
        ctx.binary_dest_reuse_tiles(cb_in2, 0, dst_reg, eltwise_binary_type=ELWADD,
                                    binary_reuse_dest=EltwiseBinaryReuseDestType.DEST_TO_SRCA)
        ctx.tile_regs_commit()
        ctx.tile_regs_wait()
        ctx.cb_reserve_back(cb_out0, 1)
        ctx.pack_tile(dst_reg, cb_out0)
        ctx.cb_push_back(cb_out0, 1)
        ctx.cb_pop_front(cb_in0, 1)
        ctx.cb_pop_front(cb_in1, 1)
        ctx.cb_pop_front(cb_in2, 1)
        ctx.tile_regs_release()
