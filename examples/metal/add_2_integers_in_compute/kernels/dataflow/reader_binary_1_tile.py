"""Read one tile of each input, by its DRAM bank's NoC coordinates, into c_0 and c_1."""

from tensix.metal import *


def kernel_main(ctx):
    src0_addr = ctx.get_arg_val(0)
    src1_addr = ctx.get_arg_val(1)
    src0_dram_noc_x = ctx.get_arg_val(2)
    src0_dram_noc_y = ctx.get_arg_val(3)
    src1_dram_noc_x = ctx.get_arg_val(4)
    src1_dram_noc_y = ctx.get_arg_val(5)

    src0_noc_addr = ctx.get_noc_addr(src0_dram_noc_x, src0_dram_noc_y, src0_addr)
    src1_noc_addr = ctx.get_noc_addr(src1_dram_noc_x, src1_dram_noc_y, src1_addr)
    cb_id_in0 = CBIndex.c_0
    cb_id_in1 = CBIndex.c_1
    ublock_size_bytes_0 = ctx.get_tile_size(cb_id_in0)
    ublock_size_bytes_1 = ctx.get_tile_size(cb_id_in1)

    ctx.cb_reserve_back(cb_id_in0, 1)
    ctx.noc_async_read(src0_noc_addr, ctx.get_write_ptr(cb_id_in0), ublock_size_bytes_0)
    ctx.noc_async_read_barrier()
    ctx.cb_push_back(cb_id_in0, 1)

    ctx.cb_reserve_back(cb_id_in1, 1)
    ctx.noc_async_read(src1_noc_addr, ctx.get_write_ptr(cb_id_in1), ublock_size_bytes_1)
    ctx.noc_async_read_barrier()
    ctx.cb_push_back(cb_id_in1, 1)
