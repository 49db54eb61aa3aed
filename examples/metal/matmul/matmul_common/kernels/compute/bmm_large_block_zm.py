"""Block matmul with partial results spilled to c_24 (sharing c_16's memory) between k blocks and reloaded
into DST (tt-metal's bmm_large_block_zm)."""

from tensix.metal import *


def kernel_main(ctx):
    in0_block_w = ctx.get_compile_time_arg_val(0)
    in0_num_subblocks = ctx.get_compile_time_arg_val(1)
    in0_block_num_tiles = ctx.get_compile_time_arg_val(2)
    in0_subblock_num_tiles = ctx.get_compile_time_arg_val(3)
    in1_num_subblocks = ctx.get_compile_time_arg_val(4)
    in1_block_num_tiles = ctx.get_compile_time_arg_val(5)
    in1_per_core_w = ctx.get_compile_time_arg_val(6)
    num_blocks = ctx.get_compile_time_arg_val(7)
    out_subblock_h = ctx.get_compile_time_arg_val(8)
    out_subblock_w = ctx.get_compile_time_arg_val(9)
    out_subblock_num_tiles = ctx.get_compile_time_arg_val(10)
    batch = ctx.get_compile_time_arg_val(11)

    cb_in0, cb_in1, cb_out, cb_interm = CBIndex.c_0, CBIndex.c_1, CBIndex.c_16, CBIndex.c_24
    ctx.mm_init(cb_in0, cb_in1, cb_out)

    for _ in range(batch):
        spill = num_blocks > 1
        enable_reload = False
        out_num_tiles_to_wait = out_subblock_num_tiles
        for block in range(num_blocks):
            last_out = block == num_blocks - 1
            ctx.cb_wait_front(cb_in0, in0_block_num_tiles)
            ctx.cb_wait_front(cb_in1, in1_block_num_tiles)
            in0_index_subblock_offset = 0
            for _ in range(in0_num_subblocks):
                in1_index_subblock_offset = 0
                for _ in range(in1_num_subblocks):
                    ctx.acquire_dst()
                    if enable_reload:
                        ctx.copy_tile_to_dst_init_short(cb_interm)
                        ctx.cb_wait_front(cb_interm, out_subblock_num_tiles)
                        for i in range(out_subblock_num_tiles):
                            ctx.copy_tile(cb_interm, i, i)
                        ctx.cb_pop_front(cb_interm, out_subblock_num_tiles)
                        ctx.mm_init_short(cb_in0, cb_in1)
                    dst_index = 0
                    in0_index_h_offset = 0
                    for _ in range(out_subblock_h):
                        for w in range(out_subblock_w):
                            in1_index_inner_dim_offset = 0
                            for inner_dim in range(in0_block_w):
                                in0_index = in0_index_subblock_offset + in0_index_h_offset + inner_dim
                                in1_index = in1_index_subblock_offset + in1_index_inner_dim_offset + w
                                ctx.matmul_tiles(cb_in0, cb_in1, in0_index, in1_index, dst_index, False)
                                in1_index_inner_dim_offset += in1_per_core_w
                            dst_index += 1
                        in0_index_h_offset += in0_block_w
                    if last_out:
                        ctx.cb_reserve_back(cb_out, out_subblock_num_tiles)
                        for i in range(out_subblock_num_tiles):
                            ctx.pack_tile(i, cb_out)
                        ctx.cb_push_back(cb_out, out_subblock_num_tiles)
                    else:
                        if block == 0:  # keep c_16's space, which c_24 shares, reserved while partials live there
                            ctx.cb_reserve_back(cb_out, out_num_tiles_to_wait)
                            out_num_tiles_to_wait += out_subblock_num_tiles
                        ctx.cb_reserve_back(cb_interm, out_subblock_num_tiles)
                        for i in range(out_subblock_num_tiles):
                            ctx.pack_tile(i, cb_interm)
                        ctx.cb_push_back(cb_interm, out_subblock_num_tiles)
                    ctx.release_dst()
                    in1_index_subblock_offset += out_subblock_w
                in0_index_subblock_offset += in0_subblock_num_tiles
            if spill:
                enable_reload = True
            ctx.cb_pop_front(cb_in0, in0_block_num_tiles)
            ctx.cb_pop_front(cb_in1, in1_block_num_tiles)
