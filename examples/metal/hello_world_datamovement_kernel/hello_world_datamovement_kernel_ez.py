"""hello_world_datamovement_kernel as tt-metal's newest source writes its host, in experimental::ez; returns core
(0, 0)'s DPRINT lines as (processor, text)."""

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

    program = (
        ProgramBuilder(CoreCoord(0, 0))
        .reader(OVERRIDE_KERNEL_PREFIX + "hello_world_datamovement_kernel/kernels/dataflow/void_dataflow_kernel.py")
        .done()
        .writer(OVERRIDE_KERNEL_PREFIX + "hello_world_datamovement_kernel/kernels/dataflow/void_dataflow_kernel.py")
        .done()
        .build())

    print("Hello, Core (0, 0) on Device 0, Please start execution. I will standby for your communication.")
    ctx.run(program)

    return [(proc, text) for _, proc, text in ctx.device().dprint.get((0, 0), [])]


if __name__ == "__main__":
    main()
