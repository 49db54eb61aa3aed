"""Write this core's tiles of C."""


def kernel_main(ctx):
    c_addr = ctx.get_arg_val(0)
    n_tiles = ctx.get_arg_val(1)
    start_tile_id = ctx.get_arg_val(2)

    cb_out0 = ctx.get_compile_time_arg_val(0)

    c_args = ctx.TensorAccessorArgs(1)
    c = ctx.TensorAccessor(c_args, c_addr)

    end_tile_id = start_tile_id + n_tiles

    for i in range(start_tile_id, end_tile_id):
        ctx.cb_wait_front(cb_out0, 1)
        cb_out0_addr = ctx.get_read_ptr(cb_out0)
        ctx.noc_async_write_page(i, c, cb_out0_addr)
        ctx.noc_async_write_barrier()
        ctx.cb_pop_front(cb_out0, 1)
