"""`tensix bench matmul`: compile and run one `c = a @ w` as the compiler plans it, print what the device would take.

One JSON line (or a readable one): predicted `device_us` and `cycles`, `tflops`, `utilization` (the run's
`Stats.utilization`: FLOP over the used cores' peak at the chosen math fidelity), `dram_bytes_read`, and the
emulator's wall time; `math_us`: the compute kernels' span up to the last math op, the device time tt-metal's profiler
reports (math_cycles). The fidelity is the program's (compile_source(fidelity=...)), as `tensix run --fidelity`
gives it. `timing_only`: the run moves no data and does no tile math (Mesh(timing_only=True)), so no inputs or
params are made; cycles, bytes and FLOP are the functional run's.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from tensix.config import MeshConfig
from tensix.errors import TensixError
from tensix.lang.compiler import compile_source
from tensix.lang.driver import device_feed, make_inputs
from tensix.lang.ir import FIDELITIES
from tensix.lang.params import materialize
from tensix.mesh import Mesh
from tensix.presets import parse_grid as grid_size
from tensix.presets import resolve, tensix_grid, with_grid


@dataclass(frozen=True, slots=True)
class MatmulBench:
    """One bench line: the shape and setup asked for, and what the run predicted."""

    name: str
    m: int
    k: int
    n: int
    dtype: str
    fidelity: str
    device: str
    grid: tuple[int, int]
    in0: str
    out: str
    device_us: float
    cycles: int
    math_us: float
    tflops: float
    utilization: float
    dram_bytes_read: int
    emulator_s: float
    timing_only: bool = False


def matmul_source(m: int, k: int, n: int, dtype: str, device: str, grid: tuple[int, int], in0: str = "dram",
                  out: str = "dram") -> str:
    """The .tdf of the benchmarked matmul: activation an input, weights a param in DRAM. `in0` l1: the activation
    sharded in the grid's L1 (block-sharded when its tiles divide over the grid, else height-sharded), as
    tt-metal's published matmul runs keep in0; `out` l1: the output left in the L1 of the cores computing it."""
    w, h = grid
    rect = f"@cores(0..{w - 1}, 0..{h - 1})"
    a = f" @l1 @shard({in0_sharding(m, k, grid)}) {rect}" if in0 == "l1" else ""
    return (f"device {device}\ninput a: {dtype}[{m}, {k}]{a}\nparam w: {dtype}[{k}, {n}] = random(seed=1, std=0.05)\n"
            f"output c = a @ w {rect}{' @l1' if out == 'l1' else ''}\n")


def in0_sharding(m: int, k: int, grid: tuple[int, int]) -> str:
    """block when in0's tile rows divide over the grid's rows and its tile columns over its columns, else height
    (the compiler reports a sharding that does not divide)."""
    w, h = grid
    return "block" if -(-m // 32) % h == 0 and -(-k // 32) % w == 0 else "height"


def parse_grid(text: str | None, device: str) -> tuple[MeshConfig, tuple[int, int]]:
    """The device to run on and the cores used, from 'WxH' (default: the device's whole compute grid): a grid
    inside the preset's compute grid runs placed on it; a larger one runs on the preset's harvesting variant that
    holds it (presets.with_grid: e.g. Blackhole p150's 13x10 of its 14x10 Tensix cores)."""
    cfg = resolve(device)
    if text is None:
        return cfg, cfg.compute_grid
    cols, rows = grid_size(text, f"--grid {text}")
    have, (xs, ys) = cfg.compute_grid, tensix_grid(cfg)
    if cols > len(xs) or rows > len(ys):
        raise TensixError(f"--grid {text}: {cfg.name} has {len(xs)}x{len(ys)} Tensix cores ({have[0]}x{have[1]} "
                          f"in the preset); give at most {len(xs)}x{len(ys)}")
    if cols > have[0] or rows > have[1]:
        cfg = with_grid(cfg, max(cols, have[0]), max(rows, have[1]))
    return cfg, (cols, rows)


def math_cycles(trace) -> int:
    """The device time tt-metal's profiler reports for an op and GEMM_FLOPS.md's device-based utilization divides
    by: `device_trisc1_kernel_duration`, type `op_first_last`, from the first core's math (TRISC1) kernel start to
    the last core's end. Here every kernel starts at cycle 0 and a compute kernel's math ends with its last op that
    is neither a pack (the packer's, TRISC2) nor a wait; 0 for a run without compute kernels."""
    return trace.last_end("compute", skip=("wait:", "pack"))


def bench_matmul(m: int, k: int, n: int, *, dtype: str = "bf16", fidelity: str = "hifi4",
                 device: str = "wormhole_n150", grid: str | None = None, in0: str = "dram",
                 out: str = "dram", timing_only: bool = False) -> MatmulBench:
    """Compile and run the matmul once; the prediction is the run's cycle count at the device clock."""
    if fidelity.lower() not in FIDELITIES:
        raise TensixError(f"--fidelity '{fidelity}': use one of {', '.join(FIDELITIES)}")
    for flag, value in (("--in0", in0), ("--out", out)):
        if value not in ("dram", "l1"):
            raise TensixError(f"{flag} {value}: use l1 or dram")
    cfg, cells = parse_grid(grid, device)
    start = time.perf_counter()
    compiled = compile_source(matmul_source(m, k, n, dtype, device.partition(":")[0], cells, in0, out),
                              "bench_matmul.tdf", cfg, fidelity=fidelity.lower())
    if timing_only:
        result = Mesh(compiled.device, timing_only=True).run(compiled.program)
    else:
        feed = device_feed(compiled, make_inputs(compiled.graph, 0), materialize(compiled.graph))
        result = Mesh(compiled.device).run(compiled.program, feed)
    wall = time.perf_counter() - start
    stats, clock = result.stats, result.stats.device.clock_hz
    flops = 2 * m * k * n
    return MatmulBench(
        name="matmul", m=m, k=k, n=n, dtype=dtype, fidelity=fidelity.lower(), device=compiled.device.name,
        grid=cells, in0=in0, out=out, device_us=result.cycles / clock * 1e6, cycles=result.cycles,
        math_us=math_cycles(result.trace) / clock * 1e6,
        tflops=flops / (result.cycles / clock) / 1e12, utilization=stats.utilization,
        dram_bytes_read=sum(b.bytes_read for b in stats.dram), emulator_s=wall, timing_only=timing_only)


def print_bench(line: MatmulBench, as_json: bool) -> None:
    if as_json:
        print(json.dumps(asdict(line)))
        return
    print(f"{line.m}x{line.k}x{line.n} {line.dtype} {line.fidelity} on {line.device} {line.grid[0]}x{line.grid[1]} "
          f"(in0 {line.in0}, out {line.out}): "
          f"{line.device_us:.1f} us ({line.cycles} cycles; math {line.math_us:.1f} us), {line.tflops:.1f} TFLOP/s, "
          f"{100 * line.utilization:.1f}% of peak, {line.dram_bytes_read:,} B read from DRAM "
          f"(emulated in {line.emulator_s:.1f} s)")


# Held-out whole GEMMs: published device times that no timing parameter is fitted to (docs/timing.md). tt-metal
# tech_reports/GEMM_FLOPS/GEMM_FLOPS.md, "N150 Manually Tuned Configurations" (8x8) and "P150 Manually Tuned
# Configurations" (11x10 and 13x10 grids), with trace; the device time is the ideal cycles (tiles x cycles per tile
# at the fidelity / cores) over the published device-based utilization, at the device clock. That utilization
# divides by the profiler's TRISC1 (math) kernel duration (tests/ttnn/unit_tests/benchmarks/test_benchmark.py), so
# the prediction it is held against is math_us, not the end-to-end device_us.
GEMM_SOURCE = "tenstorrent/tt-metal tech_reports/GEMM_FLOPS/GEMM_FLOPS.md"
PHASE_CYCLES = {"lofi": 16, "hifi2": 32, "hifi3": 48, "hifi4": 64}


@dataclass(frozen=True, slots=True)
class PublishedGemm:
    """One published GEMM: shape, format, fidelity, device and grid, its device-based utilization and setup."""

    m: int
    k: int
    n: int
    dtype: str
    fidelity: str
    device: str
    grid: tuple[int, int]
    utilization: float
    setup: str  # where the published run kept in0 / in1 / out

    @property
    def memory(self) -> tuple[str, str]:
        """(in0, out) as `tensix bench matmul --in0 --out` take them: where the published run kept them (in1 is
        in DRAM in every published run)."""
        return ("l1", "l1") if self.setup == _L1 else ("dram", "dram")

    def device_us(self, clock_hz: float) -> float:
        tiles = self.m * self.k * self.n // 32 ** 3
        ideal = tiles * PHASE_CYCLES[self.fidelity] / (self.grid[0] * self.grid[1])
        return ideal / self.utilization / clock_hz * 1e6


_L1, _DRAM = "in0, out L1; in1 DRAM", "all DRAM"
HELD_OUT = (
    PublishedGemm(2048, 2048, 2048, "bf16", "hifi4", "wormhole_n150", (8, 8), 0.8959, _L1),
    PublishedGemm(2048, 2048, 2048, "bf16", "hifi2", "wormhole_n150", (8, 8), 0.6487, _L1),
    PublishedGemm(4096, 4096, 4096, "bf16", "hifi4", "wormhole_n150", (8, 8), 0.8319, _DRAM),
    PublishedGemm(4096, 4096, 4096, "bf16", "hifi2", "wormhole_n150", (8, 8), 0.5945, _DRAM),
    PublishedGemm(4096, 4096, 4096, "bfp8_b", "hifi2", "wormhole_n150", (8, 8), 0.7943, _DRAM),
    PublishedGemm(4096, 4096, 4096, "bfp8_b", "lofi", "wormhole_n150", (8, 8), 0.5885, _DRAM),
    PublishedGemm(3328, 2560, 2560, "bfp4_b", "lofi", "wormhole_n150", (8, 8), 0.8162, _DRAM),
    PublishedGemm(4160, 3520, 3520, "bf16", "hifi4", "blackhole_p150", (11, 10), 0.9344, _DRAM),
    PublishedGemm(4160, 3520, 3520, "bf16", "hifi2", "blackhole_p150", (11, 10), 0.8760, _DRAM),
    PublishedGemm(4160, 3520, 3520, "bfp8_b", "hifi2", "blackhole_p150", (11, 10), 0.8907, _DRAM),
    PublishedGemm(4160, 3520, 3520, "bfp8_b", "lofi", "blackhole_p150", (11, 10), 0.8425, _DRAM),
    PublishedGemm(4160, 3520, 3520, "bfp4_b", "lofi", "blackhole_p150", (11, 10), 0.8551, _DRAM),
    PublishedGemm(4160, 4160, 4160, "bf16", "hifi4", "blackhole_p150", (13, 10), 0.9382, _DRAM),
    PublishedGemm(4160, 4160, 4160, "bf16", "hifi2", "blackhole_p150", (13, 10), 0.8830, _DRAM),
    PublishedGemm(4160, 4160, 4160, "bfp8_b", "hifi2", "blackhole_p150", (13, 10), 0.8955, _DRAM),
    PublishedGemm(4160, 4160, 4160, "bfp8_b", "lofi", "blackhole_p150", (13, 10), 0.8510, _DRAM),
    PublishedGemm(4160, 4160, 4160, "bfp4_b", "lofi", "blackhole_p150", (13, 10), 0.8627, _DRAM),
)


def gemm_rows(points: tuple[PublishedGemm, ...] = HELD_OUT) -> list[dict]:
    """One `gemm_point` line per held-out GEMM: tensix's timing-only prediction of the published quantity (the
    math kernels' span, math_us) against the published time, with in0 and the output where the published run kept
    them (the 2048^3 runs: L1-sharded), on the published grid (13x10: Blackhole's harvesting variant);
    `end_to_end_us` beside it is the whole run, the output's last DRAM write included."""
    rows = []
    for p in points:
        in0, out = p.memory
        got = bench_matmul(p.m, p.k, p.n, dtype=p.dtype, fidelity=p.fidelity, device=p.device,
                           grid=f"{p.grid[0]}x{p.grid[1]}", in0=in0, out=out, timing_only=True)
        published = p.device_us(resolve(p.device).clock_hz)
        rows.append({"name": "gemm_point", "gemm": f"{p.m}x{p.k}x{p.n} {p.dtype} {p.fidelity}", "device": got.device,
                     "grid": list(p.grid), "setup": p.setup, "predicted_us": got.math_us, "published_us": published,
                     "error": got.math_us / published - 1, "end_to_end_us": got.device_us,
                     "emulator_s": got.emulator_s, "source": GEMM_SOURCE})
    return rows


def bench_gemm_heldout(repeat: int) -> Iterator[dict]:
    """Every held-out GEMM (timing-only, about 10-60 s each), then the median and largest relative error."""
    rows = gemm_rows()
    yield from rows
    errors = [abs(r["error"]) for r in rows]
    yield {"name": "gemm_heldout", "points": len(rows), "median_abs_error": statistics.median(errors),
           "max_abs_error": max(errors)}
