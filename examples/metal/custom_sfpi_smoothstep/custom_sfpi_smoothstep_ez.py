"""custom_sfpi_smoothstep as tt-metal's newest source writes its host, in experimental::ez, with the newest compute
kernel (tiles_smoothstep_lib.py: the face function from tt-metal's ckernel_sfpu_smoothstep.h); the same check as
custom_sfpi_smoothstep.py."""

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
        dst = ctx.dram_tile_buffer(n_tiles)

        rng = np.random.default_rng(1)
        a_data = rng.uniform(0.0, 1.0, elements).astype(bfloat16)

        ctx.write(src0, a_data)

        core = CoreCoord(0, 0)
        program = (
            ProgramBuilder(core)
            .cb(CBIndex.c_0)
            .cb(CBIndex.c_16)
            .reader(
                OVERRIDE_KERNEL_PREFIX + "custom_sfpi_smoothstep/kernels/dataflow/read_tiles.py",
                [src0])
            .runtime_args([src0.address(), n_tiles])
            .done()
            .compute(OVERRIDE_KERNEL_PREFIX + "custom_sfpi_smoothstep/kernels/compute/tiles_smoothstep_lib.py")
            .runtime_args([n_tiles])
            .done()
            .writer(
                OVERRIDE_KERNEL_PREFIX + "custom_sfpi_smoothstep/kernels/dataflow/write_tile.py",
                [dst])
            .runtime_args([dst.address(), n_tiles])
            .done()
            .build())

        ctx.run(program)
        result = ctx.read[bfloat16](dst)

        eps = 1e-2
        TT_FATAL(len(result) == len(a_data), "Result vector size mismatch")
        for i in range(len(result)):
            def smoothstep(edge0, edge1, x):
                x = (x - edge0) / (edge1 - edge0)
                x = np.clip(x, 0.0, 1.0)
                return x * x * (3 - 2 * x)
            expected = smoothstep(0.0, 1.0, float(a_data[i]))
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
