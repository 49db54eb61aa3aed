"""Nothing to compute: each of the three compute cores (UNPACK, MATH, PACK) says hello."""

from tensix.metal import *


def kernel_main(ctx):
    ctx.DPRINT_MATH("Hello, I am the MATH core running the compute kernel")
    ctx.DPRINT_UNPACK("Hello, I am the UNPACK core running the compute kernel")
    ctx.DPRINT_PACK("Hello, I am the PACK core running the compute kernel")
