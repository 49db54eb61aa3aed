"""distributed/3_distributed_eltwise_add (tt-metal programming example): a + 0.5 over a 2x4 mesh, one 32x32 shard
of each DRAM MeshBuffer per device, each device running contributed/vecadd's kernels; every value must be
is_close to the golden."""

from tensix.metal import *  # noqa: F403
from tensix.metal.distributed import *  # noqa: F403


def CreateEltwiseAddProgram(a, b, c, tile_size_bytes, num_tiles):
    program = CreateProgram()
    target_tensix_core = CoreRange(CoreCoord(0, 0))

    src0_cb_index = CBIndex.c_0
    num_input_tiles = 1
    cb_src0_config = CircularBufferConfig(num_input_tiles * tile_size_bytes, {src0_cb_index: DataFormat.Float16_b}) \
        .set_page_size(src0_cb_index, tile_size_bytes)
    tt_metal.CreateCircularBuffer(program, target_tensix_core, cb_src0_config)

    src1_cb_index = CBIndex.c_1
    cb_src1_config = CircularBufferConfig(num_input_tiles * tile_size_bytes, {src1_cb_index: DataFormat.Float16_b}) \
        .set_page_size(src1_cb_index, tile_size_bytes)
    tt_metal.CreateCircularBuffer(program, target_tensix_core, cb_src1_config)

    output_cb_index = CBIndex.c_16
    num_output_tiles = 1
    cb_output_config = CircularBufferConfig(num_output_tiles * tile_size_bytes,
                                            {output_cb_index: DataFormat.Float16_b}) \
        .set_page_size(output_cb_index, tile_size_bytes)
    tt_metal.CreateCircularBuffer(program, target_tensix_core, cb_output_config)

    reader_compile_time_args = []
    TensorAccessorArgs(a.get_reference_buffer()).append_to(reader_compile_time_args)
    TensorAccessorArgs(b.get_reference_buffer()).append_to(reader_compile_time_args)
    reader = CreateKernel(
        program,
        "tt_metal/programming_examples/contributed/vecadd/kernels/interleaved_tile_read.cpp",
        target_tensix_core,
        DataMovementConfig(
            processor=DataMovementProcessor.RISCV_1,
            noc=NOC.RISCV_1_default,
            compile_args=reader_compile_time_args))

    writer_compile_time_args = []
    TensorAccessorArgs(c.get_reference_buffer()).append_to(writer_compile_time_args)
    writer = CreateKernel(
        program,
        "tt_metal/programming_examples/contributed/vecadd/kernels/tile_write.cpp",
        target_tensix_core,
        DataMovementConfig(
            processor=DataMovementProcessor.RISCV_0,
            noc=NOC.RISCV_0_default,
            compile_args=writer_compile_time_args))

    compute = CreateKernel(
        program,
        "tt_metal/programming_examples/contributed/vecadd/kernels/add.cpp",
        target_tensix_core,
        ComputeConfig(
            math_fidelity=MathFidelity.HiFi4,
            fp32_dest_acc_en=False,
            math_approx_mode=False,
            compile_args=[],
            defines={"ELTWISE_OP": "add_tiles", "ELTWISE_OP_TYPE": "EltwiseBinaryType::ELWADD"}))

    SetRuntimeArgs(program, reader, target_tensix_core, [a.address(), b.address(), num_tiles])
    SetRuntimeArgs(program, writer, target_tensix_core, [c.address(), num_tiles])
    SetRuntimeArgs(program, compute, target_tensix_core, [num_tiles])

    return program


def main(device=None) -> bool:
    mesh_device = MeshDevice.create(MeshDeviceConfig(MeshShape(2, 4)), device=device)

    shard_shape = Shape2D(32, 32)
    distributed_buffer_shape = Shape2D(shard_shape.height() * mesh_device.num_rows(),
                                       shard_shape.width() * mesh_device.num_cols())
    num_tiles = 1
    tile_size_bytes = tile_size(DataFormat.Float16_b)
    distributed_buffer_size_bytes = mesh_device.num_rows() * mesh_device.num_cols() * tile_size_bytes

    local_buffer_config = DeviceLocalBufferConfig(page_size=tile_size_bytes, buffer_type=BufferType.DRAM,
                                                  bottom_up=False)
    distributed_buffer_config = tt.tt_metal.distributed.ShardedBufferConfig(
        global_size=distributed_buffer_size_bytes,
        global_buffer_shape=distributed_buffer_shape,
        shard_shape=shard_shape,
        shard_orientation=ShardOrientation.ROW_MAJOR)

    a = MeshBuffer.create(distributed_buffer_config, local_buffer_config, mesh_device)
    b = MeshBuffer.create(distributed_buffer_config, local_buffer_config, mesh_device)
    c = MeshBuffer.create(distributed_buffer_config, local_buffer_config, mesh_device)

    val_to_add = 0.5
    a_data = create_random_vector_of_bfloat16(distributed_buffer_size_bytes, 1, 0)
    b_data = create_constant_vector_of_bfloat16(distributed_buffer_size_bytes, val_to_add)

    cq = mesh_device.mesh_command_queue()
    EnqueueWriteMeshBuffer(cq, a, a_data, False)
    EnqueueWriteMeshBuffer(cq, b, b_data, False)

    program = CreateEltwiseAddProgram(a, b, c, tile_size_bytes, num_tiles)

    mesh_workload = MeshWorkload()
    device_range = MeshCoordinateRange(mesh_device.shape())

    AddProgramToMeshWorkload(mesh_workload, program, device_range)
    EnqueueMeshWorkload(cq, mesh_workload, False)

    result_data = [0] * len(a_data)
    EnqueueReadMeshBuffer(cq, result_data, c, True)

    def transform_to_golden(a):
        return bfloat16(float(a) + val_to_add)

    golden_data = pack_bfloat16_vec_into_uint32_vec(unpack_uint32_vec_into_bfloat16_vec(a_data, transform_to_golden))

    print("Partial results: (note we are running under BFP16. It's going to be less accurate)")
    c_bf16 = reinterpret_cast(bfloat16, result_data)
    golden_bf16 = reinterpret_cast(bfloat16, golden_data)

    num_failures = 0
    total_values = len(result_data) * 2
    for i in range(total_values):
        if not is_close(float(c_bf16[i]), float(golden_bf16[i])):
            num_failures += 1

    print(f"Total values: {total_values}")
    print(f"Distributed elementwise add verification: {total_values - num_failures} / {total_values} passed")
    mesh_device.close()
    if num_failures > 0:
        print(f"Distributed elementwise add verification failed with {num_failures} failures")
        TT_THROW("Distributed elementwise add verification failed")
    return True


if __name__ == "__main__":
    print("Test Passed" if main() else "Test Failed")
