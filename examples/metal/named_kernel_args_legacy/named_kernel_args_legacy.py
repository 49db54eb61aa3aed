"""named_kernel_args_legacy (tt-metal programming example): a data movement and a compute kernel DPRINT their
positional compile-time, runtime and common runtime args. The check (added: tt-metal's only prints) is that the
DPRINT lines carry the values set on the host."""

import os
import sys

from tensix.metal import *  # noqa: F403

OVERRIDE_KERNEL_PREFIX = ""


def main(device=None) -> bool:
    if os.environ.get("TT_METAL_DPRINT_CORES") is None:
        print("WARNING: set TT_METAL_DPRINT_CORES=0,0 to see the kernel's DPRINT output.\n"
              "         e.g. export TT_METAL_DPRINT_CORES=0,0", file=sys.stderr)

    core = CoreCoord(0, 0)
    mesh_device = distributed.MeshDevice.create_unit_mesh(0, device)
    cq = mesh_device.mesh_command_queue()
    workload = distributed.MeshWorkload()
    device_range = distributed.MeshCoordinateRange(mesh_device.shape())
    program = CreateProgram()

    kernel = CreateKernel(
        program,
        OVERRIDE_KERNEL_PREFIX + "named_kernel_args_legacy/kernels/dataflow/named_kernel_args_legacy_kernel.cpp",
        core,
        DataMovementConfig(
            processor=DataMovementProcessor.RISCV_0,
            noc=NOC.RISCV_0_default,
            compile_args=[4, 2, 1],
        ))

    compute_kernel = CreateKernel(
        program,
        OVERRIDE_KERNEL_PREFIX + "named_kernel_args_legacy/kernels/compute/named_kernel_args_legacy_compute_kernel.cpp",
        core,
        ComputeConfig(
            compile_args=[4, 2, 1],
        ))

    SetRuntimeArgs(program, kernel, core, [0x10000, 0x20000, 64])
    SetCommonRuntimeArgs(program, kernel, [0x3f800000, 0x30000])
    SetRuntimeArgs(program, compute_kernel, core, [0x10000, 0x20000, 64])
    SetCommonRuntimeArgs(program, compute_kernel, [0x3f800000, 0x30000])

    workload.add_program(device_range, program)
    distributed.EnqueueMeshWorkload(cq, workload, False)
    distributed.Finish(cq)

    lines = [text for _, _, text in mesh_device.dprint.get((0, 0), [])]
    mesh_device.close()
    return sorted(lines) == expected_dprint()


def expected_dprint() -> list[str]:
    """What both kernels print, data movement first (as the example's comments give it)."""
    out = []
    for tag in ("named_kernel_args", "named_kernel_args:compute"):
        out += [f"[{tag}] CTA  block_h=4 block_w=2 untilize=1",
                f"[{tag}] RTA  src_addr=10000 dst_addr=20000 num_tiles=64",
                f"[{tag}] CRTA scaler=3f800000 sem_addr=30000"]
    return sorted(out)


if __name__ == "__main__":
    print("Test Passed" if main() else "Test Failed")
