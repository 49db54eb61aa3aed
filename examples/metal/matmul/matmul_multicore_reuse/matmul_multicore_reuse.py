"""matmul_multicore_reuse (tt-metal programming example): C = A @ B (bf16) with each core computing a
per_core_M x per_core_N block, reading in0/in1 blocks of in0_block_w tiles and keeping partials in L1 between
k blocks; PCC > 0.97."""

from tensix.examples.metal.matmul.matmul_common.bmm_op import (
    block_matmul_setup,
    get_core_range,
    get_large_matmul_params,
    random_inputs,
    writer_args,
)

from tensix.metal import *

OVERRIDE_KERNEL_PREFIX = "../../"


def matmul_multicore_reuse(a, b, output, bcast_batch: bool, m: int, n: int, k: int, batch: int,
                           mesh_device) -> None:
    cq = mesh_device.mesh_command_queue()
    workload = distributed.MeshWorkload()
    device_range = distributed.MeshCoordinateRange(mesh_device.shape())
    program = Program()

    cb_data_format = DataFormat.Float16_b
    math_fidelity = MathFidelity.HiFi4
    single_tile_size = tile_size(cb_data_format)
    grid = mesh_device.compute_with_storage_grid_size()
    mt, kt, nt = m // constants.TILE_HEIGHT, k // constants.TILE_WIDTH, n // constants.TILE_WIDTH

    in0_block_w = 2
    per_core_m, per_core_n, out_subblock_h, out_subblock_w = get_large_matmul_params(mt, nt, grid.y, grid.x,
                                                                                     in0_block_w)
    num_blocks_y, num_blocks_x = mt // per_core_m, nt // per_core_n
    num_cores_c, num_cores_r = get_core_range(num_blocks_y, num_blocks_x, grid.y, grid.x)
    all_cores = CoreRange((0, 0), (num_cores_c - 1, num_cores_r - 1))

    dram_config = distributed.DeviceLocalBufferConfig(page_size=single_tile_size, buffer_type=BufferType.DRAM)
    src0_dram_buffer = distributed.MeshBuffer.create(
        distributed.ReplicatedBufferConfig(size=single_tile_size * mt * kt), dram_config, mesh_device)
    src1_dram_buffer = distributed.MeshBuffer.create(
        distributed.ReplicatedBufferConfig(size=single_tile_size * nt * kt), dram_config, mesh_device)
    dst_dram_buffer = distributed.MeshBuffer.create(
        distributed.ReplicatedBufferConfig(size=single_tile_size * mt * nt), dram_config, mesh_device)

    compute_kernel_args = block_matmul_setup(program, all_cores, mt, nt, kt, batch, per_core_m, per_core_n,
                                             out_subblock_h, out_subblock_w, in0_block_w, single_tile_size,
                                             cb_data_format)
    reader_compile_time_args = []
    TensorAccessorArgs(src0_dram_buffer).append_to(reader_compile_time_args)
    TensorAccessorArgs(src1_dram_buffer).append_to(reader_compile_time_args)
    writer_compile_time_args = []
    TensorAccessorArgs(dst_dram_buffer).append_to(writer_compile_time_args)
    mm_reader_kernel_id = CreateKernel(
        program, OVERRIDE_KERNEL_PREFIX + "matmul/matmul_common/kernels/dataflow/reader_bmm_tile_layout.py",
        all_cores, DataMovementConfig(processor=DataMovementProcessor.RISCV_1, noc=NOC.RISCV_1_default,
                                      compile_args=reader_compile_time_args))
    unary_writer_kernel_id = CreateKernel(
        program, OVERRIDE_KERNEL_PREFIX + "matmul/matmul_common/kernels/dataflow/writer_bmm_tile_layout.py",
        all_cores, DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default,
                                      compile_args=writer_compile_time_args))
    CreateKernel(program, OVERRIDE_KERNEL_PREFIX + "matmul/matmul_common/kernels/compute/bmm_large_block_zm.py",
                 all_cores, ComputeConfig(math_fidelity=math_fidelity, compile_args=compute_kernel_args))

    for core_idx_y in range(num_cores_r):
        for core_idx_x in range(num_cores_c):
            core = CoreCoord(core_idx_x, core_idx_y)
            mm_reader_args = [
                src0_dram_buffer.address(), kt * per_core_m * core_idx_y, 1, kt, in0_block_w,
                in0_block_w, per_core_m, in0_block_w * per_core_m,
                src1_dram_buffer.address(), per_core_n * core_idx_x, 1, nt, in0_block_w * nt,
                per_core_n, in0_block_w, per_core_n * in0_block_w,
                kt // in0_block_w, mt * kt, kt * nt, batch, int(bcast_batch)]
            SetRuntimeArgs(program, mm_reader_kernel_id, core, mm_reader_args)
            SetRuntimeArgs(program, unary_writer_kernel_id, core, writer_args(
                dst_dram_buffer.address(), core_idx_x, core_idx_y, per_core_m, per_core_n, mt, nt, out_subblock_h,
                out_subblock_w, batch))

    distributed.EnqueueWriteMeshBuffer(cq, src0_dram_buffer, a, False)
    distributed.EnqueueWriteMeshBuffer(cq, src1_dram_buffer, b, False)
    workload.add_program(device_range, program)
    distributed.EnqueueMeshWorkload(cq, workload, False)
    distributed.EnqueueReadMeshBuffer(cq, output, dst_dram_buffer, True)


def main(device=None, m: int = 640, n: int = 640, k: int = 640) -> float:
    mesh_device = distributed.MeshDevice.create_unit_mesh(0, device)
    src0_vec, src1_vec, golden_vec = random_inputs(m, n, k, seed=4)
    result_vec = np.zeros(m * n, dtype=bfloat16)
    matmul_multicore_reuse(src0_vec, src1_vec, result_vec, False, m, n, k, 1, mesh_device)
    result_vec = untilize_nfaces(result_vec, m, n)
    pearson = check_bfloat16_vector_pcc(golden_vec, result_vec)
    mesh_device.close()
    return pearson


if __name__ == "__main__":
    pcc = main()
    print(f"Metalium vs Golden -- PCC = {pcc}")
    assert pcc > 0.97, f"PCC not high enough. Result PCC: {pcc}, Expected PCC: 0.97"
