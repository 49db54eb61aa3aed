"""Write each stick of the CB to the next stick of the padded output."""

from tensix.metal import *


def kernel_main(ctx):
    dst_addr = ctx.get_arg_val(0)
    start_dst_stick_id = ctx.get_arg_val(1)
    dst_n = ctx.get_arg_val(2)
    data_size_bytes = ctx.get_arg_val(3)
    num_rows_per_core = ctx.get_arg_val(4)

    dst_is_dram = ctx.get_compile_time_arg_val(0) == 1
    cb_id = CBIndex.c_0
    s0 = ctx.InterleavedAddrGen(is_dram=dst_is_dram, bank_base_address=dst_addr, page_size=data_size_bytes)

    dst_stick_id = start_dst_stick_id
    for _ in range(num_rows_per_core):
        for _ in range(dst_n):
            ctx.cb_wait_front(cb_id, 1)
            l1_addr = ctx.get_read_ptr(cb_id)
            dst_noc_addr = ctx.get_noc_addr(dst_stick_id, s0)
            ctx.noc_async_write(l1_addr, dst_noc_addr, data_size_bytes)
            ctx.noc_async_write_barrier()
            dst_stick_id += 1
            ctx.cb_pop_front(cb_id, 1)
