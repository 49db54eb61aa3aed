"""A TT_KERNEL entry: template parameters (keyword-only) are the compile-time args, the others the runtime and
common runtime args; kernel_main is the hand-written shim tt-metal will generate."""

from tensix.metal import *  # noqa: F403


@TT_KERNEL
def named_kernel_args_kernel(ctx, src_addr, dst_addr, num_tiles, scaler, sem_addr, *, block_h, block_w, untilize):
    ctx.DPRINT("[named_kernel_args] CTA  block_h={} block_w={} untilize={}\n", block_h, block_w, untilize)
    ctx.DPRINT("[named_kernel_args] RTA  src_addr={:x} dst_addr={:x} num_tiles={}\n", src_addr, dst_addr, num_tiles)
    ctx.DPRINT("[named_kernel_args] CRTA scaler={:x} sem_addr={:x}\n", scaler, sem_addr)


def kernel_main(ctx):
    named_kernel_args_kernel(
        ctx,
        ctx.get_arg(args.src_addr),
        ctx.get_arg(args.dst_addr),
        ctx.get_arg(args.num_tiles),
        ctx.get_arg(args.scaler),
        ctx.get_arg(args.sem_addr),
        block_h=ctx.get_arg(args.block_h), block_w=ctx.get_arg(args.block_w), untilize=ctx.get_arg(args.untilize))
