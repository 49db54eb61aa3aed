"""Block-matmul reader without multicast (matmul_multicore_reuse): per k block, read this core's in0 block
(in0_block_h x in0_block_w tiles) and in1 block (in1_block_h x in1_block_w tiles)."""

from tensix.examples.metal.matmul.matmul_common.kernels.dataflow.bmm_tiles import read_block


def kernel_main(ctx):
    in0_tensor_addr = ctx.get_arg_val(0)
    in0_tensor_start_tile_id = ctx.get_arg_val(1)
    in0_tensor_stride_w = ctx.get_arg_val(2)
    in0_tensor_stride_h = ctx.get_arg_val(3)
    in0_tensor_next_block_stride = ctx.get_arg_val(4)
    in0_block_w = ctx.get_arg_val(5)
    in0_block_h = ctx.get_arg_val(6)
    in0_block_num_tiles = ctx.get_arg_val(7)
    in1_tensor_addr = ctx.get_arg_val(8)
    in1_tensor_start_tile_id = ctx.get_arg_val(9)
    in1_tensor_stride_w = ctx.get_arg_val(10)
    in1_tensor_stride_h = ctx.get_arg_val(11)
    in1_tensor_next_block_stride = ctx.get_arg_val(12)
    in1_block_w = ctx.get_arg_val(13)
    in1_block_h = ctx.get_arg_val(14)
    in1_block_num_tiles = ctx.get_arg_val(15)
    num_blocks = ctx.get_arg_val(16)
    mt_kt = ctx.get_arg_val(17)
    kt_nt = ctx.get_arg_val(18)
    batch = ctx.get_arg_val(19)
    bcast_b = ctx.get_arg_val(20)

    cb_id_in0 = 0
    cb_id_in1 = 1
    single_tile_size_bytes = ctx.get_tile_size(cb_id_in0)
    s0_args = ctx.TensorAccessorArgs(0)
    s0 = ctx.TensorAccessor(s0_args, in0_tensor_addr, single_tile_size_bytes)
    s1_args = ctx.TensorAccessorArgs(s0_args.next_compile_time_args_offset())
    s1 = ctx.TensorAccessor(s1_args, in1_tensor_addr, single_tile_size_bytes)

    for _ in range(batch):
        in0_tensor_current_block_start_tile_id = in0_tensor_start_tile_id
        in1_tensor_current_block_start_tile_id = in1_tensor_start_tile_id
        for _ in range(num_blocks):
            read_block(ctx, cb_id_in0, s0, in0_tensor_current_block_start_tile_id, in0_tensor_stride_w,
                       in0_tensor_stride_h, in0_block_w, in0_block_h, single_tile_size_bytes)
            read_block(ctx, cb_id_in1, s1, in1_tensor_current_block_start_tile_id, in1_tensor_stride_w,
                       in1_tensor_stride_h, in1_block_w, in1_block_h, single_tile_size_bytes)
            in0_tensor_current_block_start_tile_id += in0_tensor_next_block_stride
            in1_tensor_current_block_start_tile_id += in1_tensor_next_block_stride
            ctx.cb_push_back(cb_id_in0, in0_block_num_tiles)
            ctx.cb_push_back(cb_id_in1, in1_block_num_tiles)
        if bcast_b == 0:
            in1_tensor_start_tile_id += kt_nt
        in0_tensor_start_tile_id += mt_kt
