"""`timing_only_16384`: how long a timing-only run of a 16384^3 matmul takes, the shape a functional run cannot reach.

The line times `tensix bench matmul --m 16384 --k 16384 --n 16384 --timing-only` (bf16, HiFi4, wormhole_n150 on its
8x8 grid; compile and run, as that command reports `emulator_s`), against numpy's float32 matmul of the same shape.
That baseline is estimated, not run: numpy's 4096^3 time times 64 (the FLOP ratio), as the full product would
hold 3 GiB and take minutes. Each run takes about a minute, so the medians are of max(1, repeat // 5) runs, taken
in turn with the baseline's, after a 4096^3 timing-only warm-up (imports, route caches).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

import numpy as np

from tensix.mesh import Mesh
from tensix.tools.bench_matmul import bench_matmul

SIDE = 16384
BASE_SIDE = 4096  # numpy's matmul at this side, times (SIDE / BASE_SIDE) ** 3


def bench_timing_only_16384(repeat: int) -> Iterator[dict]:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((BASE_SIDE, BASE_SIDE), dtype=np.float32)
    b = rng.standard_normal((BASE_SIDE, BASE_SIDE), dtype=np.float32)
    warm = bench_matmul(BASE_SIDE, BASE_SIDE, BASE_SIDE, timing_only=True)
    a @ b
    emu, cpu, base, line = [], [], [], None
    for _ in range(max(1, repeat // 5)):
        c0 = time.process_time()
        line = bench_matmul(SIDE, SIDE, SIDE, timing_only=True)
        cpu.append(time.process_time() - c0)
        emu.append(line.emulator_s)
        t = time.perf_counter()
        a @ b
        base.append((time.perf_counter() - t) * (SIDE // BASE_SIDE) ** 3)
    emu_s, base_s = statistics.median(emu), statistics.median(base)
    yield {"name": f"timing_only_{SIDE}", "emulator_s": emu_s, "emulator_cpu_s": statistics.median(cpu),
           "baseline_s": base_s, "ratio": emu_s / base_s,
           "baseline": f"numpy float32 {BASE_SIDE}^3 matmul x {(SIDE // BASE_SIDE) ** 3}",
           "cycles": line.cycles, "device_us": line.device_us, "runs": len(emu),
           f"emulator_s_{BASE_SIDE}": warm.emulator_s}


DECODER_TOKENS, DECODER_LAYERS = 4096, 30  # SmolLM2-135M's shape (lang/models/smollm.tdf) at a 4k-token prefill


def bench_timing_only_decoder_4k(repeat: int) -> Iterator[dict]:
    """`timing_only_decoder_4k`: a timing-only run of SmolLM2-135M's 30-layer fp32 prefill at 4096 tokens, whose
    tensors fit the device's DRAM only because dead intermediates' space is reused (lang/passes/alloc_dram.py).
    No params or inputs: a timing-only run needs no data; no trace either (Mesh(trace=False)): it would hold 10.8
    million transfers (70.5 million before attention was fused) and more spans. Once, whatever `repeat`: a run
    takes about two minutes."""
    from tensix.lang.models.program import compile_model

    wall, cpu = time.perf_counter(), time.process_time()
    compiled = compile_model("smollm.tdf", {"S": DECODER_TOKENS, "L": DECODER_LAYERS})
    compile_s, compile_cpu_s = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    result = Mesh(compiled.device, timing_only=True, trace=False).run(compiled.program)
    meta = compiled.lowered.meta
    yield {"name": "timing_only_decoder_4k", "emulator_s": time.perf_counter() - wall,
           "emulator_cpu_s": time.process_time() - cpu, "compile_s": compile_s, "compile_cpu_s": compile_cpu_s,
           "cycles": result.cycles, "device_us": result.seconds * 1e6, "transfers": result.stats.transfers,
           "layers": DECODER_LAYERS,
           "tokens": DECODER_TOKENS, "dram_bank_nbytes": meta["dram_nbytes"],
           "dram_bank_nbytes_unshared": meta["dram_unshared_nbytes"]}
