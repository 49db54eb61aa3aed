"""Read this core's shard_height sticks (one uint32 each) into its CB, each at a DRAM-aligned offset."""


def kernel_main(ctx):
    src_addr = ctx.get_arg_val(0)
    stick_size = ctx.get_arg_val(1)
    shard_height = ctx.get_arg_val(2)
    padded_offset_bytes = ctx.get_arg_val(4)
    start_id = ctx.get_arg_val(5)
    current_core = ctx.get_arg_val(6)

    cb_id_in0 = ctx.get_compile_time_arg_val(0)
    src_is_dram = ctx.get_compile_time_arg_val(1) == 1
    s0 = ctx.InterleavedAddrGen(is_dram=src_is_dram, bank_base_address=src_addr, page_size=stick_size)

    stick_id = start_id
    ctx.cb_reserve_back(cb_id_in0, shard_height)
    l1_write_addr = ctx.get_write_ptr(cb_id_in0)
    ctx.DPRINT_DATA0(f"Core (0,{current_core}): ")
    for _ in range(shard_height):
        src_noc_addr = ctx.get_noc_addr(stick_id, s0)
        ctx.noc_async_read(src_noc_addr, l1_write_addr, stick_size)
        read_ptr = ctx.l1_ptr(l1_write_addr)
        ctx.DPRINT_DATA0(read_ptr[0] & 0xFFFF, " ")
        ctx.DPRINT_DATA0(read_ptr[0] >> 16, " ")
        stick_id += 1
        l1_write_addr += padded_offset_bytes
    ctx.noc_async_read_barrier()
    ctx.cb_push_back(cb_id_in0, shard_height)
