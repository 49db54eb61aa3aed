"""hello_world_datamovement_kernel (tt-metal programming example): the same void kernel on both data movement cores
of core (0, 0); returns the device's DPRINT lines of core (0, 0) as (processor, text)."""

from tensix.metal import *

OVERRIDE_KERNEL_PREFIX = "../"


def main(device=None) -> list[tuple[str, str]]:
    core = CoreCoord(0, 0)
    mesh_device = distributed.MeshDevice.create_unit_mesh(0, device)
    cq = mesh_device.mesh_command_queue()
    workload = distributed.MeshWorkload()
    device_range = distributed.MeshCoordinateRange(mesh_device.shape())
    program = CreateProgram()

    void_dataflow_kernel_noc0_id = CreateKernel(
        program,
        OVERRIDE_KERNEL_PREFIX + "hello_world_datamovement_kernel/kernels/dataflow/void_dataflow_kernel.py",
        core,
        DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default))

    void_dataflow_kernel_noc1_id = CreateKernel(
        program,
        OVERRIDE_KERNEL_PREFIX + "hello_world_datamovement_kernel/kernels/dataflow/void_dataflow_kernel.py",
        core,
        DataMovementConfig(processor=DataMovementProcessor.RISCV_1, noc=NOC.RISCV_1_default))

    SetRuntimeArgs(program, void_dataflow_kernel_noc0_id, core, [])
    SetRuntimeArgs(program, void_dataflow_kernel_noc1_id, core, [])
    print("Hello, Core {0, 0} on Device 0, Please start execution. I will standby for your communication.")

    workload.add_program(device_range, program)
    distributed.EnqueueMeshWorkload(cq, workload, False)
    distributed.Finish(cq)

    mesh_device.close()
    return [(proc, text) for _, proc, text in mesh_device.dprint.get((0, 0), [])]


if __name__ == "__main__":
    main()
