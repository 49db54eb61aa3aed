"""distributed/4_distributed_trace_and_events (tt-metal programming example): a 2x4 mesh with two command queues
and a trace region; two sub-devices; add on every device (sub-device 1), multiply on the top row and subtract on
the bottom row (sub-device 2), captured in a mesh trace and replayed after inputs are written on the other queue,
the queues ordered by events. Checks every output value exactly."""

from tensix.metal import *  # noqa: F403
from tensix.metal.distributed import *  # noqa: F403


def EltwiseBinaryProgramGenerator(src0_buf, src1_buf, output_buf, sub_device_for_program, num_tiles,
                                  single_tile_size, eltwise_op_index):
    op_id_to_op_define = ["add_tiles", "mul_tiles", "sub_tiles"]
    op_id_to_op_type_define = [
        "EltwiseBinaryType::ELWADD", "EltwiseBinaryType::ELWMUL", "EltwiseBinaryType::ELWSUB"]

    cores_for_program = sub_device_for_program.cores(HalProgrammableCoreType.TENSIX)

    program = Program()

    src0_cb_index = CBIndex.c_0
    num_input_tiles = 2
    cb_src0_config = tt_metal.CircularBufferConfig(num_input_tiles * single_tile_size,
                                                   {src0_cb_index: DataFormat.Float16_b}) \
        .set_page_size(src0_cb_index, single_tile_size)
    tt_metal.CreateCircularBuffer(program, cores_for_program, cb_src0_config)

    src1_cb_index = CBIndex.c_1
    cb_src1_config = tt_metal.CircularBufferConfig(num_input_tiles * single_tile_size,
                                                   {src1_cb_index: DataFormat.Float16_b}) \
        .set_page_size(src1_cb_index, single_tile_size)
    tt_metal.CreateCircularBuffer(program, cores_for_program, cb_src1_config)

    output_cb_index = CBIndex.c_16
    num_output_tiles = 2
    cb_output_config = tt_metal.CircularBufferConfig(
        num_output_tiles * single_tile_size, {output_cb_index: DataFormat.Float16_b}) \
        .set_page_size(output_cb_index, single_tile_size)
    tt_metal.CreateCircularBuffer(program, cores_for_program, cb_output_config)

    reader_compile_time_args = []
    tt.tt_metal.TensorAccessorArgs(src0_buf).append_to(reader_compile_time_args)
    tt.tt_metal.TensorAccessorArgs(src1_buf).append_to(reader_compile_time_args)
    binary_reader_kernel = tt_metal.CreateKernel(
        program,
        "tests/tt_metal/tt_metal/test_kernels/dataflow/reader_dual_8bank.cpp",
        cores_for_program,
        tt_metal.DataMovementConfig(
            processor=tt_metal.DataMovementProcessor.RISCV_1,
            noc=tt_metal.NOC.RISCV_1_default,
            compile_args=reader_compile_time_args))

    writer_compile_time_args = [output_cb_index]
    tt.tt_metal.TensorAccessorArgs(output_buf).append_to(writer_compile_time_args)
    unary_writer_kernel = tt_metal.CreateKernel(
        program,
        "tests/tt_metal/tt_metal/test_kernels/dataflow/writer_unary_8bank.cpp",
        cores_for_program,
        tt_metal.DataMovementConfig(
            processor=tt_metal.DataMovementProcessor.RISCV_0,
            noc=tt_metal.NOC.RISCV_0_default,
            compile_args=writer_compile_time_args))

    compute_kernel_args = []

    binary_defines = {
        "ELTWISE_OP": op_id_to_op_define[eltwise_op_index],
        "ELTWISE_OP_TYPE": op_id_to_op_type_define[eltwise_op_index]}
    eltwise_binary_kernel = tt_metal.CreateKernel(
        program,
        "tests/tt_metal/tt_metal/test_kernels/compute/eltwise_binary.cpp",
        cores_for_program,
        tt_metal.ComputeConfig(compile_args=compute_kernel_args, defines=binary_defines))

    SetRuntimeArgs(program, eltwise_binary_kernel, cores_for_program, [num_tiles, 1])

    reader_args = [src0_buf.address(), 0, num_tiles, src1_buf.address(), 0, num_tiles, 0]

    writer_args = [output_buf.address(), 0, num_tiles]

    SetRuntimeArgs(program, unary_writer_kernel, cores_for_program, writer_args)
    SetRuntimeArgs(program, binary_reader_kernel, cores_for_program, reader_args)

    return program


def main(device=None, num_tiles_per_device: int = 2048) -> bool:
    ADD_OP_ID = 0
    MULTIPLY_OP_ID = 1
    SUBTRACT_OP_ID = 2
    mesh_device = MeshDevice.create(
        MeshDeviceConfig(MeshShape(2, 4)),  # Shape of MeshDevice
        0,  # l1 small size
        16 << 20,  # trace region size
        2,  # num MeshCQs
        DispatchCoreType.ETH, device=device)

    data_movement_cq_id = 1
    workload_cq_id = 0
    data_movement_cq = mesh_device.mesh_command_queue(data_movement_cq_id)
    workload_cq = mesh_device.mesh_command_queue(workload_cq_id)

    # Step 1: two SubDevices, loaded on every device of the mesh
    sub_device_1 = SubDevice([CoreRangeSet(CoreRange((0, 0), (0, 0)))])
    sub_device_2 = SubDevice([CoreRangeSet(CoreRange((1, 1), (1, 1)))])
    sub_device_manager = mesh_device.create_sub_device_manager([sub_device_1, sub_device_2], 3200)
    mesh_device.load_sub_device_manager(sub_device_manager)

    # Step 2: IO buffers and workload parameters
    single_tile_size = np.dtype(bfloat16).itemsize * TILE_HEIGHT * TILE_WIDTH
    num_tiles_in_mesh = num_tiles_per_device * mesh_device.num_devices()

    global_buffer_config = tt.tt_metal.distributed.ShardedBufferConfig(
        global_size=single_tile_size * num_tiles_in_mesh,
        global_buffer_shape=(num_tiles_in_mesh * TILE_WIDTH, TILE_HEIGHT),
        shard_shape=(num_tiles_per_device * TILE_WIDTH, TILE_HEIGHT),
        shard_orientation=ShardOrientation.ROW_MAJOR)
    per_device_buffer_config = DeviceLocalBufferConfig(
        page_size=single_tile_size, buffer_type=tt_metal.BufferType.DRAM, bottom_up=True)
    add_src0_buf = MeshBuffer.create(global_buffer_config, per_device_buffer_config, mesh_device)
    add_src1_buf = MeshBuffer.create(global_buffer_config, per_device_buffer_config, mesh_device)
    add_output_buf = MeshBuffer.create(global_buffer_config, per_device_buffer_config, mesh_device)
    mul_sub_src0_buf = MeshBuffer.create(global_buffer_config, per_device_buffer_config, mesh_device)
    mul_sub_src1_buf = MeshBuffer.create(global_buffer_config, per_device_buffer_config, mesh_device)
    mul_sub_output_buf = MeshBuffer.create(global_buffer_config, per_device_buffer_config, mesh_device)

    # Step 3: workloads
    all_devices = MeshCoordinateRange(mesh_device.shape())
    top_row = MeshCoordinateRange(MeshCoordinate(0, 0), MeshCoordinate(0, mesh_device.num_cols() - 1))
    bottom_row = MeshCoordinateRange(
        MeshCoordinate(mesh_device.num_rows() - 1, 0),
        MeshCoordinate(mesh_device.num_rows() - 1, mesh_device.num_cols() - 1))
    add_program = EltwiseBinaryProgramGenerator(
        add_src0_buf, add_src1_buf, add_output_buf, sub_device_1, num_tiles_per_device, single_tile_size, ADD_OP_ID)
    multiply_program = EltwiseBinaryProgramGenerator(
        mul_sub_src0_buf, mul_sub_src1_buf, mul_sub_output_buf, sub_device_2, num_tiles_per_device,
        single_tile_size, MULTIPLY_OP_ID)
    subtract_program = EltwiseBinaryProgramGenerator(
        mul_sub_src0_buf, mul_sub_src1_buf, mul_sub_output_buf, sub_device_2, num_tiles_per_device,
        single_tile_size, SUBTRACT_OP_ID)
    add_mesh_workload = MeshWorkload()
    multiply_and_subtract_mesh_workload = MeshWorkload()
    add_mesh_workload.add_program(all_devices, add_program)
    multiply_and_subtract_mesh_workload.add_program(top_row, multiply_program)
    multiply_and_subtract_mesh_workload.add_program(bottom_row, subtract_program)

    # Step 4: compile and load the workloads
    EnqueueMeshWorkload(mesh_device.mesh_command_queue(), add_mesh_workload, True)
    EnqueueMeshWorkload(mesh_device.mesh_command_queue(), multiply_and_subtract_mesh_workload, True)
    # Step 5: trace them on the workload queue
    trace_id = mesh_device.begin_mesh_trace(workload_cq)
    EnqueueMeshWorkload(mesh_device.mesh_command_queue(), add_mesh_workload, False)
    EnqueueMeshWorkload(mesh_device.mesh_command_queue(), multiply_and_subtract_mesh_workload, False)
    mesh_device.end_mesh_trace(workload_cq, trace_id)

    # Step 6: inputs
    workload_0_src0_val = 2
    workload_0_src1_val = 3
    workload_1_src0_val = 7
    workload_1_src1_val = 5
    add_src0_vec = create_constant_vector_of_bfloat16(add_src0_buf.size(), workload_0_src0_val)
    add_src1_vec = create_constant_vector_of_bfloat16(add_src1_buf.size(), workload_0_src1_val)
    mul_sub_src0_vec = create_constant_vector_of_bfloat16(mul_sub_src0_buf.size(), workload_1_src0_val)
    mul_sub_src1_vec = create_constant_vector_of_bfloat16(mul_sub_src1_buf.size(), workload_1_src1_val)

    # Step 7: write inputs on MeshCQ1
    EnqueueWriteMeshBuffer(data_movement_cq, add_src0_buf, add_src0_vec)
    EnqueueWriteMeshBuffer(data_movement_cq, add_src1_buf, add_src1_vec)
    EnqueueWriteMeshBuffer(data_movement_cq, mul_sub_src0_buf, mul_sub_src0_vec)
    EnqueueWriteMeshBuffer(data_movement_cq, mul_sub_src1_buf, mul_sub_src1_vec)
    write_event = data_movement_cq.enqueue_record_event()
    workload_cq.enqueue_wait_for_event(write_event)
    # Step 8: run the trace on MeshCQ0
    mesh_device.replay_mesh_trace(workload_cq, trace_id, False)
    trace_event = workload_cq.enqueue_record_event()
    data_movement_cq.enqueue_wait_for_event(trace_event)
    # Step 9: read outputs on MeshCQ1
    add_dst_vec = np.array([], dtype=bfloat16)
    mul_sub_dst_vec = np.array([], dtype=bfloat16)
    EnqueueReadMeshBuffer(data_movement_cq, add_dst_vec, add_output_buf)
    EnqueueReadMeshBuffer(data_movement_cq, mul_sub_dst_vec, mul_sub_output_buf)

    # Step 10: verify
    pass_ = True
    for val in add_dst_vec:
        pass_ &= (float(val) == workload_0_src0_val + workload_0_src1_val)
    for i in range(len(mul_sub_dst_vec)):
        if i < len(mul_sub_dst_vec) // 2:
            pass_ &= (float(mul_sub_dst_vec[i]) == workload_1_src0_val * workload_1_src1_val)
        else:
            pass_ &= (float(mul_sub_dst_vec[i]) == workload_1_src0_val - workload_1_src1_val)
    mesh_device.release_mesh_trace(trace_id)
    if pass_:
        print("Running EltwiseBinary MeshTraces on 2 MeshCQs Passed!")
        return True
    print("Running EltwiseBinary MeshTraces on MeshCQs Failed with Incorrect Outputs!")
    return False


if __name__ == "__main__":
    print("Test Passed" if main() else "Test Failed")
