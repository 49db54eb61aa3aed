"""add_2_integers_in_riscv (tt-metal programming example): 14 + 7 on a data movement RISC-V through one-word DRAM
and L1 buffers; the host reads back 21."""

import os

from tensix.metal import *

OVERRIDE_KERNEL_PREFIX = "../"


def main(device=None) -> bool:
    env_var = os.environ.get("TT_METAL_DPRINT_CORES")
    if env_var is None:
        print("WARNING: Please set the environment variable TT_METAL_DPRINT_CORES to 0,0 to see the output of the "
              "Data Movement kernels.")
        print("WARNING: For example, export TT_METAL_DPRINT_CORES=0,0")

    mesh_device = distributed.MeshDevice.create_unit_mesh(0, device)
    cq = mesh_device.mesh_command_queue()
    workload = distributed.MeshWorkload()
    device_range = distributed.MeshCoordinateRange(mesh_device.shape())
    program = CreateProgram()
    core = CoreCoord(0, 0)

    buffer_size = np.dtype(np.uint32).itemsize

    dram_config = distributed.DeviceLocalBufferConfig(page_size=buffer_size, buffer_type=BufferType.DRAM)
    l1_config = distributed.DeviceLocalBufferConfig(page_size=buffer_size, buffer_type=BufferType.L1)
    buffer_config = distributed.ReplicatedBufferConfig(size=buffer_size)

    src0_dram_buffer = distributed.MeshBuffer.create(buffer_config, dram_config, mesh_device)
    src1_dram_buffer = distributed.MeshBuffer.create(buffer_config, dram_config, mesh_device)
    dst_dram_buffer = distributed.MeshBuffer.create(buffer_config, dram_config, mesh_device)
    src0_l1_buffer = distributed.MeshBuffer.create(buffer_config, l1_config, mesh_device)
    src1_l1_buffer = distributed.MeshBuffer.create(buffer_config, l1_config, mesh_device)
    dst_l1_buffer = distributed.MeshBuffer.create(buffer_config, l1_config, mesh_device)

    src0_vec = [14]
    src1_vec = [7]

    distributed.EnqueueWriteMeshBuffer(cq, src0_dram_buffer, src0_vec, False)
    distributed.EnqueueWriteMeshBuffer(cq, src1_dram_buffer, src1_vec, False)

    kernel_id = CreateKernel(
        program,
        OVERRIDE_KERNEL_PREFIX + "add_2_integers_in_riscv/kernels/reader_writer_add_in_riscv.py",
        core,
        DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default))

    SetRuntimeArgs(
        program,
        kernel_id,
        core,
        [
            src0_dram_buffer.address(),
            src1_dram_buffer.address(),
            dst_dram_buffer.address(),
            src0_l1_buffer.address(),
            src1_l1_buffer.address(),
            dst_l1_buffer.address(),
        ])

    workload.add_program(device_range, program)
    distributed.EnqueueMeshWorkload(cq, workload, False)

    result_vec = []
    distributed.EnqueueReadMeshBuffer(cq, result_vec, dst_dram_buffer, True)
    if len(result_vec) != 1:
        print("Error: Expected result vector size of 1, got", len(result_vec))
        mesh_device.close()
        return False
    if result_vec[0] != 21:
        print("Error: Expected result of 21, got", result_vec[0])
        mesh_device.close()
        return False

    print("Success: Result is", result_vec[0])
    mesh_device.close()
    return True


if __name__ == "__main__":
    main()
