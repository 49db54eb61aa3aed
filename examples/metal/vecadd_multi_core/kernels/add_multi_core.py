"""Add this core's share of the tiles."""


def kernel_main(ctx):
    n_tiles = ctx.get_arg_val(0)
    start_tile_id = ctx.get_arg_val(1)

    cb_in0 = ctx.get_compile_time_arg_val(0)
    cb_in1 = ctx.get_named_compile_time_arg_val("c_1")
    cb_out0 = ctx.get_compile_time_arg_val(2)
    dst_reg = 0

    ctx.compute_kernel_hw_startup(cb_in0, cb_in1, cb_out0)
    ctx.add_init(cb_in0, cb_in1)

    end_tile_id = start_tile_id + n_tiles

    for i in range(start_tile_id, end_tile_id):
        ctx.cb_wait_front(cb_in0, 1)
        ctx.cb_wait_front(cb_in1, 1)
        ctx.tile_regs_acquire()
        ctx.add_tiles(cb_in0, cb_in1, 0, 0, dst_reg)
        ctx.tile_regs_commit()

        ctx.cb_reserve_back(cb_out0, 1)
        ctx.tile_regs_wait()
        ctx.pack_tile(dst_reg, cb_out0)
        ctx.tile_regs_release()

        ctx.cb_push_back(cb_out0, 1)
        ctx.cb_pop_front(cb_in0, 1)
        ctx.cb_pop_front(cb_in1, 1)
