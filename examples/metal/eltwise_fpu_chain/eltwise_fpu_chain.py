"""eltwise_fpu_chain (tt-metal programming example): AXPY y = 2.5 x + y over n_tiles bf16 tiles, chaining mul_tiles
and add_tiles through an intermediate CB; each result within 2e-2 of the host's."""

import sys

from tensix.metal import *

OVERRIDE_KERNEL_PREFIX = "../"


def float_to_bfloat16_bits_u32(v):
    tmp = np.float32(v).view(np.uint32)
    return tmp >> 16


def main(device=None, n_tiles: int = 64) -> bool:
    pass_ = True

    try:
        device_id = 0
        mesh_device = distributed.MeshDevice.create_unit_mesh(device_id, device)

        cq = mesh_device.mesh_command_queue()
        workload = distributed.MeshWorkload()
        device_range = distributed.MeshCoordinateRange(mesh_device.shape())
        program = CreateProgram()

        core = CoreCoord(0, 0)

        elements_per_tile = constants.TILE_WIDTH * constants.TILE_HEIGHT
        tile_size_bytes = np.dtype(bfloat16).itemsize * elements_per_tile
        a_value = 2.5

        rng = np.random.default_rng(42)
        x_data = rng.uniform(0.0, 1.0, elements_per_tile * n_tiles).astype(bfloat16)
        y_data = rng.uniform(0.0, 1.0, elements_per_tile * n_tiles).astype(bfloat16)

        dram_config = distributed.DeviceLocalBufferConfig(page_size=tile_size_bytes, buffer_type=BufferType.DRAM)
        buffer_config = distributed.ReplicatedBufferConfig(size=n_tiles * tile_size_bytes)

        x_dram = distributed.MeshBuffer.create(buffer_config, dram_config, mesh_device)
        y_dram = distributed.MeshBuffer.create(buffer_config, dram_config, mesh_device)
        out_dram = distributed.MeshBuffer.create(buffer_config, dram_config, mesh_device)

        distributed.EnqueueWriteMeshBuffer(cq, x_dram, x_data, False)
        distributed.EnqueueWriteMeshBuffer(cq, y_dram, y_data, False)

        tiles_per_cb = 2

        def make_cb(idx, n):
            CreateCircularBuffer(
                program,
                core,
                CircularBufferConfig(n * tile_size_bytes, {idx: DataFormat.Float16_b})
                .set_page_size(idx, tile_size_bytes))

        make_cb(CBIndex.c_0, tiles_per_cb)
        make_cb(CBIndex.c_1, tiles_per_cb)
        make_cb(CBIndex.c_2, 1)
        make_cb(CBIndex.c_24, tiles_per_cb)
        make_cb(CBIndex.c_16, tiles_per_cb)

        reader_ct_args = []
        TensorAccessorArgs(x_dram).append_to(reader_ct_args)
        TensorAccessorArgs(y_dram).append_to(reader_ct_args)
        reader = CreateKernel(
            program,
            OVERRIDE_KERNEL_PREFIX + "eltwise_fpu_chain/kernels/dataflow/reader.py",
            core,
            ReaderDataMovementConfig(reader_ct_args))

        writer_ct_args = []
        TensorAccessorArgs(out_dram).append_to(writer_ct_args)
        writer = CreateKernel(
            program,
            OVERRIDE_KERNEL_PREFIX + "eltwise_fpu_chain/kernels/dataflow/writer.py",
            core,
            WriterDataMovementConfig(writer_ct_args))

        compute = CreateKernel(
            program,
            OVERRIDE_KERNEL_PREFIX + "eltwise_fpu_chain/kernels/compute/axpy.py",
            core,
            ComputeConfig(math_fidelity=MathFidelity.HiFi4))

        SetRuntimeArgs(
            program,
            reader,
            core,
            [x_dram.address(), y_dram.address(), float_to_bfloat16_bits_u32(a_value), n_tiles])
        SetRuntimeArgs(program, writer, core, [out_dram.address(), n_tiles])
        SetRuntimeArgs(program, compute, core, [n_tiles])

        workload.add_program(device_range, program)
        distributed.EnqueueMeshWorkload(cq, workload, False)
        distributed.Finish(cq)

        result_vec = np.array([], dtype=bfloat16)
        distributed.EnqueueReadMeshBuffer(cq, result_vec, out_dram, True)

        eps = 2e-2
        TT_FATAL(len(result_vec) == len(x_data), "Result vector size mismatch")
        mismatches = 0
        for i in range(len(result_vec)):
            expected = a_value * float(x_data[i]) + float(y_data[i])
            actual = float(result_vec[i])
            if abs(expected - actual) > eps:
                if mismatches < 8:
                    print(f"Mismatch at {i}: expected {expected:.4f}, got {actual:.4f}", file=sys.stderr)
                mismatches += 1
        if mismatches > 0:
            pass_ = False
            print(f"Total mismatches: {mismatches} / {len(result_vec)}", file=sys.stderr)

        pass_ &= mesh_device.close()
    except Exception as e:
        print("Test failed with exception!", file=sys.stderr)
        print(f"{e}", file=sys.stderr)
        raise

    if pass_:
        print("Test Passed")
    else:
        TT_THROW("Test Failed")

    return pass_


if __name__ == "__main__":
    main()
