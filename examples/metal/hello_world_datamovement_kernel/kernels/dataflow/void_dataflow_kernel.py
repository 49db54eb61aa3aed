"""Each data movement core prints its logical coordinates, then the one DPRINT_DATA0/1 meant for it."""

from tensix.metal import *


def kernel_main(ctx):
    ctx.DPRINT("My logical coordinates are ", int(ctx.get_absolute_logical_x()), ",",
               int(ctx.get_absolute_logical_y()))
    ctx.DPRINT_DATA0("Hello, host, I am running a void data movement kernel on Data Movement core 0.")
    ctx.DPRINT_DATA1("Hello, host, I am running a void data movement kernel on Data Movement core 1.")
