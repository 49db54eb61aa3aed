"""named_kernel_args (tt-metal programming example): the same kernels as named_kernel_args_legacy declared with
experimental::KernelSpec, their args set by name (MakeProgramFromSpec, SetProgramRunArgs) and taken as function
and template parameters of TT_KERNEL entries. The check (added: tt-metal's only prints) is that the DPRINT lines
equal the legacy example's."""

import os
import sys

from tensix.examples.metal.named_kernel_args_legacy.named_kernel_args_legacy import expected_dprint
from tensix.metal import *  # noqa: F403

OVERRIDE_KERNEL_PREFIX = ""


def main(device=None) -> bool:
    if os.environ.get("TT_METAL_DPRINT_CORES") is None:
        print("WARNING: set TT_METAL_DPRINT_CORES=0,0 to see the kernel's DPRINT output.\n"
              "         e.g. export TT_METAL_DPRINT_CORES=0,0", file=sys.stderr)

    mesh_device = distributed.MeshDevice.create_unit_mesh(0, device)
    cq = mesh_device.mesh_command_queue()
    workload = distributed.MeshWorkload()
    device_range = distributed.MeshCoordinateRange(mesh_device.shape())

    KERNEL = experimental.KernelSpecName("named_kernel_args")
    KERNEL_COMPUTE = experimental.KernelSpecName("named_kernel_args_compute")
    node = experimental.NodeCoord(0, 0)

    kernel_spec = experimental.KernelSpec(
        unique_id=KERNEL,
        source=OVERRIDE_KERNEL_PREFIX + "named_kernel_args/kernels/dataflow/named_kernel_args_kernel.cpp",
        num_threads=1,
        compile_time_args={"block_h": 4, "block_w": 2, "untilize": 1},
        runtime_arg_schema={
            "runtime_arg_names": ["src_addr", "dst_addr", "num_tiles"],
            "common_runtime_arg_names": ["scaler", "sem_addr"],
        },
        hw_config=experimental.DataMovementHardwareConfig(
            gen1_config=experimental.DataMovementHardwareConfig.Gen1Config(
                processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default),
            gen2_config=experimental.DataMovementHardwareConfig.Gen2Config()),
    )

    compute_spec = experimental.KernelSpec(
        unique_id=KERNEL_COMPUTE,
        source=OVERRIDE_KERNEL_PREFIX + "named_kernel_args/kernels/compute/named_kernel_args_compute_kernel.cpp",
        num_threads=1,
        compile_time_args={"block_h": 4, "block_w": 2, "untilize": 1},
        runtime_arg_schema={
            "runtime_arg_names": ["src_addr", "dst_addr", "num_tiles"],
            "common_runtime_arg_names": ["scaler", "sem_addr"],
        },
        hw_config=experimental.ComputeHardwareConfig(),
    )

    spec = experimental.ProgramSpec(
        name="named_kernel_args",
        kernels=[kernel_spec, compute_spec],
        work_units=[{"name": "wu", "kernels": [KERNEL, KERNEL_COMPUTE], "target_nodes": node}],
    )
    program = experimental.MakeProgramFromSpec(mesh_device, spec)

    params = experimental.ProgramRunArgs()
    params.kernel_run_args = [
        experimental.ProgramRunArgs.KernelRunArgs(
            kernel=KERNEL,
            runtime_arg_values={node: {"src_addr": 0x10000, "dst_addr": 0x20000, "num_tiles": 64}},
            common_runtime_arg_values={"scaler": 0x3f800000, "sem_addr": 0x30000},
        ),
        experimental.ProgramRunArgs.KernelRunArgs(
            kernel=KERNEL_COMPUTE,
            runtime_arg_values={node: {"src_addr": 0x10000, "dst_addr": 0x20000, "num_tiles": 64}},
            common_runtime_arg_values={"scaler": 0x3f800000, "sem_addr": 0x30000},
        ),
    ]
    experimental.SetProgramRunArgs(program, params)

    workload.add_program(device_range, program)
    distributed.EnqueueMeshWorkload(cq, workload, False)
    distributed.Finish(cq)

    lines = [text for _, _, text in mesh_device.dprint.get((0, 0), [])]
    mesh_device.close()
    return sorted(lines) == expected_dprint()


if __name__ == "__main__":
    print("Test Passed" if main() else "Test Failed")
