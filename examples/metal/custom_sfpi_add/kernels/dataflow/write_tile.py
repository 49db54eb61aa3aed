"""custom_sfpi_add's write_tile.cpp is line for line eltwise_binary's (tt-metal copied the file)."""

from tensix.examples.metal.eltwise_binary.kernels.dataflow.write_tile import kernel_main

__all__ = ["kernel_main"]
