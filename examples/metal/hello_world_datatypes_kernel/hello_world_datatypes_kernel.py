"""hello_world_datatypes_kernel (tt-metal programming example): a data movement kernel reads floats (1.23) from a
DRAM buffer at the NoC coordinates its tt-metal kernel hard-codes, (1, 0), which are a DRAM bank on grayskull_e150
only (on Wormhole they are an Ethernet tile: NocError); returns core (0, 0)'s DPRINT lines as (processor, text)."""

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
    mesh_device = distributed.MeshDevice.create_unit_mesh(0, device)
    cq = mesh_device.mesh_command_queue()
    workload = distributed.MeshWorkload()
    device_range = distributed.MeshCoordinateRange(mesh_device.shape())
    program = CreateProgram()

    buffer_size = 2 * 1024
    dram_config = distributed.DeviceLocalBufferConfig(page_size=buffer_size, buffer_type=BufferType.DRAM)
    buffer_config = distributed.ReplicatedBufferConfig(size=buffer_size)
    dram_buffer = distributed.MeshBuffer.create(buffer_config, dram_config, mesh_device)

    src0_cb_index = CBIndex.c_0
    cb_src0_config = CircularBufferConfig(buffer_size, {src0_cb_index: DataFormat.Float16_b}).set_page_size(
        src0_cb_index, buffer_size)
    CreateCircularBuffer(program, core, cb_src0_config)

    data_reader_kernel_id = CreateKernel(
        program,
        OVERRIDE_KERNEL_PREFIX + "hello_world_datatypes_kernel/kernels/dataflow/float_dataflow_kernel.py",
        core,
        DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default))

    init_data = np.full(buffer_size // np.dtype(np.float32).itemsize, 1.23, dtype=np.float32)
    distributed.EnqueueWriteMeshBuffer(cq, dram_buffer, init_data, False)

    SetRuntimeArgs(program, data_reader_kernel_id, core, [dram_buffer.address()])
    workload.add_program(device_range, program)
    distributed.EnqueueMeshWorkload(cq, workload, False)

    print("Hello, Core {0, 0} on Device 0, please handle the data.")

    distributed.Finish(cq)
    print("Thank you, Core {0, 0} on Device 0, for handling the data.")
    mesh_device.close()
    return [(proc, text) for _, proc, text in mesh_device.dprint.get((0, 0), [])]


if __name__ == "__main__":
    main()
