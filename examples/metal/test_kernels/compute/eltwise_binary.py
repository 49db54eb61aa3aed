"""A binary op (the define ELTWISE_OP, of type ELTWISE_OP_TYPE) of CB 0 and CB 1 into CB 16, block by block."""

from tensix.errors import KernelError
from tensix.metal import *  # noqa: F403


def kernel_main(ctx):
    per_core_block_cnt = ctx.get_arg_val(0)
    per_core_block_size = ctx.get_arg_val(1)
    acc_to_dst = ctx.get_arg_val(2)  # noqa: F841

    cb_in0 = CBIndex.c_0
    cb_in1 = CBIndex.c_1
    cb_inp0 = cb_in0
    cb_inp1 = cb_in1
    cb_out0 = CBIndex.c_16
    cb_in2 = CBIndex.c_2
    ctx.binary_op_init_common(cb_inp0, cb_inp1, cb_out0)
    if not ctx.defined("ELTWISE_DEST_REUSE_TYPE"):
        if ctx.defined("FULL_INIT"):
            ctx.binary_tiles_init(cb_in0, cb_in1, full_init=True, eltwise_binary_type=ctx.defines["ELTWISE_OP_TYPE"])
        else:
            ctx.binary_tiles_init(cb_in0, cb_in1, full_init=False, eltwise_binary_type=ctx.defines["ELTWISE_OP_TYPE"])

    if ctx.defined("PACK_RELU"):
        raise KernelError(f"{ctx.where()}: PACK_RELU (llk_pack_relu_config) has no tensix equivalent yet")

    for block in range(per_core_block_cnt):
        ctx.cb_wait_front(cb_inp0, per_core_block_size)
        ctx.cb_wait_front(cb_inp1, per_core_block_size)
        ctx.cb_reserve_back(cb_out0, per_core_block_size)
        ctx.tile_regs_acquire()

        if ctx.defined("DST_ACCUM_MODE") or ctx.defined("ACC_TO_DEST") or ctx.defined("ELTWISE_DEST_REUSE_TYPE"):
            ctx.cb_wait_front(cb_in2, per_core_block_size)
            ctx.copy_init(cb_in2)
            for i in range(per_core_block_size):
                ctx.copy_tile(cb_in2, i, i)
            ctx.cb_pop_front(cb_in2, per_core_block_size)

        if ctx.defined("DST_ACCUM_MODE") or ctx.defined("ACC_TO_DEST"):
            if ctx.defined("MUL_TILES_WITH_DST_ACCUM"):
                getattr(ctx, ctx.defines["ELTWISE_OP_INIT"])(cb_inp0, cb_inp1)
            else:
                getattr(ctx, ctx.defines["ELTWISE_OP_INIT"])(cb_inp0, cb_inp1, True)

        if ctx.defined("ELTWISE_DEST_REUSE_TYPE"):
            raise KernelError(f"{ctx.where()}: ELTWISE_DEST_REUSE_TYPE (binary_dest_reuse_tiles) has no tensix "
                              f"equivalent yet")

        for i in range(per_core_block_size):
            getattr(ctx, ctx.defines["ELTWISE_OP"])(cb_inp0, cb_inp1, i, i, i)

            if ctx.defined("SFPU_OP_CHAIN_0"):
                raise KernelError(f"{ctx.where()}: SFPU_OP_CHAIN_0 has no tensix equivalent yet")
        ctx.tile_regs_commit()

        ctx.tile_regs_wait()
        for i in range(per_core_block_size):
            ctx.pack_tile(i, cb_out0)
        ctx.tile_regs_release()

        ctx.cb_pop_front(cb_inp0, per_core_block_size)
        ctx.cb_pop_front(cb_inp1, per_core_block_size)
        ctx.cb_push_back(cb_out0, per_core_block_size)
