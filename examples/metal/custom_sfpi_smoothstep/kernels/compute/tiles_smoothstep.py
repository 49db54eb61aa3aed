"""smoothstep(0, 1, x) of each tile on the SFPU: t = clamp((x - edge0) / (edge1 - edge0), 0, 1) by v_if / v_elseif,
then t * t * (3 - 2 t), written in SFPI one face at a time."""

from tensix.metal import *


def smoothstep_tile_face(ctx):
    edge0 = 0
    edge1 = 1.0
    n_vector_in_face = 32  # noqa: F841 - as in tt-metal's kernel

    in0_base_idx = 0

    inv_delta = 1.0 / (edge1 - edge0)
    for i in range(8):
        x = vFloat(dst_reg[in0_base_idx + i])
        t = vFloat((x - edge0) * inv_delta)
        with v_if(t < 0.0):
            t[...] = 0.0
        with v_elseif(t > 1.0):
            t[...] = 1.0
        v_endif()
        result = vFloat(t * t * (3.0 - 2.0 * t))
        dst_reg[in0_base_idx + i] = result


def my_smoothstep_tile_internal(ctx, idx_dst0, edge0, edge1):
    ctx._llk_math_eltwise_unary_sfpu_params_(smoothstep_tile_face, idx_dst0, approximate=False)


def my_smoothstep_tiles(ctx, idx_dst0, edge0, edge1):
    my_smoothstep_tile_internal(ctx, idx_dst0, edge0, edge1)


def kernel_main(ctx):
    n_tiles = ctx.get_arg_val(0)

    cb_in0 = CBIndex.c_0
    cb_out0 = CBIndex.c_16

    ctx.init_sfpu(cb_in0, cb_out0)

    for i in range(n_tiles):
        ctx.cb_wait_front(cb_in0, 1)
        ctx.tile_regs_acquire()
        ctx.copy_tile(cb_in0, 0, 0)
        my_smoothstep_tiles(ctx, 0, 0.0, 1.0)
        ctx.tile_regs_commit()
        ctx.tile_regs_wait()
        ctx.cb_reserve_back(cb_out0, 1)
        ctx.pack_tile(0, cb_out0)
        ctx.cb_push_back(cb_out0, 1)
        ctx.cb_pop_front(cb_in0, 1)
        ctx.tile_regs_release()
