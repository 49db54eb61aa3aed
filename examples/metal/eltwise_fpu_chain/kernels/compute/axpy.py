"""AXPY y = a * x + y per tile as two FPU ops: c_24 = x * a (mul_tiles), then c_16 = c_24 + y (add_tiles), each op
after its own init and each pack inside its own acquire/release."""

from tensix.metal import *


def kernel_main(ctx):
    n_tiles = ctx.get_arg_val(0)

    cb_x = CBIndex.c_0
    cb_y = CBIndex.c_1
    cb_a = CBIndex.c_2
    cb_ax = CBIndex.c_24
    cb_out = CBIndex.c_16

    dst_reg = 0

    ctx.cb_wait_front(cb_a, 1)

    ctx.binary_op_init_common(cb_x, cb_a, cb_ax)

    for i in range(n_tiles):
        ctx.mul_tiles_init(cb_x, cb_a)

        ctx.cb_wait_front(cb_x, 1)

        ctx.tile_regs_acquire()
        ctx.mul_tiles(cb_x, cb_a, 0, 0, dst_reg)
        ctx.tile_regs_commit()
        ctx.tile_regs_wait()

        ctx.cb_reserve_back(cb_ax, 1)
        ctx.pack_tile(dst_reg, cb_ax)
        ctx.cb_push_back(cb_ax, 1)

        ctx.tile_regs_release()

        ctx.cb_pop_front(cb_x, 1)

        ctx.add_tiles_init(cb_ax, cb_y)

        ctx.cb_wait_front(cb_ax, 1)
        ctx.cb_wait_front(cb_y, 1)

        ctx.tile_regs_acquire()
        ctx.add_tiles(cb_ax, cb_y, 0, 0, dst_reg)
        ctx.tile_regs_commit()
        ctx.tile_regs_wait()

        ctx.cb_reserve_back(cb_out, 1)
        ctx.pack_tile(dst_reg, cb_out)
        ctx.cb_push_back(cb_out, 1)

        ctx.tile_regs_release()

        ctx.cb_pop_front(cb_ax, 1)
        ctx.cb_pop_front(cb_y, 1)

    ctx.cb_pop_front(cb_a, 1)
