"""softplus(x) = log(exp(x) + 1) of one tile as a chain of SFPU ops in DST: exp, add of a ones tile, log."""

from tensix.metal import *


def kernel_main(ctx):
    src_cb_index = ctx.get_compile_time_arg_val(0)
    ones_cb_index = ctx.get_compile_time_arg_val(1)
    result_cb_index = ctx.get_compile_time_arg_val(2)

    one_tile = 1

    ctx.init_sfpu(src_cb_index, result_cb_index)

    ctx.tile_regs_acquire()

    ctx.cb_wait_front(src_cb_index, one_tile)
    ctx.cb_wait_front(ones_cb_index, one_tile)
    ctx.copy_tile(src_cb_index, 0, 0)
    ctx.copy_tile(ones_cb_index, 0, 1)

    ctx.exp_tile_init()
    ctx.exp_tile(0)

    ctx.add_binary_tile_init()
    ctx.add_binary_tile(0, 1, 0)

    ctx.log_tile_init()
    ctx.log_tile(0)

    ctx.tile_regs_commit()
    ctx.tile_regs_wait()

    ctx.cb_reserve_back(result_cb_index, one_tile)

    ctx.pack_tile(0, result_cb_index)

    ctx.cb_pop_front(src_cb_index, one_tile)
    ctx.cb_pop_front(ones_cb_index, one_tile)

    ctx.tile_regs_release()

    ctx.cb_push_back(result_cb_index, one_tile)
