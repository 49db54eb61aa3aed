"""Add the tiles of c_0 and c_1 into c_16."""

from tensix.metal import *  # noqa: F403


def kernel_main(ctx):
    n_tiles = ctx.get_compile_time_arg_val(0)

    cb_in0 = CBIndex.c_0
    cb_in1 = CBIndex.c_1
    cb_out0 = CBIndex.c_16

    dst_reg_idx = 0

    ctx.binary_op_init_common(cb_in0, cb_in1, cb_out0)
    ctx.add_tiles_init(cb_in0, cb_in1)

    for i in range(n_tiles):
        ctx.cb_wait_front(cb_in0, 1)
        ctx.cb_wait_front(cb_in1, 1)

        ctx.tile_regs_acquire()

        ctx.add_tiles(cb_in0, cb_in1, 0, 0, dst_reg_idx)

        ctx.cb_pop_front(cb_in0, 1)
        ctx.cb_pop_front(cb_in1, 1)

        ctx.tile_regs_commit()

        ctx.tile_regs_wait()
        ctx.cb_reserve_back(cb_out0, 1)
        ctx.pack_tile(dst_reg_idx, cb_out0)
        ctx.cb_push_back(cb_out0, 1)

        ctx.tile_regs_release()
