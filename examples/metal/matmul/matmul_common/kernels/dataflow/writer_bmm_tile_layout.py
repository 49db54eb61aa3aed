"""Block-matmul writer: each output subblock (out_subblock_h x out_subblock_w tiles) from c_16 to its tiles of
the output, subblock row by subblock row."""


def kernel_main(ctx):
    out_tensor_addr = ctx.get_arg_val(0)
    out_tensor_start_tile_id = ctx.get_arg_val(1)
    out_tensor_stride_w = ctx.get_arg_val(2)
    out_tensor_stride_h = ctx.get_arg_val(3)
    out_tensor_next_subblock_stride_w = ctx.get_arg_val(4)
    out_tensor_next_subblock_stride_h = ctx.get_arg_val(5)
    out_subblock_w = ctx.get_arg_val(6)
    out_subblock_h = ctx.get_arg_val(7)
    out_subblock_tile_count = ctx.get_arg_val(8)
    out_num_subblocks_w = ctx.get_arg_val(9)
    out_num_subblocks_h = ctx.get_arg_val(10)
    mt_nt = ctx.get_arg_val(11)
    batch = ctx.get_arg_val(12)

    cb_id_out0 = 16
    single_tile_size_bytes = ctx.get_tile_size(cb_id_out0)
    s_args = ctx.TensorAccessorArgs(0)
    s = ctx.TensorAccessor(s_args, out_tensor_addr, single_tile_size_bytes)

    for _ in range(batch):
        out_tensor_sbh_start_tile_id = out_tensor_start_tile_id
        for _ in range(out_num_subblocks_h):
            out_tensor_sbw_start_tile_id = out_tensor_sbh_start_tile_id
            for _ in range(out_num_subblocks_w):
                out_tensor_sb_row_start_tile_id = out_tensor_sbw_start_tile_id
                ctx.cb_wait_front(cb_id_out0, out_subblock_tile_count)
                l1_read_addr = ctx.get_read_ptr(cb_id_out0)
                for _ in range(out_subblock_h):
                    out_tensor_tile_id = out_tensor_sb_row_start_tile_id
                    for _ in range(out_subblock_w):
                        ctx.noc_async_write_tile(out_tensor_tile_id, s, l1_read_addr)
                        l1_read_addr += single_tile_size_bytes
                        out_tensor_tile_id += out_tensor_stride_w
                    out_tensor_sb_row_start_tile_id += out_tensor_stride_h
                ctx.noc_async_write_barrier()
                ctx.cb_pop_front(cb_id_out0, out_subblock_tile_count)
                out_tensor_sbw_start_tile_id += out_tensor_next_subblock_stride_w
            out_tensor_sbh_start_tile_id += out_tensor_next_subblock_stride_h
        out_tensor_start_tile_id += mt_nt
