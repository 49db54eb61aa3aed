"""custom_sfpi_add as tt-metal's newest source writes its host, in experimental::ez (DeviceContext,
ProgramBuilder); the same kernels and check as custom_sfpi_add.py."""

import sys

from tensix.metal import *
from tensix.metal.ez import *

OVERRIDE_KERNEL_PREFIX = "../"


def main(device=None, n_tiles: int = 64) -> bool:
    pass_ = True

    try:
        elements = n_tiles * constants.TILE_WIDTH * constants.TILE_HEIGHT

        ctx = DeviceContext(0, device=device)

        src0 = ctx.dram_tile_buffer(n_tiles)
        src1 = ctx.dram_tile_buffer(n_tiles)
        dst = ctx.dram_tile_buffer(n_tiles)

        rng = np.random.default_rng(1)
        a_data = rng.uniform(0.0, 1.0, elements).astype(bfloat16)
        val_to_add = -1.0
        b_data = np.full(elements, val_to_add, dtype=bfloat16)

        ctx.write(src0, a_data)
        ctx.write(src1, b_data)

        core = CoreCoord(0, 0)
        program = (
            ProgramBuilder(core)
            .cb(CBIndex.c_0)
            .cb(CBIndex.c_1)
            .cb(CBIndex.c_16)
            .reader(
                OVERRIDE_KERNEL_PREFIX + "custom_sfpi_add/kernels/dataflow/read_tiles.py",
                [src0, src1])
            .runtime_args([src0.address(), src1.address(), n_tiles])
            .done()
            .compute(
                OVERRIDE_KERNEL_PREFIX + "custom_sfpi_add/kernels/compute/tiles_add.py",
                MathFidelity.HiFi4)
            .runtime_args([n_tiles])
            .done()
            .writer(
                OVERRIDE_KERNEL_PREFIX + "custom_sfpi_add/kernels/dataflow/write_tile.py",
                [dst])
            .runtime_args([dst.address(), n_tiles])
            .done()
            .build())

        ctx.run(program)
        result = ctx.read[bfloat16](dst)

        eps = 1e-2
        TT_FATAL(len(result) == len(a_data), "Result vector size mismatch")
        for i in range(len(result)):
            expected = float(a_data[i]) + val_to_add
            actual = float(result[i])
            if abs(expected - actual) > eps:
                pass_ = False
                print(f"Result mismatch at index {i}: expected {expected}, got {actual}", file=sys.stderr)

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
