"""Read the tiles of two interleaved DRAM buffers (2 KB pages) into CB 0 and CB 1."""


def kernel_main(ctx):
    src0_addr = ctx.get_arg_val(0)
    src0_num_tiles = ctx.get_arg_val(2)
    src1_addr = ctx.get_arg_val(3)
    src1_num_tiles = ctx.get_arg_val(5)

    cb_id_in0 = 0
    cb_id_in1 = 1

    ublock_size_bytes_0 = ctx.get_tile_size(cb_id_in0)
    ublock_size_bytes_1 = ctx.get_tile_size(cb_id_in1)
    ublock_size_tiles = 1

    num_tiles = src0_num_tiles if src0_num_tiles > src1_num_tiles else src1_num_tiles

    s0 = ctx.InterleavedPow2AddrGen(is_dram=True, bank_base_address=src0_addr, log_base_2_of_page_size=11)

    s1 = ctx.InterleavedPow2AddrGen(is_dram=True, bank_base_address=src1_addr, log_base_2_of_page_size=11)

    for i in range(0, num_tiles, ublock_size_tiles):
        if i < src0_num_tiles:
            src0_noc_addr = ctx.get_noc_addr(i, s0)

            ctx.cb_reserve_back(cb_id_in0, ublock_size_tiles)
            l1_write_addr_in0 = ctx.get_write_ptr(cb_id_in0)

            ctx.noc_async_read(src0_noc_addr, l1_write_addr_in0, ublock_size_bytes_0)

            ctx.noc_async_read_barrier()

            ctx.cb_push_back(cb_id_in0, ublock_size_tiles)

        if i < src1_num_tiles:
            src1_noc_addr = ctx.get_noc_addr(i, s1)

            ctx.cb_reserve_back(cb_id_in1, ublock_size_tiles)
            l1_write_addr_in1 = ctx.get_write_ptr(cb_id_in1)

            ctx.noc_async_read(src1_noc_addr, l1_write_addr_in1, ublock_size_bytes_1)

            ctx.noc_async_read_barrier()

            ctx.cb_push_back(cb_id_in1, ublock_size_tiles)
