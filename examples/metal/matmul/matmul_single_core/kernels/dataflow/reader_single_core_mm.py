"""For each output tile (mt, nt), read the Kt tile pairs A[mt, kt], B[kt, nt] in turn."""

from tensix.metal import *


def kernel_main(ctx):
    src0_addr = ctx.get_arg_val(0)
    src1_addr = ctx.get_arg_val(1)
    mt = ctx.get_arg_val(2)
    kt = ctx.get_arg_val(3)
    nt = ctx.get_arg_val(4)

    cb_id_in0 = CBIndex.c_0
    cb_id_in1 = CBIndex.c_1
    in0_tile_bytes = ctx.get_tile_size(cb_id_in0)
    in1_tile_bytes = ctx.get_tile_size(cb_id_in1)

    s0_args = ctx.TensorAccessorArgs(0)
    s0 = ctx.TensorAccessor(s0_args, src0_addr, in0_tile_bytes)
    s1_args = ctx.TensorAccessorArgs(s0_args.next_compile_time_args_offset())
    s1 = ctx.TensorAccessor(s1_args, src1_addr, in1_tile_bytes)

    for m in range(mt):
        for n in range(nt):
            for k in range(kt):
                a_tile_index = m * kt + k
                ctx.cb_reserve_back(cb_id_in0, 1)
                ctx.noc_async_read_tile(a_tile_index, s0, ctx.get_write_ptr(cb_id_in0))
                ctx.noc_async_read_barrier()
                ctx.cb_push_back(cb_id_in0, 1)

                b_tile_index = k * nt + n
                ctx.cb_reserve_back(cb_id_in1, 1)
                ctx.noc_async_read_tile(b_tile_index, s1, ctx.get_write_ptr(cb_id_in1))
                ctx.noc_async_read_barrier()
                ctx.cb_push_back(cb_id_in1, 1)
