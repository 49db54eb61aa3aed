"""hello_world_compute_kernel (tt-metal programming example): a compute kernel on core (0, 0) whose three TRISCs
DPRINT a greeting; returns the device's DPRINT lines of core (0, 0) as (processor, text)."""

import os

from tensix.metal import *

OVERRIDE_KERNEL_PREFIX = "../"


def main(device=None) -> list[tuple[str, str]]:
    env_var = os.environ.get("TT_METAL_DPRINT_CORES")
    if env_var is None:
        print("WARNING: Please set the environment variable TT_METAL_DPRINT_CORES to 0,0 to see the output of the "
              "Data Movement kernels.")
        print("WARNING: For example, export TT_METAL_DPRINT_CORES=0,0")

    core = CoreCoord(0, 0)
    device_id = 0
    device = CreateDevice(device_id, device)
    cq = device.command_queue()
    program = CreateProgram()

    void_compute_kernel_id = CreateKernel(
        program,
        OVERRIDE_KERNEL_PREFIX + "hello_world_compute_kernel/kernels/compute/void_compute_kernel.py",
        core,
        ComputeConfig())

    SetRuntimeArgs(program, void_compute_kernel_id, core, [])
    EnqueueProgram(cq, program, False)
    print("Hello, Core {0, 0} on Device 0, I am sending you a compute kernel. Standby awaiting communication.")

    Finish(cq)
    print("Thank you, Core {0, 0} on Device 0, for the completed task.")
    CloseDevice(device)
    return [(proc, text) for _, proc, text in device.dprint.get((0, 0), [])]


if __name__ == "__main__":
    main()
