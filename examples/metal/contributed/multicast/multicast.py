"""contributed/multicast (tt-metal programming example): core (0,0) reads an identity tile from DRAM and
multicasts it to cores (1,0)..(3,0), which write their copy back to DRAM; every copy must equal the tile."""

import os
import sys

from tensix.metal import *  # noqa: F403

OVERRIDE_KERNEL_PREFIX = ""


def MakeBufferBFP16(mesh_device, n_tiles, sram):
    tile_size = np.dtype(bfloat16).itemsize * TILE_WIDTH * TILE_HEIGHT
    page_tiles = n_tiles if sram else 1
    device_local_config = distributed.DeviceLocalBufferConfig(
        page_size=page_tiles * tile_size,
        buffer_type=(BufferType.L1 if sram else BufferType.DRAM),
        bottom_up=False)
    buffer_config = distributed.ReplicatedBufferConfig(size=tile_size * n_tiles)
    return distributed.MeshBuffer.create(buffer_config, device_local_config, mesh_device)


def MakeCircularBufferBFP16(program, core, cb, n_tiles):
    tile_size = np.dtype(bfloat16).itemsize * TILE_WIDTH * TILE_HEIGHT
    return CreateCircularBuffer(program, core, CircularBufferConfig(n_tiles * tile_size, {cb: DataFormat.Float16_b})
                                .set_page_size(cb, tile_size))


def VerifyDPRINTEnvironment(program_path):
    fmt.print("\n=========== DPRINT ENVIRONMENT CHECK ===========\n")
    dprint_env = os.environ.get("TT_METAL_DPRINT_CORES")
    if not dprint_env:
        fmt.print(stderr, "[WARNING] TT_METAL_DPRINT_CORES is not set.\n")
        fmt.print(stderr, "          Device-side DPRINT output will not appear.\n")
        fmt.print(stderr, "          To enable output, run:\n")
        fmt.print(stderr, "              export TT_METAL_DPRINT_CORES='(0,0)-(3,0)'\n")
    else:
        fmt.print("[INFO] TT_METAL_DPRINT_CORES is set to: {}\n", dprint_env)
    fmt.print("================================================\n\n")


def verify_tiles(golden_tile, received_tiles, num_tiles, verbose_verify):
    fmt.print("\n=========== MULTICASTED TILE VERIFICATION ===========\n")

    def tile_elem_idx(tile, i, j):
        return tile * TILE_WIDTH * TILE_HEIGHT + i * TILE_WIDTH + j

    def print_tile(label, data, tile_num=None):
        if tile_num is not None:
            fmt.print("\n[{} TILE {}]\n", label, tile_num + 1)
        else:
            fmt.print("\n[{} TILE]\n", label)
        for i in range(TILE_HEIGHT):
            for j in range(TILE_WIDTH):
                idx = tile_elem_idx(tile_num, i, j) if tile_num is not None else i * TILE_WIDTH + j
                fmt.print("{} ", float(data[idx]))
            fmt.print("\n")

    if verbose_verify:
        print_tile("ORIGINAL", golden_tile)

    all_match = True
    for tile in range(num_tiles):
        tile_match = True
        if verbose_verify:
            print_tile("RECEIVED", received_tiles, tile)
        for i in range(TILE_HEIGHT):
            if not tile_match:
                break
            for j in range(TILE_WIDTH):
                idx = tile_elem_idx(tile, i, j)
                received = float(received_tiles[idx])
                golden = float(golden_tile[i * TILE_WIDTH + j])
                if received != golden:
                    tile_match = False
                    break
        if tile_match:
            fmt.print("[PASS] Receiver tile {} matches the golden tile.\n", tile + 1)
        else:
            fmt.print("[FAIL] Receiver tile {} does not match the golden tile.\n", tile + 1)
        all_match &= tile_match
    if all_match:
        fmt.print("[PASS] All {} receiver tiles match the golden tile.\n", num_tiles)
    else:
        fmt.print("[FAIL] One or more tiles did not match the golden tile.\n")
    fmt.print("=====================================================\n\n")
    return all_match  # tt-metal's prints only; returned for the check


def main(device=None, device_id: int = 0) -> bool:
    mesh_device = distributed.MeshDevice.create_unit_mesh(device_id, device)
    cq = mesh_device.mesh_command_queue()
    device_range = distributed.MeshCoordinateRange(mesh_device.shape())

    workload = distributed.MeshWorkload()
    program = CreateProgram()
    device_coord = distributed.MeshCoordinate(0, 0)  # noqa: F841

    all_cores_logical = CoreRange((0, 0), (3, 0))
    sender_core_logical = CoreCoord(0, 0)
    receiver_cores_logical = CoreRange((1, 0), (3, 0))
    sender_core_physical = mesh_device.worker_core_from_logical_core(sender_core_logical)
    receiver_cores_physical = CoreRange(
        mesh_device.worker_core_from_logical_core(receiver_cores_logical.start_coord),
        mesh_device.worker_core_from_logical_core(receiver_cores_logical.end_coord))
    sender_core = sender_core_physical
    receiver_core_start = receiver_cores_physical.start_coord
    receiver_core_end = receiver_cores_physical.end_coord
    num_dests = receiver_cores_logical.size()

    sender = CreateSemaphore(program, all_cores_logical, 0)
    receiver = CreateSemaphore(program, all_cores_logical, 0)

    num_tiles = 1
    dram_bank_id = 0
    src0_dram_buffer = MakeBufferBFP16(mesh_device, num_tiles, False)
    output_dram_buffer = MakeBufferBFP16(mesh_device, num_dests * num_tiles, False)
    MakeCircularBufferBFP16(program, all_cores_logical, CBIndex.c_0, num_tiles)
    MakeCircularBufferBFP16(program, all_cores_logical, CBIndex.c_16, num_tiles)

    DataMovementConfigIn = DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default)
    writer_compile_time_args = []
    TensorAccessorArgs(output_dram_buffer).append_to(writer_compile_time_args)
    DataMovementConfigOut = DataMovementConfig(
        processor=DataMovementProcessor.RISCV_1,
        noc=NOC.RISCV_1_default,
        compile_args=writer_compile_time_args)

    coordinator_kernel_id = CreateKernel(
        program,
        "tt_metal/programming_examples/contributed/multicast/kernels/dataflow/coordinator_kernel.cpp",
        sender_core_logical,
        DataMovementConfigIn)

    inbound_kernel_id = CreateKernel(
        program,
        "tt_metal/programming_examples/contributed/multicast/kernels/dataflow/inbound_kernel.cpp",
        receiver_cores_logical,
        DataMovementConfigIn)
    outbound_kernel_id = CreateKernel(
        program,
        "tt_metal/programming_examples/contributed/multicast/kernels/dataflow/outbound_kernel.cpp",
        receiver_cores_logical,
        DataMovementConfigOut)

    compute_kernel_args = []
    CreateKernel(
        program,
        "tt_metal/programming_examples/contributed/multicast/kernels/compute/void_compute_kernel.cpp",
        receiver_cores_logical,
        ComputeConfig(
            math_fidelity=MathFidelity.HiFi4,
            fp32_dest_acc_en=False,
            math_approx_mode=False,
            compile_args=compute_kernel_args))

    identity_tile = create_identity_matrix(TILE_WIDTH, TILE_HEIGHT, TILE_WIDTH)
    distributed.EnqueueWriteMeshBuffer(cq, src0_dram_buffer, identity_tile)

    SetRuntimeArgs(
        program,
        coordinator_kernel_id,
        sender_core_logical,
        [int(receiver_core_start.x),
         int(receiver_core_start.y),
         int(receiver_core_end.x),
         int(receiver_core_end.y),
         sender,
         receiver,
         dram_bank_id,
         src0_dram_buffer.address(),
         np.dtype(bfloat16).itemsize * TILE_HW,
         num_dests])
    SetRuntimeArgs(
        program,
        inbound_kernel_id,
        receiver_cores_logical,
        [int(sender_core.x), int(sender_core.y), sender, receiver])

    tile_index = 0
    for core in receiver_cores_logical:
        SetRuntimeArgs(program, outbound_kernel_id, core, [output_dram_buffer.address(), int(tile_index)])
        tile_index += 1

    VerifyDPRINTEnvironment(sys.argv[0])
    fmt.print("Launching program\n")
    fmt.print("Hello, Core ({}, {}) on Device {}, please multicast the tile to your neighbors.\n",
              sender_core_logical.x, sender_core_logical.y, device_id)
    workload.add_program(device_range, program)
    distributed.EnqueueMeshWorkload(cq, workload, False)
    fmt.print("Waiting until program finishes\n")
    distributed.Finish(cq)
    fmt.print("Thank you, Core ({}, {}) on Device {}, for the multicast.\n",
              sender_core_logical.x, sender_core_logical.y, device_id)

    received_tiles = np.zeros(num_dests * TILE_HW, dtype=bfloat16)
    distributed.EnqueueReadMeshBuffer(cq, received_tiles, output_dram_buffer, True)
    verbose_verify = False
    ok = verify_tiles(identity_tile, received_tiles, num_dests, verbose_verify)

    mesh_device.close()
    return ok


if __name__ == "__main__":
    print("Test Passed" if main() else "Test Failed")
