"""The real devices as MeshConfigs, from public tt-metal SoC descriptors (docs/device.md); docs/timing.md sources
their timing.

Positions are NoC-0 coordinates. Where the public sources leave a choice (which rows are harvested,
which DRAM tiles serve as bank endpoints) the choice is named here and is a parameter.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tensix.config import MeshConfig, TileKind
from tensix.errors import ConfigError

DEFAULT_DEVICE = "wormhole_n150"


def _tiles(**kinds: list[tuple[int, int]]) -> dict[tuple[int, int], TileKind]:
    return {pos: TileKind(kind) for kind, positions in kinds.items() for pos in positions}


def wormhole_n150() -> MeshConfig:
    """Wormhole B0: 10x12 NoC grid, 80 Tensix (x 1-4, 6-9; y 1-5, 7-11), 8x8 usable on n150.

    DRAM: 18 tiles in columns x=0 and x=5 (6 channels x 3 tiles); 12 bank endpoints, 2 per channel.
    Harvested rows (y=10, 11) are a modelling choice: real boards fuse off rows per chip.
    """
    dram = [(0, 0), (0, 1), (0, 11), (0, 5), (0, 6), (0, 7), (5, 0), (5, 1), (5, 11), (5, 2), (5, 9), (5, 10),
            (5, 3), (5, 4), (5, 8), (5, 5), (5, 6), (5, 7)]
    eth = [(x, y) for y in (0, 6) for x in (1, 2, 3, 4, 6, 7, 8, 9)]
    harvested = [(x, y) for y in (10, 11) for x in (1, 2, 3, 4, 6, 7, 8, 9)]
    other = [(0, y) for y in (2, 4, 8, 9)]
    return MeshConfig(
        name="wormhole_n150", width=10, height=12,
        tiles=_tiles(dram=dram, eth=eth, harvested=harvested, other=other, arc=[(0, 10)], pcie=[(0, 3)]),
        compute_xs=(1, 2, 3, 4, 6, 7, 8, 9), compute_ys=(1, 2, 3, 4, 5, 7, 8, 9),
        l1_bytes=1464 * 1024, clock_hz=1.0e9, link_bytes_per_cycle=32, max_packet_bytes=8192,
        dram_banks=((0, 0), (0, 1), (0, 5), (0, 6), (5, 0), (5, 1), (5, 2), (5, 9), (5, 3), (5, 4), (5, 5), (5, 6)),
        dram_bank_bytes=1 << 30,  # NoC and DRAM timing: the MeshConfig defaults, fitted to Wormhole (docs/timing.md)
        notes="12 banks x 24 GB/s = 288 GB/s (22.1 measured per bank); 64 of 80 Tensix usable",
    )


def blackhole_p150() -> MeshConfig:
    """Blackhole: 17x12 NoC grid, Tensix at x 1-7, 10-16 and y 2-11 (14x10); 11x10 used here (docs/device.md), up to
    14x10 as a harvesting variant (`blackhole_p150:13x10`, with_grid).

    DRAM: columns x=0 and x=9 (8 channels x 3 tiles); one bank endpoint per channel. Ethernet row y=1; column x=8
    below ARC router-only (tt-metal `blackhole_140_arch.yaml`).
    """
    dram = [(x, y) for x in (0, 9) for y in range(12)]
    eth = [(x, 1) for x in (*range(1, 8), *range(10, 17))]
    top = [(x, 0) for x in (*range(1, 8), *range(10, 17)) if x not in (2, 8, 11)]
    routers = [(8, y) for y in range(1, 12)]  # router-only tiles between the Tensix column groups
    harvested = [(x, y) for x in (14, 15, 16) for y in range(2, 12)]
    return MeshConfig(
        name="blackhole_p150", width=17, height=12,
        tiles=_tiles(dram=dram, eth=eth, other=top + routers, harvested=harvested, pcie=[(2, 0), (11, 0)],
                     arc=[(8, 0)]),
        compute_xs=(1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13), compute_ys=tuple(range(2, 12)),
        l1_bytes=1536 * 1024, clock_hz=1.35e9, link_bytes_per_cycle=64, max_packet_bytes=16384,
        dram_banks=((0, 0), (0, 2), (0, 9), (0, 5), (9, 0), (9, 2), (9, 9), (9, 5)),
        dram_bank_bytes=4 << 30,
        # fitted to Blackhole's micro-measurements by tools/calibrate_dm.py (docs/timing.md)
        noc_write_issue_cycles=24, noc_read_issue_cycles=35, noc_write_bytes_per_cycle=62.86,
        noc_read_bytes_per_cycle=62.1, noc_response_cycles=54, dram_bank_bytes_per_cycle=22.88,
        dram_stream_bytes_per_cycle=35.66, dram_read_stream_bytes=65536, dram_write_stream_bytes=16384,
        dram_write_buffer_bytes=6144,
        dram_partial_write_cycles=0, dram_write_burst_bytes=64, dram_latency_cycles=158,
        dram_write_latency_cycles=84,
        noc_mcast_setup_cycles=13, noc_mcast_dest_cycles=4.17, noc_mcast_packet_cycles=19,
        notes="8 banks x 64 GB/s = 512 GB/s (21-35 B/cycle measured from one bank to one core)",
    )


def grayskull_e150() -> MeshConfig:
    """Grayskull: 13x12 NoC grid, Tensix at x 1-12, y 1-5 and 7-11; 12x9 usable (grid uncertain).

    DRAM: 8 banks in rows y=0 and y=6; column x=0 holds ARC, PCIe and router-only tiles.
    """
    dram = [(x, y) for y in (0, 6) for x in (1, 4, 7, 10)]
    other = [(x, y) for y in (0, 6) for x in range(1, 13) if x not in (1, 4, 7, 10)]
    other += [(0, y) for y in range(12) if y not in (2, 4)]
    harvested = [(x, 11) for x in range(1, 13)]
    return MeshConfig(
        name="grayskull_e150", width=13, height=12,
        tiles=_tiles(dram=dram, other=other, harvested=harvested, arc=[(0, 2)], pcie=[(0, 4)]),
        compute_xs=tuple(range(1, 13)), compute_ys=(1, 2, 3, 4, 5, 7, 8, 9, 10),
        l1_bytes=1024 * 1024, clock_hz=1.2e9, link_bytes_per_cycle=32, max_packet_bytes=8192,
        dram_banks=tuple(dram), dram_bank_bytes=1 << 30, dram_bank_bytes_per_cycle=118e9 / 8 / 1.2e9,
        notes="8 banks, 118 GB/s in all; NoC timing uncalibrated (Wormhole's)",
    )


PRESETS = {"wormhole_n150": wormhole_n150, "blackhole_p150": blackhole_p150, "grayskull_e150": grayskull_e150}


def preset(name: str = DEFAULT_DEVICE) -> MeshConfig:
    """The MeshConfig of a named device, or of a harvesting variant named `NAME:WxH` (with_grid); raises
    ConfigError with the known names otherwise."""
    base, _, grid = name.partition(":")
    if base not in PRESETS:
        raise ConfigError(f"unknown device '{base}'; known devices: {', '.join(PRESETS)}")
    if not grid:
        return PRESETS[base]()
    return with_grid(PRESETS[base](), *parse_grid(grid, f"device '{name}'"))


def parse_grid(text: str, where: str) -> tuple[int, int]:
    """(columns, rows) from 'WxH'; `where` names what gave it in the error."""
    found = re.fullmatch(r"\s*(\d+)x(\d+)\s*", text)
    if not found or int(found[1]) < 1 or int(found[2]) < 1:
        raise ConfigError(f"{where}: give the grid as WxH with W, H >= 1, e.g. 8x8 (got '{text}')")
    return int(found[1]), int(found[2])


def tensix_grid(cfg: MeshConfig) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The NoC columns and rows that hold Tensix tiles, harvested or not: the physical grid a harvesting
    variant chooses its compute grid from (ascending)."""
    physical = [(x, y) for x in range(cfg.width) for y in range(cfg.height)
                if cfg.kind((x, y)) in (TileKind.TENSIX, TileKind.HARVESTED)]
    return tuple(sorted({x for x, _ in physical})), tuple(sorted({y for _, y in physical}))


def with_grid(cfg: MeshConfig, cols: int, rows: int) -> MeshConfig:
    """The harvesting variant of `cfg` whose compute grid is `cols` x `rows`: its own compute columns and rows
    first (logical order), then the other Tensix columns and rows of the chip by NoC coordinate; every other
    Tensix tile harvested (routers forward through it, no kernels run). DRAM, Ethernet, PCIe and ARC tiles, the
    DRAM banks and every number stay as they are. Named `NAME:WxH`; `cfg` itself when the grid is its own.
    Raises ConfigError past the chip's Tensix grid."""
    if (cols, rows) == cfg.compute_grid:
        return cfg
    all_xs, all_ys = tensix_grid(cfg)
    if cols > len(all_xs) or rows > len(all_ys):
        have = cfg.compute_grid
        raise ConfigError(
            f"device '{cfg.name}': a {cols}x{rows} compute grid does not fit its {len(all_xs)}x{len(all_ys)} "
            f"Tensix cores ({have[0]}x{have[1]} used by the preset); give at most {len(all_xs)}x{len(all_ys)}")
    xs = (*cfg.compute_xs, *(x for x in all_xs if x not in cfg.compute_xs))[:cols]
    ys = (*cfg.compute_ys, *(y for y in all_ys if y not in cfg.compute_ys))[:rows]
    tiles = {p: k for p, k in cfg.tiles.items() if k is not TileKind.HARVESTED}
    tiles |= {(x, y): TileKind.HARVESTED for x in all_xs for y in all_ys
              if cfg.kind((x, y)) in (TileKind.TENSIX, TileKind.HARVESTED) and (x not in xs or y not in ys)}
    base = cfg.name.partition(":")[0]
    return replace(cfg, name=f"{base}:{cols}x{rows}", tiles=tiles, compute_xs=xs, compute_ys=ys,
                   notes=f"{cfg.notes}; harvesting variant: {cols}x{rows} of {len(all_xs)}x{len(all_ys)} Tensix")


def resolve(device: str | MeshConfig | None) -> MeshConfig:
    """A MeshConfig from a preset name, a MeshConfig, or None (the default device)."""
    if isinstance(device, MeshConfig):
        return device
    return preset(device or DEFAULT_DEVICE)
