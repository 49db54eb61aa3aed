"""Nothing to compute: print a line."""


def kernel_main(ctx):
    ctx.DPRINT_MATH("Void compute kernel is running.")
