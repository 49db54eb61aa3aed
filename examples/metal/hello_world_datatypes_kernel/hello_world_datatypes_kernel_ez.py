"""hello_world_datatypes_kernel as tt-metal's newest source writes its host, in experimental::ez (one float, 1.23,
written into a page of 2 KiB); the same kernel and grayskull_e150-only NoC coordinates as the mesh host. Returns
core (0, 0)'s DPRINT lines as (processor, text)."""

import os

from tensix.metal import *
from tensix.metal.ez import *

OVERRIDE_KERNEL_PREFIX = "../"


def main(device=None) -> list[tuple[str, str]]:
    env_var = os.environ.get("TT_METAL_DPRINT_CORES")
    if env_var is None:
        print("WARNING: Please set the environment variable TT_METAL_DPRINT_CORES to 0,0 to see the output of the "
              "Data Movement kernels.")
        print("WARNING: For example, export TT_METAL_DPRINT_CORES=0,0")

    ctx = DeviceContext(0, device=device)

    buffer_size = 2 * 1024
    dram_buffer = ctx.dram_buffer(buffer_size, buffer_size)

    init_data = np.array([1.23], dtype=np.float32)
    ctx.write(dram_buffer, init_data)

    program = (
        ProgramBuilder(CoreCoord(0, 0))
        .cb(CBIndex.c_0, DataFormat.Float16_b, 1, buffer_size)
        .kernel(
            OVERRIDE_KERNEL_PREFIX + "hello_world_datatypes_kernel/kernels/dataflow/float_dataflow_kernel.py",
            DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default))
        .runtime_args([dram_buffer.address()])
        .build())

    print("Hello, Core (0, 0) on Device 0, please handle the data.")
    ctx.run(program)
    print("Thank you, Core (0, 0) on Device 0, for handling the data.")

    return [(proc, text) for _, proc, text in ctx.device().dprint.get((0, 0), [])]


if __name__ == "__main__":
    main()
