"""matmul_multicore_reuse_mcast (tt-metal programming example): the block matmul of matmul_multicore_reuse, with
the left column of cores reading in0 blocks from DRAM and multicasting them along their rows, and the top row
reading in1 blocks and multicasting them down their columns. At its own size (3584x768x3072) it takes 8 x 7 of
an 8x8 grid (56 cores, 16 x 12 output tiles each); PCC > 0.98."""

from tensix.examples.metal.matmul.matmul_common.bmm_op import (
    block_matmul_setup,
    get_core_range,
    get_large_matmul_params,
    random_inputs,
    writer_args,
)

from tensix.metal import *

OVERRIDE_KERNEL_PREFIX = "../../"
READER = OVERRIDE_KERNEL_PREFIX + "matmul/matmul_common/kernels/dataflow/reader_bmm_tile_layout_in0_{}_in1_{}.py"


def matmul_multicore_reuse_mcast(a, b, output, bcast_batch: bool, m: int, n: int, k: int, batch: int,
                                 mesh_device) -> None:
    cq = mesh_device.mesh_command_queue()
    workload = distributed.MeshWorkload()
    device_range = distributed.MeshCoordinateRange(mesh_device.shape())
    program = Program()

    cb_data_format = DataFormat.Float16_b
    math_fidelity = MathFidelity.HiFi4
    single_tile_size = tile_size(cb_data_format)
    compute_with_storage_grid_size = mesh_device.compute_with_storage_grid_size()
    num_cores_x, num_cores_y = compute_with_storage_grid_size.x, compute_with_storage_grid_size.y
    mt, kt, nt = m // constants.TILE_HEIGHT, k // constants.TILE_WIDTH, n // constants.TILE_WIDTH

    in0_block_w = 2
    per_core_m, per_core_n, out_subblock_h, out_subblock_w = get_large_matmul_params(mt, nt, num_cores_y,
                                                                                     num_cores_x, in0_block_w)
    num_blocks_y, num_blocks_x = mt // per_core_m, nt // per_core_n
    num_cores_c, num_cores_r = get_core_range(num_blocks_y, num_blocks_x, num_cores_y, num_cores_x)
    x0, y0 = 0, 0
    all_cores = CoreRange((x0, y0), (x0 + num_cores_c - 1, y0 + num_cores_r - 1))
    left_column = CoreRange((x0, y0), (x0, y0 + num_cores_r - 1))
    all_except_left_column = CoreRange((x0 + 1, y0), (x0 + num_cores_c - 1, y0 + num_cores_r - 1))
    in0_sender_in1_sender = CoreRange((x0, y0), (x0, y0))
    in0_sender_in1_receiver = CoreRange((x0, y0 + 1), (x0, y0 + num_cores_r - 1))
    in0_receiver_in1_sender = CoreRange((x0 + 1, y0), (x0 + num_cores_c - 1, y0))
    in0_receiver_in1_receiver = CoreRange((x0 + 1, y0 + 1), (x0 + num_cores_c - 1, y0 + num_cores_r - 1))

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

    def reader(cores, in0: str, in1: str, noc) -> int:
        return CreateKernel(program, READER.format(in0, in1), cores,
                            DataMovementConfig(processor=DataMovementProcessor.RISCV_1, noc=noc,
                                               compile_args=reader_compile_time_args))

    mm_reader_in0_sender_in1_sender_id = reader(in0_sender_in1_sender, "sender", "sender", NOC.RISCV_0_default)
    mm_reader_in0_sender_in1_receiver_id = reader(in0_sender_in1_receiver, "sender", "receiver", NOC.RISCV_0_default)
    mm_reader_in0_receiver_in1_sender_id = reader(in0_receiver_in1_sender, "receiver", "sender", NOC.RISCV_1_default)
    mm_reader_in0_receiver_in1_receiver_id = reader(in0_receiver_in1_receiver, "receiver", "receiver",
                                                    NOC.RISCV_1_default)
    writer = OVERRIDE_KERNEL_PREFIX + "matmul/matmul_common/kernels/dataflow/writer_bmm_tile_layout.py"
    unary_writer_kernel_noc0_id = CreateKernel(
        program, writer, all_except_left_column,
        DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_0_default,
                           compile_args=writer_compile_time_args))
    unary_writer_kernel_noc1_id = CreateKernel(
        program, writer, left_column,
        DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOC.RISCV_1_default,
                           compile_args=writer_compile_time_args))
    CreateKernel(program, OVERRIDE_KERNEL_PREFIX + "matmul/matmul_common/kernels/compute/bmm_large_block_zm.py",
                 all_cores, ComputeConfig(math_fidelity=math_fidelity, compile_args=compute_kernel_args))

    in0_mcast_sender_semaphore_id = CreateSemaphore(program, all_cores, INVALID)
    in0_mcast_receiver_semaphore_id = CreateSemaphore(program, all_cores, INVALID)
    in1_mcast_sender_semaphore_id = CreateSemaphore(program, all_cores, INVALID)
    in1_mcast_receiver_semaphore_id = CreateSemaphore(program, all_cores, INVALID)

    for core_idx_y in range(num_cores_r):
        for core_idx_x in range(num_cores_c):
            core = CoreCoord(x0 + core_idx_x, y0 + core_idx_y)
            left_core_physical = mesh_device.worker_core_from_logical_core(CoreCoord(x0, core.y))
            left_core_plus_one_physical = mesh_device.worker_core_from_logical_core(CoreCoord(x0 + 1, core.y))
            right_core_physical = mesh_device.worker_core_from_logical_core(CoreCoord(x0 + num_cores_c - 1, core.y))
            top_core_physical = mesh_device.worker_core_from_logical_core(CoreCoord(core.x, y0))
            top_core_plus_one_physical = mesh_device.worker_core_from_logical_core(CoreCoord(core.x, y0 + 1))
            bottom_core_physical = mesh_device.worker_core_from_logical_core(CoreCoord(core.x, y0 + num_cores_r - 1))

            mm_reader_args = [
                src0_dram_buffer.address(), kt * per_core_m * core_idx_y, 1, kt, in0_block_w,
                in0_block_w, per_core_m, in0_block_w * per_core_m,
                src1_dram_buffer.address(), per_core_n * core_idx_x, 1, nt, in0_block_w * nt,
                per_core_n, in0_block_w, per_core_n * in0_block_w,
                kt // in0_block_w,
                right_core_physical.x, right_core_physical.y, left_core_plus_one_physical.x,
                left_core_plus_one_physical.y, num_cores_c - 1, left_core_physical.x, left_core_physical.y,
                in0_mcast_sender_semaphore_id, in0_mcast_receiver_semaphore_id,
                bottom_core_physical.x, bottom_core_physical.y, top_core_plus_one_physical.x,
                top_core_plus_one_physical.y, num_cores_r - 1, top_core_physical.x, top_core_physical.y,
                in1_mcast_sender_semaphore_id, in1_mcast_receiver_semaphore_id,
                mt * kt, kt * nt, batch, int(bcast_batch)]
            out_args = writer_args(dst_dram_buffer.address(), core_idx_x, core_idx_y, per_core_m, per_core_n, mt, nt,
                                   out_subblock_h, out_subblock_w, batch)
            if core_idx_x == 0 and core_idx_y == 0:
                SetRuntimeArgs(program, mm_reader_in0_sender_in1_sender_id, core, mm_reader_args)
                SetRuntimeArgs(program, unary_writer_kernel_noc1_id, core, out_args)
            elif core_idx_x == 0:
                SetRuntimeArgs(program, mm_reader_in0_sender_in1_receiver_id, core, mm_reader_args)
                SetRuntimeArgs(program, unary_writer_kernel_noc1_id, core, out_args)
            elif core_idx_y == 0:
                SetRuntimeArgs(program, mm_reader_in0_receiver_in1_sender_id, core, mm_reader_args)
                SetRuntimeArgs(program, unary_writer_kernel_noc0_id, core, out_args)
            else:
                SetRuntimeArgs(program, mm_reader_in0_receiver_in1_receiver_id, core, mm_reader_args)
                SetRuntimeArgs(program, unary_writer_kernel_noc0_id, core, out_args)

    distributed.EnqueueWriteMeshBuffer(cq, src0_dram_buffer, a, False)
    distributed.EnqueueWriteMeshBuffer(cq, src1_dram_buffer, b, False)
    workload.add_program(device_range, program)
    distributed.EnqueueMeshWorkload(cq, workload, False)
    distributed.EnqueueReadMeshBuffer(cq, output, dst_dram_buffer, True)


def main(device=None, m: int = 3584, n: int = 3072, k: int = 768, verbose: bool = False) -> float:
    """Run at (m, n, k) (tt-metal's tutorial size by default; its CI size is 2048 x 1024 x 512); verbose: print
    the emulated cycles."""
    mesh_device = distributed.MeshDevice.create_unit_mesh(0, device)
    src0_vec, src1_vec, golden_vec = random_inputs(m, n, k, seed=5)
    result_vec = np.zeros(m * n, dtype=bfloat16)
    matmul_multicore_reuse_mcast(src0_vec, src1_vec, result_vec, False, m, n, k, 1, mesh_device)
    result_vec = untilize_nfaces(result_vec, m, n)
    pearson = check_bfloat16_vector_pcc(golden_vec, result_vec)
    if verbose:
        run = mesh_device.last_run
        print(f"{m}x{k}x{n} on {mesh_device.arch()}: {run.cycles} cycles, {len(run.stats['cores'])} cores")
    mesh_device.close()
    return pearson


if __name__ == "__main__":
    pcc = main(verbose=True)
    print(f"Metalium vs Golden -- PCC = {pcc}")
    assert pcc > 0.98, f"PCC not high enough. Result PCC: {pcc}, Expected PCC: 0.98"
