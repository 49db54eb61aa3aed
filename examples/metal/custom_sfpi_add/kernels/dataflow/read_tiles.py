"""custom_sfpi_add's read_tiles.cpp is line for line eltwise_binary's (tt-metal copied the file)."""

from tensix.examples.metal.eltwise_binary.kernels.dataflow.read_tiles import kernel_main

__all__ = ["kernel_main"]
