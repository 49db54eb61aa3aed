"""Block-matmul reader of a core that is the in0 receiver and the in1 sender (tt-metal's
reader_bmm_tile_layout_in0_receiver_in1_sender)."""

from tensix.examples.metal.matmul.matmul_common.kernels.dataflow.bmm_tiles import run_reader


def kernel_main(ctx):
    run_reader(ctx, "receiver", "sender")
