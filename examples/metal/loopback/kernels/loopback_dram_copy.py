"""Copy num_tiles pages from one DRAM buffer to another through an L1 buffer."""


def kernel_main(ctx):
    l1_buffer_addr = ctx.get_arg_val(0)
    dram_buffer_src_addr = ctx.get_arg_val(1)
    dram_buffer_dst_addr = ctx.get_arg_val(2)
    num_tiles = ctx.get_arg_val(3)

    tile_size_bytes = 32 * 32 * 2
    in0_args = ctx.TensorAccessorArgs(0)
    in0 = ctx.TensorAccessor(in0_args, dram_buffer_src_addr, tile_size_bytes)
    out0_args = ctx.TensorAccessorArgs(in0_args.next_compile_time_args_offset())
    out0 = ctx.TensorAccessor(out0_args, dram_buffer_dst_addr, tile_size_bytes)

    for i in range(num_tiles):
        ctx.noc_async_read_tile(i, in0, l1_buffer_addr)
        ctx.noc_async_read_barrier()
        ctx.noc_async_write_tile(i, out0, l1_buffer_addr)
        ctx.noc_async_write_barrier()
