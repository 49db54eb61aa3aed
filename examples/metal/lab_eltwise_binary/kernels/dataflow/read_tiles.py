"""Read tile i of both inputs into c_0 and c_1."""

from tensix.metal import *  # noqa: F403


def kernel_main(ctx):
    in0_base_addr = ctx.get_arg_val(0)
    in1_base_addr = ctx.get_arg_val(1)
    n_tiles = ctx.get_arg_val(2)

    cb_in0 = CBIndex.c_0
    cb_in1 = CBIndex.c_1

    tile_size_bytes = ctx.get_tile_size(cb_in0)

    in0_layout_args = ctx.TensorAccessorArgs(0)
    in0_addr_gen = ctx.TensorAccessor(in0_layout_args, in0_base_addr, tile_size_bytes)
    in1_layout_args = ctx.TensorAccessorArgs(in0_layout_args.next_compile_time_args_offset())
    in1_addr_gen = ctx.TensorAccessor(in1_layout_args, in1_base_addr, tile_size_bytes)

    for i in range(n_tiles):
        ctx.cb_reserve_back(cb_in0, 1)
        ctx.cb_reserve_back(cb_in1, 1)
        cb_in0_addr = ctx.get_write_ptr(cb_in0)
        cb_in1_addr = ctx.get_write_ptr(cb_in1)
        ctx.noc_async_read_tile(i, in0_addr_gen, cb_in0_addr)
        ctx.noc_async_read_tile(i, in1_addr_gen, cb_in1_addr)
        ctx.noc_async_read_barrier()
        ctx.cb_push_back(cb_in0, 1)
        ctx.cb_push_back(cb_in1, 1)
