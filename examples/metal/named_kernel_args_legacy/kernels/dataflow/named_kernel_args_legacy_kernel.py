"""Read every argument by index and DPRINT it."""


def kernel_main(ctx):
    block_h = ctx.get_compile_time_arg_val(0)
    block_w = ctx.get_compile_time_arg_val(1)
    untilize = ctx.get_compile_time_arg_val(2)

    src_addr = ctx.get_arg_val(0)
    dst_addr = ctx.get_arg_val(1)
    num_tiles = ctx.get_arg_val(2)

    scaler = ctx.get_common_arg_val(0)
    sem_addr = ctx.get_common_arg_val(1)

    ctx.DPRINT("[named_kernel_args] CTA  block_h={} block_w={} untilize={}\n", block_h, block_w, untilize)
    ctx.DPRINT("[named_kernel_args] RTA  src_addr={:x} dst_addr={:x} num_tiles={}\n", src_addr, dst_addr, num_tiles)
    ctx.DPRINT("[named_kernel_args] CRTA scaler={:x} sem_addr={:x}\n", scaler, sem_addr)
