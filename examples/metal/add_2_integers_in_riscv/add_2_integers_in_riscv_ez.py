"""add_2_integers_in_riscv as tt-metal's newest source writes its host, in experimental::ez; the same kernel and
check (21) as add_2_integers_in_riscv.py."""

import os
import sys

from tensix.metal import *
from tensix.metal.ez import *

OVERRIDE_KERNEL_PREFIX = "../"


def main(device=None) -> bool:
    env_var = os.environ.get("TT_METAL_DPRINT_CORES")
    if env_var is None:
        print("WARNING: Please set the environment variable TT_METAL_DPRINT_CORES to 0,0 to see the output of the "
              "Data Movement kernels.")
        print("WARNING: For example, export TT_METAL_DPRINT_CORES=0,0")

    ctx = DeviceContext(0, device=device)

    buffer_size = np.dtype(np.uint32).itemsize

    src0_dram = ctx.dram_buffer(buffer_size, buffer_size)
    src1_dram = ctx.dram_buffer(buffer_size, buffer_size)
    dst_dram = ctx.dram_buffer(buffer_size, buffer_size)
    src0_l1 = ctx.l1_buffer(buffer_size, buffer_size)
    src1_l1 = ctx.l1_buffer(buffer_size, buffer_size)
    dst_l1 = ctx.l1_buffer(buffer_size, buffer_size)

    src0_vec = [14]
    src1_vec = [7]
    ctx.write(src0_dram, src0_vec)
    ctx.write(src1_dram, src1_vec)

    program = (
        ProgramBuilder(CoreCoord(0, 0))
        .kernel(
            OVERRIDE_KERNEL_PREFIX + "add_2_integers_in_riscv/kernels/reader_writer_add_in_riscv.py",
            DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default))
        .runtime_args([
            src0_dram.address(),
            src1_dram.address(),
            dst_dram.address(),
            src0_l1.address(),
            src1_l1.address(),
            dst_l1.address(),
        ])
        .build())

    ctx.run(program)

    result_vec = ctx.read[np.uint32](dst_dram)

    if len(result_vec) != 1:
        print(f"Error: Expected result vector size of 1, got {len(result_vec)}", file=sys.stderr)
        return False
    if result_vec[0] != 21:
        print(f"Error: Expected result of 21, got {result_vec[0]}", file=sys.stderr)
        return False

    print(f"Success: Result is {result_vec[0]}")
    return True


if __name__ == "__main__":
    main()
