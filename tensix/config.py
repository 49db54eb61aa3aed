"""Device description: the NoC grid with its tile kinds, the compute grid inside it, and every device number.

A MeshConfig is plain data; presets.py builds the real devices from it, tests build small meshes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from tensix.errors import ConfigError


class TileKind(StrEnum):
    TENSIX = "tensix"
    HARVESTED = "harvested"  # a Tensix tile fused off: routers still forward through it
    DRAM = "dram"
    ETH = "eth"
    PCIE = "pcie"
    ARC = "arc"
    OTHER = "other"


@dataclass(frozen=True, slots=True, kw_only=True)
class MeshConfig:
    """One device: a `width` x `height` NoC torus (NoC coordinates), numbers named with units.

    `tiles` lists the non-Tensix tiles by NoC coordinate; every other tile is Tensix.
    The compute grid is `compute_xs` x `compute_ys` (NoC columns and rows, in logical order);
    logical core (cx, cy) sits at NoC (compute_xs[cx], compute_ys[cy]).
    """

    name: str = "custom"
    width: int
    height: int
    tiles: dict[tuple[int, int], TileKind] = field(default_factory=dict)
    compute_xs: tuple[int, ...] = ()
    compute_ys: tuple[int, ...] = ()
    l1_bytes: int = 1464 * 1024
    l1_alignment: int = 32
    noc_alignment: int = 16  # L1 and DRAM addresses of a NoC transfer must be multiples of this
    max_cbs: int = 32
    dst_tiles: int = 16
    clock_hz: float = 1.0e9
    link_bytes_per_cycle: int = 32
    max_packet_bytes: int = 8192
    header_flits: int = 1
    # NoC and DRAM timing: Wormhole values, each with its public source (or the micro-measurements it is fitted
    # to, by tools/calibrate_dm.py) in docs/timing.md
    hop_cycles: int = 9  # router to router
    niu_cycles: int = 5  # NIU to its router, and router to NIU
    noc_write_issue_cycles: int = 22  # a RISC-V handing one write (or multicast, semaphore) command to its NIU
    noc_read_issue_cycles: int = 19  # ... one read command
    noc_response_cycles: int = 50  # the far end turning a request into its response: read data, or a write ack
    noc_write_bytes_per_cycle: float = 31.28  # how fast a NIU injects write data (the link carries 32)
    noc_read_bytes_per_cycle: float = 28.86  # how fast read data comes back into a core (its NIU absorbing it)
    noc_mcast_setup_cycles: int = 13  # an unlinked multicast packet reserving its path...
    noc_mcast_dest_cycles: float = 6.09  # ... plus this per destination, before its data leaves
    noc_mcast_packet_cycles: int = 19  # a multicast packet's NIU time beyond a write packet's
    dram_banks: tuple[tuple[int, int], ...] = ()  # default: every DRAM tile, in (y, x) order
    dram_bank_bytes: int = 1 << 30
    dram_bank_bytes_per_cycle: float = 22.09
    dram_latency_cycles: int = 143  # a bank's read data leaving it after the bank has moved it
    dram_write_latency_cycles: int | None = 133  # a write landing after the bank has taken it (None: as reads)
    dram_write_burst_bytes: int = 256  # a DRAM write smaller than this ...
    dram_partial_write_cycles: int = 63  # ... holds its bank this long (read-modify-write)
    dram_stream_bytes_per_cycle: float = 0.0  # a bank's rate for accesses of at least the sizes below (0: none)
    dram_read_stream_bytes: int = 0  # the smallest read that moves at the stream rate
    dram_write_stream_bytes: int = 0  # the smallest write that moves at the stream rate
    dram_write_buffer_bytes: int = 0  # writes a bank's controller accepts and acknowledges before it writes them
    notes: str = ""

    def __post_init__(self) -> None:
        if self.width < 1 or self.height < 1:
            raise ConfigError(f"mesh '{self.name}': grid {self.width}x{self.height} must be at least 1x1")
        if not self.compute_xs:
            object.__setattr__(self, "compute_xs", tuple(x for x in range(self.width) if self._col_has_tensix(x)))
        if not self.compute_ys:
            object.__setattr__(self, "compute_ys", tuple(y for y in range(self.height) if self._row_has_tensix(y)))
        for x in self.compute_xs:
            for y in self.compute_ys:
                self._check_on_grid((x, y), "compute core")
                if self.kind((x, y)) is not TileKind.TENSIX:
                    raise ConfigError(
                        f"mesh '{self.name}': compute core at NoC ({x}, {y}) is a {self.kind((x, y)).value} tile"
                    )
        if not self.dram_banks:
            banks = tuple(p for p in sorted(self.tiles, key=lambda p: (p[1], p[0])) if self.tiles[p] is TileKind.DRAM)
            object.__setattr__(self, "dram_banks", banks)
        for pos in self.dram_banks:
            self._check_on_grid(pos, "DRAM bank")
            if self.kind(pos) is not TileKind.DRAM:
                raise ConfigError(
                    f"mesh '{self.name}': DRAM bank at NoC {pos} is on a {self.kind(pos).value} tile; "
                    f"mark it tiles={{{pos}: TileKind.DRAM}}"
                )
        if self.link_bytes_per_cycle <= 0 or self.max_packet_bytes < self.link_bytes_per_cycle:
            raise ConfigError(
                f"mesh '{self.name}': link width and max packet size must be positive, packet >= one flit"
            )

    def _col_has_tensix(self, x: int) -> bool:
        return any(self.kind((x, y)) is TileKind.TENSIX for y in range(self.height))

    def _row_has_tensix(self, y: int) -> bool:
        return any(self.kind((x, y)) is TileKind.TENSIX for x in range(self.width))

    def _check_on_grid(self, pos: tuple[int, int], what: str) -> None:
        x, y = pos
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise ConfigError(
                f"mesh '{self.name}': {what} at NoC ({x}, {y}) is outside the {self.width}x{self.height} grid"
            )

    def kind(self, pos: tuple[int, int]) -> TileKind:
        """Tile kind at a NoC coordinate."""
        return self.tiles.get(pos, TileKind.TENSIX)

    @property
    def compute_grid(self) -> tuple[int, int]:
        """(columns, rows) of the logical compute grid."""
        return len(self.compute_xs), len(self.compute_ys)

    @property
    def num_cores(self) -> int:
        return len(self.compute_xs) * len(self.compute_ys)

    @property
    def dram_bytes_per_s(self) -> float:
        peak = max(self.dram_bank_bytes_per_cycle, self.dram_stream_bytes_per_cycle)  # large accesses stream faster
        return peak * len(self.dram_banks) * self.clock_hz

    def noc_xy(self, core: tuple[int, int]) -> tuple[int, int]:
        """NoC coordinate of logical compute core (cx, cy)."""
        cx, cy = core
        if not (0 <= cx < len(self.compute_xs) and 0 <= cy < len(self.compute_ys)):
            cols, rows = self.compute_grid
            raise ConfigError(f"core ({cx}, {cy}) is outside the {cols}x{rows} compute grid of '{self.name}'")
        return self.compute_xs[cx], self.compute_ys[cy]

    def logical_cores(self) -> list[tuple[int, int]]:
        """All logical compute cores ordered by (y, x)."""
        cols, rows = self.compute_grid
        return [(x, y) for y in range(rows) for x in range(cols)]

    def with_(self, **changes) -> MeshConfig:
        """A copy with some parameters overridden (e.g. `clock_hz=1.2e9`)."""
        return replace(self, **changes)

    def summary(self) -> str:
        cols, rows = self.compute_grid
        return (
            f"{self.name:<16} grid {self.width}x{self.height} NoC, compute {cols}x{rows} ({self.num_cores} cores), "
            f"L1 {self.l1_bytes // 1024} KiB, {self.clock_hz / 1e9:g} GHz, link {self.link_bytes_per_cycle} B/cycle, "
            f"packet {self.max_packet_bytes // 1024} KiB, DRAM {len(self.dram_banks)} banks x "
            f"{self.dram_bytes_per_s / len(self.dram_banks) / 1e9:g} GB/s = {self.dram_bytes_per_s / 1e9:g} GB/s"
        )
