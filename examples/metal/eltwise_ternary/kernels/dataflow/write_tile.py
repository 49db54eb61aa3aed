"""eltwise_ternary names kernels/dataflow/write_tile.cpp, which its tt-metal folder does not hold: it is
eltwise_binary's."""

from tensix.examples.metal.eltwise_binary.kernels.dataflow.write_tile import kernel_main

__all__ = ["kernel_main"]
