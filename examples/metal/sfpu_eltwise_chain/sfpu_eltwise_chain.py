"""sfpu_eltwise_chain (tt-metal programming example): softplus of one bf16 tile as a chain of SFPU ops (exp, add,
log) in DST; PCC against the host's golden > 0.999. Returns the PCC."""

from tensix.metal import *

OVERRIDE_KERNEL_PREFIX = "../"


def golden_softplus(src_vec, result_vec):
    TT_FATAL(len(src_vec) == len(result_vec), "Input and output vectors must be the same size")
    for i in range(len(src_vec)):
        result_vec[i] = bfloat16(np.log1p(np.exp(float(src_vec[i]))))


def check_bfloat16_vector_pcc(vec_a, vec_b):
    x_mean = np.float32(0.0)
    y_mean = np.float32(0.0)

    for i in range(len(vec_a)):
        x_mean += np.float32(vec_a[i])
        y_mean += np.float32(vec_b[i])

    x_mean /= len(vec_a)
    y_mean /= len(vec_b)

    covariance = np.float32(0.0)
    x_stddev = np.float32(0.0)
    y_stddev = np.float32(0.0)

    for i in range(len(vec_a)):
        x_diff = np.float32(vec_a[i]) - x_mean
        y_diff = np.float32(vec_b[i]) - y_mean

        covariance += x_diff * y_diff
        x_stddev += x_diff * x_diff
        y_stddev += y_diff * y_diff

    covariance /= len(vec_a)
    x_stddev /= len(vec_a)
    y_stddev /= len(vec_b)

    correlation_coefficient_ = covariance / (np.sqrt(x_stddev) * np.sqrt(y_stddev))
    return correlation_coefficient_


def main(device=None) -> float:
    mesh_device = distributed.MeshDevice.create_unit_mesh(0, device)

    cq = mesh_device.mesh_command_queue()
    workload = distributed.MeshWorkload()
    device_range = distributed.MeshCoordinateRange(mesh_device.shape())
    program = CreateProgram()

    core = CoreCoord(0, 0)

    rng = np.random.default_rng(1)

    src_vec = rng.uniform(0.0, 1.0, constants.TILE_HW).astype(bfloat16)

    golden_vec = np.zeros(constants.TILE_HW, dtype=bfloat16)
    golden_softplus(src_vec, golden_vec)

    src_vec = tilize_nfaces(src_vec, constants.TILE_WIDTH, constants.TILE_HEIGHT)

    single_tile_size = np.dtype(bfloat16).itemsize * constants.TILE_HEIGHT * constants.TILE_WIDTH
    dram_config = distributed.DeviceLocalBufferConfig(page_size=single_tile_size, buffer_type=BufferType.DRAM)
    buffer_config = distributed.ReplicatedBufferConfig(size=np.dtype(bfloat16).itemsize * len(src_vec))
    src_dram_buffer = distributed.MeshBuffer.create(buffer_config, dram_config, mesh_device)
    dst_dram_buffer = distributed.MeshBuffer.create(buffer_config, dram_config, mesh_device)

    distributed.EnqueueWriteMeshBuffer(cq, src_dram_buffer, src_vec, False)

    src_cb_index = CBIndex.c_0
    cb_src_config = CircularBufferConfig(single_tile_size, {src_cb_index: DataFormat.Float16_b}).set_page_size(
        src_cb_index, single_tile_size)
    CreateCircularBuffer(program, core, cb_src_config)

    ones_cb_index = CBIndex.c_1
    cb_ones_config = CircularBufferConfig(single_tile_size, {ones_cb_index: DataFormat.Float16_b}).set_page_size(
        ones_cb_index, single_tile_size)
    CreateCircularBuffer(program, core, cb_ones_config)

    result_cb_index = CBIndex.c_2
    cb_result_config = CircularBufferConfig(single_tile_size, {result_cb_index: DataFormat.Float16_b}).set_page_size(
        result_cb_index, single_tile_size)
    CreateCircularBuffer(program, core, cb_result_config)

    reader_compile_time_args = [src_cb_index, ones_cb_index]
    TensorAccessorArgs(src_dram_buffer).append_to(reader_compile_time_args)
    reader_kernel_id = CreateKernel(
        program,
        OVERRIDE_KERNEL_PREFIX + "sfpu_eltwise_chain/kernels/dataflow/reader.py",
        core,
        ReaderDataMovementConfig(reader_compile_time_args))
    writer_compile_time_args = [result_cb_index]
    TensorAccessorArgs(dst_dram_buffer).append_to(writer_compile_time_args)
    writer_kernel_id = CreateKernel(
        program,
        OVERRIDE_KERNEL_PREFIX + "sfpu_eltwise_chain/kernels/dataflow/writer.py",
        core,
        WriterDataMovementConfig(writer_compile_time_args))

    compute_compile_time_args = [src_cb_index, ones_cb_index, result_cb_index]
    CreateKernel(
        program,
        OVERRIDE_KERNEL_PREFIX + "sfpu_eltwise_chain/kernels/compute/compute.py",
        core,
        ComputeConfig(compile_args=compute_compile_time_args))

    SetRuntimeArgs(program, reader_kernel_id, core, [src_dram_buffer.address()])
    SetRuntimeArgs(program, writer_kernel_id, core, [dst_dram_buffer.address()])

    workload.add_program(device_range, program)
    distributed.EnqueueMeshWorkload(cq, workload, False)
    distributed.Finish(cq)

    result_vec = np.zeros(constants.TILE_HW, dtype=bfloat16)
    distributed.EnqueueReadMeshBuffer(cq, result_vec, dst_dram_buffer, True)

    result_vec = untilize_nfaces(result_vec, constants.TILE_WIDTH, constants.TILE_HEIGHT)

    pearson = check_bfloat16_vector_pcc(golden_vec, result_vec)
    print(f"Metalium vs Golden -- PCC = {pearson}")
    TT_FATAL(pearson > 0.999, "PCC not high enough. Result PCC: {}, Expected PCC: 0.999", pearson)

    mesh_device.close()
    return float(pearson)


if __name__ == "__main__":
    main()
