"""The timing model: what each compute and data-movement step costs in cycles (docs/timing.md).

Every number is a field, overridable: `TimingModel(matmul_cycles_per_phase=8)`. Functional results never
depend on these numbers; only cycle counts do.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

FIDELITY_PHASES = {"LoFi": 1, "HiFi2": 2, "HiFi3": 3, "HiFi4": 4}

# SFPU instructions per element (per lane) for each unary op; transcendentals take several.
_SFPU_INSTR = {
    "relu": 1, "neg": 1, "identity": 1, "square": 1, "exp": 8, "recip": 8, "sqrt": 8, "rsqrt": 8,
    "gelu": 12, "silu": 10, "sigmoid": 10, "tanh": 10, "scale": 1,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class TimingModel:
    """Cycle costs of one 32x32 tile operation on one core.

    matmul: a 32x32x32 tile costs `matmul_cycles_per_phase` per fidelity phase (16/32/48/64 at
    LoFi/HiFi2/HiFi3/HiFi4): 8x16 @ 16x16 per cycle per phase. Eltwise FPU ops: 8x16 elements per cycle
    (mul once per fidelity phase). SFPU: 32 lanes, so a 1024-element tile costs 32 x instructions-per-element.
    """

    matmul_cycles_per_phase: int = 16
    eltwise_cycles: int = 8
    sfpu_lanes: int = 32
    sfpu_instructions: dict[str, int] = field(default_factory=lambda: dict(_SFPU_INSTR))
    reduce_cycles: int = 16
    transpose_cycles: int = 16
    pack_cycles: int = 8
    noc_issue_cycles: int = 2  # a RISC-V writing one NoC command
    # zero skipping (docs/architecture.md): what the checks and the bookkeeping cost
    zero_check_cycles: int = 32  # SFPU compare + reduce over one tile's faces when it is packed or unpacked
    zero_header_bytes: int = 16  # what an all-zero tile costs on the NoC instead of its payload
    compact_cycles_per_column: int = 8  # reader RISC-V moving one nonzero activation column and its weight row
    tilize_cycles: int = 32  # unpacker turning 32 gathered weight rows into one tile
    default_fidelity: str = "HiFi4"

    def matmul(self, fidelity: str) -> int:
        return self.matmul_cycles_per_phase * FIDELITY_PHASES[fidelity]

    def eltwise(self, op: str, fidelity: str) -> int:
        return self.eltwise_cycles * (FIDELITY_PHASES[fidelity] if op == "mul" else 1)

    def sfpu(self, op: str) -> int:
        return (1024 // self.sfpu_lanes) * self.sfpu_instructions.get(op, 4)

    def scaled(self, factor: float) -> TimingModel:
        """A model with every compute cost multiplied by factor (for what-if runs)."""
        return replace(
            self,
            matmul_cycles_per_phase=round(self.matmul_cycles_per_phase * factor),
            eltwise_cycles=round(self.eltwise_cycles * factor),
            sfpu_instructions={k: max(1, round(v * factor)) for k, v in self.sfpu_instructions.items()},
            reduce_cycles=round(self.reduce_cycles * factor),
            transpose_cycles=round(self.transpose_cycles * factor),
            pack_cycles=round(self.pack_cycles * factor),
        )
