"""Read tile i of A and B into c_0 and c_1."""

from tensix.metal import *  # noqa: F403


def kernel_main(ctx):
    a_addr = ctx.get_arg_val(0)
    b_addr = ctx.get_arg_val(1)
    n_tiles = ctx.get_arg_val(2)

    cb_in0 = CBIndex.c_0
    cb_in1 = CBIndex.c_1

    tile_size_bytes = ctx.get_tile_size(cb_in0)  # noqa: F841

    a_args = ctx.TensorAccessorArgs(0)
    a = ctx.TensorAccessor(a_args, a_addr)
    b_args = ctx.TensorAccessorArgs(a_args.next_compile_time_args_offset())
    b = ctx.TensorAccessor(b_args, b_addr)

    for i in range(n_tiles):
        ctx.cb_reserve_back(cb_in0, 1)
        ctx.cb_reserve_back(cb_in1, 1)
        cb_in0_addr = ctx.get_write_ptr(cb_in0)
        cb_in1_addr = ctx.get_write_ptr(cb_in1)
        ctx.noc_async_read_tile(i, a, cb_in0_addr)
        ctx.noc_async_read_tile(i, b, cb_in1_addr)

        ctx.noc_async_read_barrier()
        ctx.cb_push_back(cb_in0, 1)
        ctx.cb_push_back(cb_in1, 1)
