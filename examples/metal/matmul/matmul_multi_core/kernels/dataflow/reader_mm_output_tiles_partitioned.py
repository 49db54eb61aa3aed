"""For each of this core's output tiles, read the Kt tile pairs of its row of A and column of B."""

from tensix.metal import *


def kernel_main(ctx):
    src0_addr = ctx.get_arg_val(0)
    src1_addr = ctx.get_arg_val(1)
    kt = ctx.get_arg_val(3)
    nt = ctx.get_arg_val(4)
    output_tile_start_id = ctx.get_arg_val(5)
    num_output_tiles = ctx.get_arg_val(6)

    cb_id_in0 = CBIndex.c_0
    cb_id_in1 = CBIndex.c_1
    in0_tile_bytes = ctx.get_tile_size(cb_id_in0)
    in1_tile_bytes = ctx.get_tile_size(cb_id_in1)
    a_args = ctx.TensorAccessorArgs(0)
    a = ctx.TensorAccessor(a_args, src0_addr, in0_tile_bytes)
    b_args = ctx.TensorAccessorArgs(a_args.next_compile_time_args_offset())
    b = ctx.TensorAccessor(b_args, src1_addr, in1_tile_bytes)

    for output_tile in range(num_output_tiles):
        current_tile_id = output_tile_start_id + output_tile
        out_row = current_tile_id // nt
        out_col = current_tile_id % nt
        for k in range(kt):
            tile_a = out_row * kt + k
            ctx.cb_reserve_back(cb_id_in0, 1)
            ctx.noc_async_read_tile(tile_a, a, ctx.get_write_ptr(cb_id_in0))
            ctx.noc_async_read_barrier()
            ctx.cb_push_back(cb_id_in0, 1)

            tile_b = k * nt + out_col
            ctx.cb_reserve_back(cb_id_in1, 1)
            ctx.noc_async_read_tile(tile_b, b, ctx.get_write_ptr(cb_id_in1))
            ctx.noc_async_read_barrier()
            ctx.cb_push_back(cb_id_in1, 1)
