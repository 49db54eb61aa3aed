"""distributed/1_distributed_program_dispatch (tt-metal programming example): one program with a void compute
kernel on cores (0,0)-(1,1), broadcast to every device of a 2x4 mesh. The check (added: tt-metal's only runs
it) is that every core of every device printed its line."""

from tensix.metal import *  # noqa: F403
from tensix.metal.distributed import *  # noqa: F403


def main(device=None) -> bool:
    mesh_device = MeshDevice.create(MeshDeviceConfig(MeshShape(2, 4)), device=device)
    cq = mesh_device.mesh_command_queue()

    example_program = CreateProgram()
    target_tensix_cores = CoreRange(
        CoreCoord(0, 0),  # start_coord
        CoreCoord(1, 1))  # end_coord

    compute_kernel_id = CreateKernel(
        example_program,
        "tt_metal/programming_examples/distributed/1_distributed_program_dispatch/kernels/void_kernel.cpp",
        target_tensix_cores,
        ComputeConfig(compile_args=[]))

    runtime_args = []
    SetRuntimeArgs(example_program, compute_kernel_id, target_tensix_cores, runtime_args)

    mesh_workload = MeshWorkload()
    target_devices = MeshCoordinateRange(mesh_device.shape())

    mesh_workload.add_program(target_devices, example_program)
    EnqueueMeshWorkload(cq, mesh_workload, False)

    Finish(cq)

    hello = "Hello, World! I'm running a void compute kernel."
    ok = all([text for _, _, text in d.dprint.get(tuple(c), [])] == [hello]
             for d in mesh_device.get_devices() for c in target_tensix_cores)
    ok &= len(mesh_device.get_devices()) == 8
    mesh_device.close()
    return ok


if __name__ == "__main__":
    print("Test Passed" if main() else "Test Failed")
