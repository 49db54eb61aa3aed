"""The compute-path TT_KERNEL entry; no kernel_main: it is generated."""

from tensix.metal import *  # noqa: F403


@TT_KERNEL
def named_kernel_args_compute_kernel(ctx, src_addr, dst_addr, num_tiles, scaler, sem_addr, *, block_h, block_w,
                                     untilize):
    ctx.DPRINT_MATH("[named_kernel_args:compute] CTA  block_h={} block_w={} untilize={}\n", block_h, block_w, untilize)
    ctx.DPRINT_MATH(
        "[named_kernel_args:compute] RTA  src_addr={:x} dst_addr={:x} num_tiles={}\n", src_addr, dst_addr, num_tiles)
    ctx.DPRINT_MATH("[named_kernel_args:compute] CRTA scaler={:x} sem_addr={:x}\n", scaler, sem_addr)
