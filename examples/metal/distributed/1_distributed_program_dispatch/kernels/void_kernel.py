"""Nothing to compute: print a line."""


def kernel_main(ctx):
    ctx.DPRINT_MATH("Hello, World! I'm running a void compute kernel.")
