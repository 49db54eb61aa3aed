"""The timing model: what each compute step costs in cycles (the NoC and DRAM costs are device facts in
MeshConfig). docs/timing.md gives every number's public source.

Every number is a field, overridable: `TimingModel(matmul_cycles_per_phase=8)`. Functional results never
depend on these numbers; only cycle counts do.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from tensix.errors import KernelError
from tensix.formats import tile_nbytes

FIDELITY_PHASES = {"LoFi": 1, "HiFi2": 2, "HiFi3": 3, "HiFi4": 4}


def checked_fidelity(fidelity: str, where: str) -> str:
    """`fidelity` if it is a math fidelity (LoFi..HiFi4); otherwise a KernelError naming `where` (its kernel)."""
    if fidelity not in FIDELITY_PHASES:
        raise KernelError(f"{where}: unknown math fidelity '{fidelity}'; use one of {', '.join(FIDELITY_PHASES)}")
    return fidelity

# SFPU arithmetic instructions per 32 elements (one per lane) for each unary op; transcendentals take several
# (estimates: the ISA gives each instruction's rate, not the ops' instruction sequences; docs/timing.md).
_SFPU_INSTR = {
    "relu": 1, "neg": 1, "identity": 1, "square": 1, "exp": 8, "recip": 8, "sqrt": 8, "rsqrt": 8,
    "gelu": 12, "silu": 10, "sigmoid": 10, "tanh": 10, "scale": 1,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class TimingModel:
    """Cycle costs of one 32x32 tile operation on one core.

    matmul: a 32x32x32 tile costs `matmul_cycles_per_phase` per fidelity phase (16/32/48/64 at
    LoFi/HiFi2/HiFi3/HiFi4): 8x16 @ 16x16 per cycle per phase; the unpacker feeding it runs alongside, so a
    tile costs the larger of that and unpacking its B tile (`unpack_setup_cycles` + its bytes at
    `unpack_bytes_per_cycle`: bf16 34, bfp8_b 19, bfp4_b 11, fp32 66 cycles); a block of products also unpacks
    the tiles it reuses, once per k tile (`matmul_block`). Packing a tile costs
    `pack_setup_cycles` + its bytes at `pack_bytes_per_cycle` (`pack_acc_bytes_per_cycle` when the packer adds it
    to what L1 holds). Eltwise FPU ops: 8x16 elements per cycle
    (mul once per fidelity phase), or their unpacking when slower. SFPU: 32 lanes, one instruction a cycle, so a
    1024-element tile costs 32 x (the op's instructions + an SFPLOAD and an SFPSTORE).
    """

    matmul_cycles_per_phase: int = 16
    eltwise_cycles: int = 8
    sfpu_lanes: int = 32
    sfpu_instructions: dict[str, int] = field(default_factory=lambda: dict(_SFPU_INSTR))
    sfpu_load_store_instructions: int = 2  # SFPLOAD from Dst and SFPSTORE back, per 32 elements
    sfpi_instruction_cycles: int = 1  # one SFPU instruction of a hand-written SFPI kernel (tensix.metal.sfpi)
    reduce_cycles: int = 16
    transpose_cycles: int = 16
    unpack_setup_cycles: int = 2  # an UNPACR computing its first address
    unpack_bytes_per_cycle: int = 64  # an unpacker fetching from L1 at x4 speed
    pack_setup_cycles: int = 2
    pack_bytes_per_cycle: int = 64
    pack_acc_bytes_per_cycle: int = 32  # packing with L1 accumulation: a read-modify-write of every 16 B
    noc_issue_cycles: int | None = None  # a RISC-V handing one NoC command to its NIU (None: the device's)
    # zero skipping (docs/architecture.md): what the checks and the bookkeeping cost
    zero_check_cycles: int = 32  # SFPU compare + reduce over one tile's faces when it is packed or unpacked
    zero_header_bytes: int = 16  # what an all-zero tile costs on the NoC instead of its payload
    compact_cycles_per_column: int = 8  # reader RISC-V moving one nonzero activation column and its weight row
    tilize_cycles: int = 32  # unpacker turning 32 gathered weight rows into one tile
    default_fidelity: str = "HiFi4"

    def matmul(self, fidelity: str, fmt: str = "bf16") -> int:
        """One 32x32x32 tile product with B tiles in `fmt`: the FPU's phases or the unpacker, the slower."""
        return max(self.matmul_cycles_per_phase * FIDELITY_PHASES[fidelity], self.unpack(fmt))

    def matmul_block(self, fidelity: str, a_fmt: str, b_fmt: str, rt: int = 1, ct: int = 1) -> int:
        """One k tile of an rt x ct block of tile products (tt-metal's matmul_block; matmul_tiles is 1 x 1): the
        FPU's phases or the unpackers, the slower. tt-llk's matmul unpack (llk_unpack_AB_matmul) keeps one tile of
        the operand along the block's shorter side in its source register while the other operand's tiles stream
        past it: per k tile it unpacks rt x ct tiles of one and min(rt, ct) of the other (A's when ct >= rt), each
        an UNPACR with its own `unpack_setup_cycles`, their bytes at `unpack_bytes_per_cycle` (two unpackers at once
        share it). A lone product unpacks both its tiles."""
        n = rt * ct
        a_tiles, b_tiles = (rt, n) if ct >= rt else (n, ct)
        nbytes = a_tiles * tile_nbytes(a_fmt) + b_tiles * tile_nbytes(b_fmt)
        unpack = (a_tiles + b_tiles) * self.unpack_setup_cycles + -(-nbytes // self.unpack_bytes_per_cycle)
        return max(n * self.matmul_cycles_per_phase * FIDELITY_PHASES[fidelity], unpack)

    def unpack(self, fmt: str, tiles: int = 1) -> int:
        """Unpacking `tiles` tiles in `fmt` from L1 into source registers."""
        return self.unpack_setup_cycles + -(-tiles * tile_nbytes(fmt) // self.unpack_bytes_per_cycle)

    def pack(self, fmt: str, accumulate: bool = False) -> int:
        """Packing one tile in `fmt` to L1: written, or added to what the page holds (`accumulate`)."""
        rate = self.pack_acc_bytes_per_cycle if accumulate else self.pack_bytes_per_cycle
        return self.pack_setup_cycles + -(-tile_nbytes(fmt) // rate)

    def eltwise(self, op: str, fidelity: str, fmt: str = "bf16", operands: int = 2) -> int:
        """One elementwise tile op on `operands` tiles in `fmt` from CBs: the FPU or the unpackers, the slower
        (two unpackers working at once share L1's fetch bandwidth, as one moving both tiles)."""
        return max(self.eltwise_cycles * (FIDELITY_PHASES[fidelity] if op == "mul" else 1), self.unpack(fmt, operands))

    def sfpu(self, op: str) -> int:
        """One SFPU op on a tile: 1024 / lanes rows of (load, the op's instructions, store), one a cycle."""
        return (1024 // self.sfpu_lanes) * (self.sfpu_instructions.get(op, 4) + self.sfpu_load_store_instructions)

    def scaled(self, factor: float) -> TimingModel:
        """A model with every compute cost multiplied by factor (for what-if runs)."""
        return replace(
            self,
            matmul_cycles_per_phase=round(self.matmul_cycles_per_phase * factor),
            eltwise_cycles=round(self.eltwise_cycles * factor),
            sfpu_instructions={k: max(1, round(v * factor)) for k, v in self.sfpu_instructions.items()},
            sfpu_load_store_instructions=round(self.sfpu_load_store_instructions * factor),
            sfpi_instruction_cycles=round(self.sfpi_instruction_cycles * factor),
            reduce_cycles=round(self.reduce_cycles * factor),
            transpose_cycles=round(self.transpose_cycles * factor),
            unpack_setup_cycles=round(self.unpack_setup_cycles * factor),
            unpack_bytes_per_cycle=max(1, round(self.unpack_bytes_per_cycle / factor)),
            pack_setup_cycles=round(self.pack_setup_cycles * factor),
            pack_bytes_per_cycle=max(1, round(self.pack_bytes_per_cycle / factor)),
            pack_acc_bytes_per_cycle=max(1, round(self.pack_acc_bytes_per_cycle / factor)),
        )
