"""matmul/matmul_single_core_tensor (tt-metal programming example): matmul_single_core's kernels fed through the
ttnn tensor API (Tensor::from_vector tilizes, to_vector untilizes); PCC >= 0.97 and every value within 1e-2 of the
host matmul rounded to bf16, as tt-metal checks (values near 160 at 640^3, where a bf16 step is 1: the golden must
sum in the C++ loop's order). Its writer kernel reads Nt from runtime arg 2, where this host
passes Kt (as tt-metal's does): keep K == N."""

import sys
from dataclasses import dataclass

from tensix.metal import *  # noqa: F403
from tensix.metal.ttnn import *  # noqa: F403

OVERRIDE_KERNEL_PREFIX = ""
DEVICE = None  # the preset CreateDevice would pick; main(device=...) overrides it


def golden_matmul(a, b, output, M, N, K):
    """C = A @ B rounded to bf16, each C[i, j] summed in float over k = 0..K-1 in order, as the C++ loops do (the
    k loop outermost so numpy does all (i, j) at once; the order of additions per element is the same)."""
    a_f, b_f = a.astype(np.float32).reshape(M, K), b.astype(np.float32).reshape(K, N)
    c = np.zeros((M, N), dtype=np.float32)
    for k_m in range(K):
        c += a_f[:, k_m:k_m + 1] * b_f[k_m:k_m + 1, :]
    output[:] = c.reshape(-1).astype(bfloat16)


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
    single_tile_size = np.dtype(bfloat16).itemsize * TILE_HEIGHT * TILE_WIDTH
    cb_data_format = DataFormat.Float16_b
    cb_config = CircularBufferConfig(num_tiles * single_tile_size, {cb_index: cb_data_format}) \
        .set_page_size(cb_index, single_tile_size)
    tt_metal.CreateCircularBuffer(program, core, cb_config)


def matmul_single_core_tensor(a, b, output, M, N, K, prog_state):
    Mt = M // TILE_HEIGHT
    Kt = K // TILE_WIDTH
    Nt = N // TILE_WIDTH

    tile_layout = TensorLayout(DataType.BFLOAT16, PageConfig(Layout.TILE), MemoryConfig(BufferType.DRAM))
    src0_spec = TensorSpec(Shape([M, K]), tile_layout)
    src1_spec = TensorSpec(Shape([K, N]), tile_layout)
    dst_spec = TensorSpec(Shape([M, N]), tile_layout)

    src0_tensor = Tensor.from_vector(np.array(a), src0_spec, prog_state.mesh_device)
    src1_tensor = Tensor.from_vector(np.array(b), src1_spec, prog_state.mesh_device)
    dst_tensor = allocate_tensor_on_device(dst_spec, prog_state.mesh_device)

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
        OVERRIDE_KERNEL_PREFIX + "matmul/matmul_single_core/kernels/dataflow/reader_single_core_mm.cpp",
        prog_state.core,
        tt_metal.DataMovementConfig(
            processor=DataMovementProcessor.RISCV_0,
            noc=NOC.RISCV_0_default,
            compile_args=reader_compile_time_args))

    writer_compile_time_args = []
    TensorAccessorArgs(dst_mesh_buffer).append_to(writer_compile_time_args)
    writer_id = tt_metal.CreateKernel(
        prog_state.program,
        OVERRIDE_KERNEL_PREFIX + "matmul/matmul_single_core/kernels/dataflow/writer_single_core_mm.cpp",
        prog_state.core,
        tt_metal.DataMovementConfig(
            processor=DataMovementProcessor.RISCV_1,
            noc=NOC.RISCV_1_default,
            compile_args=writer_compile_time_args))

    compute_compile_time_args = [Mt, Kt, Nt]
    tt_metal.CreateKernel(
        prog_state.program,
        OVERRIDE_KERNEL_PREFIX + "matmul/matmul_single_core/kernels/compute/mm.cpp",
        prog_state.core,
        tt_metal.ComputeConfig(compile_args=compute_compile_time_args))

    src0_addr = src0_mesh_buffer.address()
    src1_addr = src1_mesh_buffer.address()
    dst_addr = dst_mesh_buffer.address()
    tt_metal.SetRuntimeArgs(prog_state.program, reader_id, prog_state.core, [src0_addr, src1_addr, Mt, Kt, Nt])

    tt_metal.SetRuntimeArgs(prog_state.program, writer_id, prog_state.core, [dst_addr, Mt, Kt, Nt])

    prog_state.workload.add_program(prog_state.device_range, prog_state.program)
    distributed.EnqueueMeshWorkload(prog_state.cq, prog_state.workload, True)

    output[:] = dst_tensor.to_vector(bfloat16)


def main(device=None, M: int = 640, N: int = 640, K: int = 640) -> float:
    """Returns the PCC (TT_FATAL / TT_THROW as tt-metal's when a check fails)."""
    global DEVICE
    DEVICE = device
    pass_ = True

    prog_state = init_program()

    TT_FATAL(M % TILE_HEIGHT == 0, "M must be divisible by TILE_HEIGHT")
    TT_FATAL(N % TILE_WIDTH == 0, "N must be divisible by TILE_WIDTH")
    TT_FATAL(K % TILE_WIDTH == 0, "K must be divisible by TILE_WIDTH")

    rng_seed = 42
    rng = np.random.default_rng(rng_seed)  # std::mt19937 + uniform_real_distribution<float>(0, 1)
    src0_vec = rng.uniform(0.0, 1.0, M * K).astype(bfloat16)
    src1_vec = rng.uniform(0.0, 1.0, K * N).astype(bfloat16)

    golden_vec = np.zeros(M * N, dtype=bfloat16)
    golden_matmul(src0_vec, src1_vec, golden_vec, M, N, K)

    result_vec = np.zeros(M * N, dtype=bfloat16)
    matmul_single_core_tensor(src0_vec, src1_vec, result_vec, M, N, K, prog_state)

    fmt.print("Output vector of size {}\n", result_vec.size)

    pcc = check_bfloat16_vector_pcc(golden_vec, result_vec)
    fmt.print("Metalium vs Golden -- PCC = {}\n", pcc)
    expected_pcc = 0.97
    TT_FATAL(pcc >= expected_pcc, "PCC not high enough. Result PCC: {}, Expected PCC: {}", pcc, expected_pcc)

    eps = 1e-2
    TT_FATAL(result_vec.size == golden_vec.size, "Result vector size mismatch")
    diff = np.abs(golden_vec.astype(np.float32) - result_vec.astype(np.float32))
    for i in np.flatnonzero(diff > eps)[:10]:
        fmt.print(sys.stderr, "Result mismatch at index {}: expected {}, got {}\n", i, float(golden_vec[i]),
                  float(result_vec[i]))
    pass_ &= bool(diff.max() <= eps)

    pass_ &= prog_state.mesh_device.close()

    if pass_:
        fmt.print("Test Passed\n")
    else:
        TT_THROW("Test Failed")
    return pcc


if __name__ == "__main__":
    main()
