"""sfpu_eltwise_chain as tt-metal's newest source writes its host, in experimental::ez; the same kernels, golden and
PCC check as sfpu_eltwise_chain.py (whose helper functions, line for line the same in both tt-metal sources, it
imports). Returns the PCC."""

from tensix.examples.metal.sfpu_eltwise_chain.sfpu_eltwise_chain import check_bfloat16_vector_pcc, golden_softplus
from tensix.metal import *
from tensix.metal.ez import *

OVERRIDE_KERNEL_PREFIX = "../"


def main(device=None) -> float:
    ctx = DeviceContext(0, device=device)

    core = CoreCoord(0, 0)

    rng = np.random.default_rng(1)

    src_vec = rng.uniform(0.0, 1.0, constants.TILE_HW).astype(bfloat16)

    golden_vec = np.zeros(constants.TILE_HW, dtype=bfloat16)
    golden_softplus(src_vec, golden_vec)

    src_vec = tilize_nfaces(src_vec, constants.TILE_WIDTH, constants.TILE_HEIGHT)

    src_dram_buffer = ctx.dram_tile_buffer(1)
    dst_dram_buffer = ctx.dram_tile_buffer(1)

    ctx.write(src_dram_buffer, src_vec)

    src_cb_index = CBIndex.c_0
    ones_cb_index = CBIndex.c_1
    result_cb_index = CBIndex.c_2

    program = (
        ProgramBuilder(core)
        .cb(CBIndex.c_0, 1)
        .cb(CBIndex.c_1, 1)
        .cb(CBIndex.c_2, 1)
        .reader(
            OVERRIDE_KERNEL_PREFIX + "sfpu_eltwise_chain/kernels/dataflow/reader.py",
            [src_dram_buffer],
            [src_cb_index, ones_cb_index])
        .runtime_args([src_dram_buffer.address()])
        .writer(
            OVERRIDE_KERNEL_PREFIX + "sfpu_eltwise_chain/kernels/dataflow/writer.py",
            [dst_dram_buffer],
            [result_cb_index])
        .runtime_args([dst_dram_buffer.address()])
        .compute(
            OVERRIDE_KERNEL_PREFIX + "sfpu_eltwise_chain/kernels/compute/compute.py",
            MathFidelity.HiFi4,
            [src_cb_index, ones_cb_index, result_cb_index])
        .build())

    ctx.run(program)
    result_vec = ctx.read[bfloat16](dst_dram_buffer)

    result_vec = untilize_nfaces(result_vec, constants.TILE_WIDTH, constants.TILE_HEIGHT)

    pearson = check_bfloat16_vector_pcc(golden_vec, result_vec)
    print(f"Metalium vs Golden -- PCC = {pearson}")
    TT_FATAL(pearson > 0.999, "PCC not high enough. Result PCC: {}, Expected PCC: 0.999", pearson)
    return float(pearson)


if __name__ == "__main__":
    main()
