"""`tensix bench matmul`: compile and run one `c = a @ w` as the compiler plans it, print what the device would take.

One JSON line (or a readable one): predicted `device_us` and `cycles`, `tflops`, `utilization` against the
peak at the chosen math fidelity on the cores used, `dram_bytes_read`, and the emulator's wall time. The
fidelity reaches the compute kernels as the run's default (TimingModel.default_fidelity): every kernel of the
program runs at it.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass

from tensix.lang.compiler import compile_source
from tensix.lang.driver import device_feed, make_inputs
from tensix.lang.params import materialize

from tensix.errors import TensixError
from tensix.mesh import Mesh
from tensix.presets import resolve
from tensix.timing import FIDELITY_PHASES, TimingModel

FIDELITIES = {name.lower(): name for name in FIDELITY_PHASES}  # lofi -> LoFi


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
    device_us: float
    cycles: int
    tflops: float
    utilization: float
    dram_bytes_read: int
    emulator_s: float
    timing_only: bool = False


def matmul_source(m: int, k: int, n: int, dtype: str, device: str, grid: tuple[int, int]) -> str:
    """The .tdf of the benchmarked matmul: activation an input, weights a param, both in DRAM."""
    w, h = grid
    return (f"device {device}\ninput a: {dtype}[{m}, {k}]\nparam w: {dtype}[{k}, {n}] = random(seed=1, std=0.05)\n"
            f"output c = a @ w @cores(0..{w - 1}, 0..{h - 1})\n")


def parse_grid(text: str | None, device: str) -> tuple[int, int]:
    """'WxH' (default: the device's whole compute grid)."""
    if text is None:
        return resolve(device).compute_grid
    found = re.fullmatch(r"(\d+)x(\d+)", text.strip())
    if not found or int(found[1]) < 1 or int(found[2]) < 1:
        raise TensixError(f"--grid '{text}': give the cores as WxH, e.g. 8x8")
    cols, rows = resolve(device).compute_grid
    grid = int(found[1]), int(found[2])
    if grid[0] > cols or grid[1] > rows:
        raise TensixError(f"--grid {text}: {device} has a {cols}x{rows} compute grid; give at most {cols}x{rows}")
    return grid


def bench_matmul(m: int, k: int, n: int, *, dtype: str = "bf16", fidelity: str = "hifi4",
                 device: str = "wormhole_n150", grid: str | None = None, in0: str = "dram",
                 out: str = "dram") -> MatmulBench:
    """Compile and run the matmul once; the prediction is the run's cycle count at the device clock."""
    if fidelity.lower() not in FIDELITIES:
        raise TensixError(f"--fidelity '{fidelity}': use one of {', '.join(FIDELITIES)}")
    for flag, value in (("--in0", in0), ("--out", out)):
        if value != "dram":
            raise TensixError(f"{flag} {value}: L1-resident tensors are not supported yet; every tensor of the "
                              f"compiled program lives in DRAM (use {flag} dram)")
    cells = parse_grid(grid, device)
    phases = FIDELITY_PHASES[FIDELITIES[fidelity.lower()]]
    start = time.perf_counter()
    compiled = compile_source(matmul_source(m, k, n, dtype, device, cells), "bench_matmul.tdf")
    feed = device_feed(compiled, make_inputs(compiled.graph, 0), materialize(compiled.graph))
    mesh = Mesh(compiled.device, timing=TimingModel(default_fidelity=FIDELITIES[fidelity.lower()]))
    result = mesh.run(compiled.program, feed)
    wall = time.perf_counter() - start
    dev = result.stats["device"]
    cores = cells[0] * cells[1]
    flops = 2 * m * k * n
    peak = dev["peak_flops_per_cycle"] / phases * cores * max(result.cycles, 1)  # a tile's phases at this fidelity
    return MatmulBench(
        name="matmul", m=m, k=k, n=n, dtype=dtype, fidelity=fidelity.lower(), device=compiled.device.name,
        grid=cells, device_us=result.cycles / dev["clock_hz"] * 1e6, cycles=result.cycles,
        tflops=flops / (result.cycles / dev["clock_hz"]) / 1e12, utilization=flops / peak,
        dram_bytes_read=sum(b["bytes_read"] for b in result.stats["dram"]), emulator_s=wall)


def print_bench(line: MatmulBench, as_json: bool) -> None:
    if as_json:
        print(json.dumps(asdict(line)))
        return
    print(f"{line.m}x{line.k}x{line.n} {line.dtype} {line.fidelity} on {line.device} {line.grid[0]}x{line.grid[1]}: "
          f"{line.device_us:.1f} us ({line.cycles} cycles), {line.tflops:.1f} TFLOP/s, "
          f"{100 * line.utilization:.1f}% of peak, {line.dram_bytes_read:,} B read from DRAM "
          f"(emulated in {line.emulator_s:.1f} s)")
