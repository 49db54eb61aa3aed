"""Read this core's tiles of A and B."""


def kernel_main(ctx):
    a_addr = ctx.get_arg_val(0)
    b_addr = ctx.get_arg_val(1)
    n_tiles = ctx.get_arg_val(2)
    start_tile_id = ctx.get_arg_val(3)

    cb_in0 = ctx.get_compile_time_arg_val(0)
    cb_in1 = ctx.get_named_compile_time_arg_val("c_1")

    tile_size_bytes = ctx.get_tile_size(cb_in0)  # noqa: F841
    a_args = ctx.TensorAccessorArgs(2)
    a = ctx.TensorAccessor(a_args, a_addr)
    b_args = ctx.TensorAccessorArgs(a_args.next_compile_time_args_offset())
    b = ctx.TensorAccessor(b_args, b_addr)

    end_tile_id = start_tile_id + n_tiles

    for i in range(start_tile_id, end_tile_id):
        ctx.cb_reserve_back(cb_in0, 1)
        ctx.cb_reserve_back(cb_in1, 1)
        cb_in0_addr = ctx.get_write_ptr(cb_in0)
        cb_in1_addr = ctx.get_write_ptr(cb_in1)
        ctx.noc_async_read_page(i, a, cb_in0_addr)
        ctx.noc_async_read_page(i, b, cb_in1_addr)

        ctx.noc_async_read_barrier()
        ctx.cb_push_back(cb_in0, 1)
        ctx.cb_push_back(cb_in1, 1)
