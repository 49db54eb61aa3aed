"""custom_sfpu_kernel_add names kernels/dataflow/read_tiles.cpp, which its tt-metal folder never held: it is
eltwise_binary's (as in custom_sfpi_add, this example's successor)."""

from tensix.examples.metal.eltwise_binary.kernels.dataflow.read_tiles import kernel_main

__all__ = ["kernel_main"]
