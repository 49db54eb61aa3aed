"""custom_sfpu_kernel_add names kernels/dataflow/write_tile.cpp, which its tt-metal folder never held: it is
eltwise_binary's (as in custom_sfpi_add, this example's successor)."""

from tensix.examples.metal.eltwise_binary.kernels.dataflow.write_tile import kernel_main

__all__ = ["kernel_main"]
