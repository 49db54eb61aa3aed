"""matmul_single_core (tt-metal programming example): C = A @ B (bf16, 640x640x640) on one core, one output tile
at a time, with PCC > 0.97 against a host matmul."""

from tensix.examples.metal.matmul.matmul_common.bmm_op import golden_matmul

from tensix.metal import *

OVERRIDE_KERNEL_PREFIX = "../../"


def matmul_single_core(a, b, output, m: int, n: int, k: int, mesh_device) -> None:
    cq = mesh_device.mesh_command_queue()
    workload = distributed.MeshWorkload()
    device_range = distributed.MeshCoordinateRange(mesh_device.shape())
    program = Program()
    core = CoreCoord(0, 0)

    mt, kt, nt = m // constants.TILE_HEIGHT, k // constants.TILE_WIDTH, n // constants.TILE_WIDTH
    cb_data_format = DataFormat.Float16_b
    single_tile_size = np.dtype(bfloat16).itemsize * constants.TILE_HW
    dram_config = distributed.DeviceLocalBufferConfig(page_size=single_tile_size, buffer_type=BufferType.DRAM)
    src0_dram_buffer = distributed.MeshBuffer.create(
        distributed.ReplicatedBufferConfig(size=single_tile_size * mt * kt), dram_config, mesh_device)
    src1_dram_buffer = distributed.MeshBuffer.create(
        distributed.ReplicatedBufferConfig(size=single_tile_size * nt * kt), dram_config, mesh_device)
    dst_dram_buffer = distributed.MeshBuffer.create(
        distributed.ReplicatedBufferConfig(size=single_tile_size * mt * nt), dram_config, mesh_device)

    num_input_tiles = num_output_tiles = 2
    for index, tiles in ((CBIndex.c_0, num_input_tiles), (CBIndex.c_1, num_input_tiles),
                         (CBIndex.c_16, num_output_tiles)):
        CreateCircularBuffer(program, core, CircularBufferConfig(tiles * single_tile_size, {index: cb_data_format})
                             .set_page_size(index, single_tile_size))

    reader_compile_time_args = []
    TensorAccessorArgs(src0_dram_buffer).append_to(reader_compile_time_args)
    TensorAccessorArgs(src1_dram_buffer).append_to(reader_compile_time_args)
    writer_compile_time_args = []
    TensorAccessorArgs(dst_dram_buffer).append_to(writer_compile_time_args)
    reader_id = CreateKernel(
        program, OVERRIDE_KERNEL_PREFIX + "matmul/matmul_single_core/kernels/dataflow/reader_single_core_mm.py", core,
        DataMovementConfig(processor=DataMovementProcessor.RISCV_1, noc=NOC.RISCV_1_default,
                           compile_args=reader_compile_time_args))
    writer_id = CreateKernel(
        program, OVERRIDE_KERNEL_PREFIX + "matmul/matmul_single_core/kernels/dataflow/writer_single_core_mm.py", core,
        DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default,
                           compile_args=writer_compile_time_args))
    compute_compile_time_args = [mt, kt, nt]
    CreateKernel(program, OVERRIDE_KERNEL_PREFIX + "matmul/matmul_single_core/kernels/compute/mm.py", core,
                 ComputeConfig(math_fidelity=MathFidelity.HiFi4, compile_args=compute_compile_time_args))

    SetRuntimeArgs(program, reader_id, core, [src0_dram_buffer.address(), src1_dram_buffer.address(), mt, kt, nt])
    SetRuntimeArgs(program, writer_id, core, [dst_dram_buffer.address(), mt, nt])

    distributed.EnqueueWriteMeshBuffer(cq, src0_dram_buffer, a, False)
    distributed.EnqueueWriteMeshBuffer(cq, src1_dram_buffer, b, False)
    workload.add_program(device_range, program)
    distributed.EnqueueMeshWorkload(cq, workload, False)
    distributed.EnqueueReadMeshBuffer(cq, output, dst_dram_buffer, True)


def main(device=None, m: int = 640, n: int = 640, k: int = 640) -> float:
    mesh_device = distributed.MeshDevice.create_unit_mesh(0, device)
    rng = np.random.default_rng(2)
    src0_vec = rng.uniform(-0.5, 0.5, m * k).astype(bfloat16)
    src1_vec = rng.uniform(-0.5, 0.5, k * n).astype(bfloat16)
    golden_vec = golden_matmul(src0_vec, src1_vec, m, n, k)
    src0_vec = tilize_nfaces(src0_vec, m, k)
    src1_vec = tilize_nfaces(src1_vec, k, n)
    result_vec = np.zeros(m * n, dtype=bfloat16)
    matmul_single_core(src0_vec, src1_vec, result_vec, m, n, k, mesh_device)
    result_vec = untilize_nfaces(result_vec, m, n)
    pearson = check_bfloat16_vector_pcc(golden_vec, result_vec)
    mesh_device.close()
    return pearson


if __name__ == "__main__":
    pcc = main()
    print(f"Metalium vs Golden -- PCC = {pcc}")
    assert pcc > 0.97, f"PCC not high enough. Result PCC: {pcc}, Expected PCC: 0.97"
