"""lab_eltwise_binary (tt-metal programming example): a + b of two 640x640 bf16 matrices on one core through the
ttnn tensor API (Tensor::from_vector tilizes and writes, to_vector reads back); each value within 1e-2."""

import sys
from dataclasses import dataclass

from tensix.metal import *  # noqa: F403
from tensix.metal.ttnn import *  # noqa: F403

OVERRIDE_KERNEL_PREFIX = ""


def golden_add(a, b, output):
    TT_FATAL(a.size == b.size, "Input vectors must have the same size")
    TT_FATAL(output.size == a.size, "Output vector must have the same size as input vectors")
    output[:] = (a.astype(np.float32) + b.astype(np.float32)).astype(bfloat16)


@dataclass
class ProgramState:
    mesh_device: object
    program: object
    core: object
    workload: object
    device_range: object
    cq: object


def init_program():
    device_id = 0
    mesh_device = distributed.MeshDevice.create_unit_mesh(device_id, DEVICE)
    cq = mesh_device.mesh_command_queue()
    workload = distributed.MeshWorkload()
    device_range = distributed.MeshCoordinateRange(mesh_device.shape())
    core = CoreCoord(0, 0)
    program = CreateProgram()

    return ProgramState(mesh_device, program, core, workload, device_range, cq)


def create_cb(program, core, num_tiles, cb_index):
    single_tile_bytes = np.dtype(bfloat16).itemsize * TILE_HEIGHT * TILE_WIDTH
    cb_data_format = DataFormat.Float16_b

    cb_config = CircularBufferConfig(num_tiles * single_tile_bytes, {cb_index: cb_data_format}) \
        .set_page_size(cb_index, single_tile_bytes)
    tt_metal.CreateCircularBuffer(program, core, cb_config)


def eltwise_add_tensix(a, b, output, M, N, prog_state):
    total_elements = M * N
    TT_FATAL(a.size == total_elements, "Input vectors must have size M * N")
    TT_FATAL(a.size == b.size, "Input vectors must have the same size")
    TT_FATAL(output.size == a.size, "Output vector must have the same size as input vectors")

    elements_per_tile = TILE_HEIGHT * TILE_WIDTH
    TT_FATAL(total_elements % elements_per_tile == 0, "Total elements must be divisible by elements per tile")
    n_tiles = total_elements // elements_per_tile

    tile_layout = TensorLayout(DataType.BFLOAT16, PageConfig(Layout.TILE), MemoryConfig(BufferType.DRAM))
    t_spec = TensorSpec(Shape([M, N]), tile_layout)

    src0_tensor = Tensor.from_vector(np.array(a), t_spec, prog_state.mesh_device)
    src1_tensor = Tensor.from_vector(np.array(b), t_spec, prog_state.mesh_device)
    dst_tensor = allocate_tensor_on_device(t_spec, prog_state.mesh_device)

    tiles_per_cb_input = 2
    create_cb(prog_state.program, prog_state.core, tiles_per_cb_input, CBIndex.c_0)
    create_cb(prog_state.program, prog_state.core, tiles_per_cb_input, CBIndex.c_1)

    tiles_per_cb_output = 2
    create_cb(prog_state.program, prog_state.core, tiles_per_cb_output, CBIndex.c_16)

    src0_mesh_buffer = src0_tensor.mesh_buffer()
    src1_mesh_buffer = src1_tensor.mesh_buffer()
    dst_mesh_buffer = dst_tensor.mesh_buffer()

    reader_compile_time_args = []
    TensorAccessorArgs(src0_mesh_buffer).append_to(reader_compile_time_args)
    TensorAccessorArgs(src1_mesh_buffer).append_to(reader_compile_time_args)

    reader_id = tt_metal.CreateKernel(
        prog_state.program,
        OVERRIDE_KERNEL_PREFIX + "lab_eltwise_binary/kernels/dataflow/read_tiles.cpp",
        prog_state.core,
        tt_metal.DataMovementConfig(
            processor=DataMovementProcessor.RISCV_0,
            noc=NOC.RISCV_0_default,
            compile_args=reader_compile_time_args))

    writer_compile_time_args = []
    TensorAccessorArgs(dst_mesh_buffer).append_to(writer_compile_time_args)
    writer_id = tt_metal.CreateKernel(
        prog_state.program,
        OVERRIDE_KERNEL_PREFIX + "lab_eltwise_binary/kernels/dataflow/write_tiles.cpp",
        prog_state.core,
        tt_metal.DataMovementConfig(
            processor=DataMovementProcessor.RISCV_1,
            noc=NOC.RISCV_1_default,
            compile_args=writer_compile_time_args))

    compute_compile_time_args = [n_tiles]

    tt_metal.CreateKernel(
        prog_state.program,
        OVERRIDE_KERNEL_PREFIX + "lab_eltwise_binary/kernels/compute/tiles_add.cpp",
        prog_state.core,
        tt_metal.ComputeConfig(compile_args=compute_compile_time_args))

    src0_addr = src0_mesh_buffer.address()
    src1_addr = src1_mesh_buffer.address()
    dst_addr = dst_mesh_buffer.address()
    tt_metal.SetRuntimeArgs(prog_state.program, reader_id, prog_state.core, [src0_addr, src1_addr, n_tiles])
    tt_metal.SetRuntimeArgs(prog_state.program, writer_id, prog_state.core, [dst_addr, n_tiles])

    prog_state.workload.add_program(prog_state.device_range, prog_state.program)
    tt_metal.distributed.EnqueueMeshWorkload(prog_state.cq, prog_state.workload, True)

    output[:] = dst_tensor.to_vector(bfloat16)


DEVICE = None  # the preset CreateDevice would pick; main(device=...) overrides it


def main(device=None, M: int = 640, N: int = 640) -> bool:
    global DEVICE
    DEVICE = device
    pass_ = True

    rng_seed = 42
    rng = np.random.default_rng(rng_seed)  # std::mt19937 + uniform_real_distribution<float>(0, 1)
    src0_vec = rng.uniform(0.0, 1.0, M * N).astype(bfloat16)
    src1_vec = rng.uniform(0.0, 1.0, M * N).astype(bfloat16)

    golden_vec = np.zeros(M * N, dtype=bfloat16)
    golden_add(src0_vec, src1_vec, golden_vec)

    result_vec = np.zeros(M * N, dtype=bfloat16)

    prog_state = init_program()
    eltwise_add_tensix(src0_vec, src1_vec, result_vec, M, N, prog_state)

    fmt.print("Output vector of size {}\n", result_vec.size)

    eps = 1e-2
    TT_FATAL(result_vec.size == golden_vec.size, "Result vector size mismatch")
    diff = np.abs(golden_vec.astype(np.float32) - result_vec.astype(np.float32))
    for i in np.flatnonzero(diff > eps)[:10]:
        pass_ = False
        fmt.print(sys.stderr, "Result mismatch at index {}: expected {}, got {}\n", i, float(golden_vec[i]),
                  float(result_vec[i]))
    pass_ &= bool(diff.max() <= eps)

    pass_ &= prog_state.mesh_device.close()

    if pass_:
        fmt.print("Test Passed\n")
    else:
        TT_THROW("Test Failed")
    return pass_


if __name__ == "__main__":
    main()
