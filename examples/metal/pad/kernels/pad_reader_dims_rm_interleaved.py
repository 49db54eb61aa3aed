"""Fill the CB stick by stick: the pad stick outside the source columns, the next source stick inside."""

from tensix.metal import *


def kernel_main(ctx):
    src_addr = ctx.get_arg_val(0)
    pad_addr = ctx.get_arg_val(1)
    start_src_stick_id = ctx.get_arg_val(2)
    row_size_diff = ctx.get_arg_val(3)
    dst_n = ctx.get_arg_val(4)
    data_size_bytes = ctx.get_arg_val(5)
    num_rows_per_core = ctx.get_arg_val(6)

    src_is_dram = ctx.get_compile_time_arg_val(0) == 1
    pad_is_dram = ctx.get_compile_time_arg_val(1) == 1
    cb_id = CBIndex.c_0

    s0 = ctx.InterleavedAddrGen(is_dram=src_is_dram, bank_base_address=src_addr, page_size=data_size_bytes)
    s1 = ctx.InterleavedAddrGen(is_dram=pad_is_dram, bank_base_address=pad_addr, page_size=data_size_bytes)

    src_stick_id = start_src_stick_id
    src_start_col_idx = row_size_diff // 2
    src_end_col_idx = dst_n - src_start_col_idx
    for _ in range(num_rows_per_core):
        for dst_col_idx in range(dst_n):
            ctx.cb_reserve_back(cb_id, 1)
            l1_addr = ctx.get_write_ptr(cb_id)
            if dst_col_idx < src_start_col_idx or dst_col_idx >= src_end_col_idx:
                pad_noc_addr = ctx.get_noc_addr(0, s1)
                ctx.noc_async_read(pad_noc_addr, l1_addr, data_size_bytes)
            else:
                src_noc_addr = ctx.get_noc_addr(src_stick_id, s0)
                ctx.noc_async_read(src_noc_addr, l1_addr, data_size_bytes)
                src_stick_id += 1
            ctx.noc_async_read_barrier()
            ctx.cb_push_back(cb_id, 1)
