"""core_map (tt-metal programming example): enumerate every core of one chip from its SoC descriptor, print the
NoC-0 map, per-core table and DRAM-bank workers, and check the map against the hard-coded Wormhole B0 layout
(on a Wormhole preset; other architectures skip the check, as tt-metal's does). main() returns the exit code."""

import sys
from dataclasses import dataclass

from tensix.metal import *  # noqa: F403


@dataclass
class CellInfo:
    type: CoreType = CoreType.COUNT  # COUNT == empty / unknown.
    harvested: bool = False
    dram_channel: int | None = None
    dram_subchannel: int | None = None
    eth_channel: int | None = None


kGlyphEmpty = "."


def type_glyph(t):
    return {CoreType.TENSIX: "T", CoreType.DRAM: "D", CoreType.ETH: "E", CoreType.ACTIVE_ETH: "E",
            CoreType.IDLE_ETH: "E", CoreType.PCIE: "P", CoreType.ARC: "A", CoreType.ROUTER_ONLY: "R",
            CoreType.HARVESTED: "H", CoreType.WORKER: "W", CoreType.SECURITY: "S",
            CoreType.L2CPU: "L"}.get(t, kGlyphEmpty)


kExpectedWormholeB0Grid = [
    "DEEEEDEEEE",  # y=0
    "DTTTTDTTTT",  # y=1
    "RTTTTDTTTT",  # y=2
    "PTTTTDTTTT",  # y=3
    "RTTTTDTTTT",  # y=4
    "DTTTTDTTTT",  # y=5
    "DEEEEDEEEE",  # y=6
    "DTTTTDTTTT",  # y=7
    "RTTTTDTTTT",  # y=8
    "RTTTTDTTTT",  # y=9
    "ATTTTDTTTT",  # y=10
    "DTTTTDTTTT",  # y=11
]


def bucket_glyph(t):
    g = type_glyph(t)
    if g == "H":
        return "T"
    return g


def core_type_name(t):
    return tt.to_str(t)


def arch_name(arch):
    return {ARCH.WORMHOLE_B0: "WORMHOLE_B0", ARCH.BLACKHOLE: "BLACKHOLE", ARCH.QUASAR: "QUASAR",
            ARCH.Invalid: "INVALID"}.get(arch, "UNKNOWN")


def fmt_yx(y, x):
    return f"({y},{x})"


def build_observed_grid(soc_desc):
    gx = soc_desc.grid_size.x
    gy = soc_desc.grid_size.y
    grid = [[CellInfo() for _ in range(gx)] for _ in range(gy)]

    def paint(type):
        for c in soc_desc.get_cores(type, CoordSystem.NOC0):
            if c.x < gx and c.y < gy:
                grid[c.y][c.x].type = type

    paint(CoreType.ARC)
    paint(CoreType.PCIE)
    paint(CoreType.ROUTER_ONLY)
    paint(CoreType.DRAM)
    paint(CoreType.ETH)
    paint(CoreType.TENSIX)

    for c in soc_desc.get_harvested_cores(CoreType.TENSIX, CoordSystem.NOC0):
        if c.x < gx and c.y < gy:
            grid[c.y][c.x].type = CoreType.TENSIX
            grid[c.y][c.x].harvested = True

    per_subch = soc_desc.get_dram_cores()
    for ch in range(soc_desc.get_num_dram_channels()):
        if ch >= len(per_subch):
            break
        for sub in range(len(per_subch[ch])):
            c = per_subch[ch][sub]
            if c.coord_system != CoordSystem.NOC0:
                continue
            if c.x >= gx or c.y >= gy:
                continue
            grid[c.y][c.x].dram_channel = ch
            grid[c.y][c.x].dram_subchannel = int(sub)

    for ch in range(soc_desc.get_num_eth_channels()):
        c = soc_desc.get_eth_core_for_channel(ch, CoordSystem.NOC0)
        if c.x < gx and c.y < gy:
            grid[c.y][c.x].eth_channel = ch

    return grid


def print_grid(grid):
    if not grid:
        return
    gx = len(grid[0])
    gy = len(grid)

    print("\n=== Physical NOC0 core map (x=column, y=row) ===")
    print("Legend: T=TENSIX  D=DRAM  E=ETH  P=PCIE  A=ARC  R=ROUTER  H=HARVESTED_TENSIX  .=unused\n")

    print("     " + "".join(f"{x:>2} " for x in range(gx)))
    print("    +" + "---" * gx)
    for y in range(gy):
        row = "".join(f" {'H' if grid[y][x].harvested else type_glyph(grid[y][x].type)} " for x in range(gx))
        print(f" {y:>2} |{row}")
    sys.stdout.flush()


def print_per_core_table(grid):
    print("\n=== Per-core description (NOC0 coords) ===")
    print(f"{'y,x':<10}{'type':<10}{'harvested':<12}extra")
    for y in range(len(grid)):
        for x in range(len(grid[y])):
            c = grid[y][x]
            if c.type == CoreType.COUNT:
                continue

            extra = ""
            if c.dram_channel is not None:
                extra += f"dram_ch={c.dram_channel} subch={c.dram_subchannel}"
            if c.eth_channel is not None:
                if extra:
                    extra += "  "
                extra += f"eth_ch={c.eth_channel}"

            print(f"{fmt_yx(y, x):<10}{core_type_name(c.type):<10}{'yes' if c.harvested else 'no':<12}{extra}")
    sys.stdout.flush()


def print_dram_worker_assignment(device, soc_desc, noc):
    print(f"\n=== Optimal DRAM-bank -> logical worker (NOC{0 if noc == NOC.NOC_0 else 1}) ===")
    workers = device.get_optimal_dram_bank_to_logical_worker_assignment(noc)
    noc_id = 0 if noc == NOC.NOC_0 else 1

    print(f"{'bank':<6}{'dram_endpoint_NOC0':<22}{'dram_endpoint_TRANS':<22}{'logical_worker':<18}"
          f"{'physical_worker_NOC0':<22}")

    for bank in range(len(workers)):
        dram_translated = soc_desc.get_preferred_worker_core_for_dram_view(bank, noc_id)
        dram_noc0 = soc_desc.translate_coord_to(
            tt.umd.CoreCoord(dram_translated.x, dram_translated.y, CoreType.DRAM, CoordSystem.TRANSLATED),
            CoordSystem.NOC0)
        w_logical = workers[bank]
        w_phys = soc_desc.get_physical_tensix_core_from_logical(w_logical)

        print(f"{bank:<6}{fmt_yx(dram_noc0.y, dram_noc0.x):<22}{fmt_yx(dram_translated.y, dram_translated.x):<22}"
              f"{fmt_yx(w_logical.y, w_logical.x):<18}{fmt_yx(w_phys.y, w_phys.x):<22}")
    sys.stdout.flush()


def verify_against_wormhole_b0(grid):
    print("\n=== Verification against expected Wormhole B0 NOC0 map ===")
    if len(grid) != len(kExpectedWormholeB0Grid) or (grid and len(grid[0]) != len(kExpectedWormholeB0Grid[0])):
        print(f"GRID SIZE MISMATCH: observed={len(grid)}x{len(grid[0]) if grid else 0} expected=12x10")
        return -1

    mismatches = 0
    for y in range(len(grid)):
        for x in range(len(grid[y])):
            expected = kExpectedWormholeB0Grid[y][x]
            observed = bucket_glyph(grid[y][x].type)
            if expected != observed:
                print(f"  mismatch at ({y},{x}): expected '{expected}' observed '{observed}' "
                      f"({core_type_name(grid[y][x].type)})")
                mismatches += 1

    if mismatches == 0:
        print("OK: every physical NOC0 cell matches the expected Wormhole B0 layout.")
    else:
        print(f"FAIL: {mismatches} cell(s) did not match the expected WH B0 layout.")
    return mismatches


def print_core_counts(grid):
    counts = {}
    harvested = 0
    for row in grid:
        for c in row:
            if c.type == CoreType.COUNT:
                continue
            counts[core_type_name(c.type)] = counts.get(core_type_name(c.type), 0) + 1
            if c.harvested:
                harvested += 1

    print("\n=== Core counts (from SocDescriptor enumeration) ===")
    for name, n in sorted(counts.items()):
        print(f"  {name:<14}{n}")
    print(f"  (of which tensix tiles that are harvested on this board: {harvested})")
    sys.stdout.flush()


def main(device=None) -> int:
    try:
        device_id = 0
        mesh_device = tt.tt_metal.distributed.MeshDevice.create_unit_mesh(device_id, device)
        device = mesh_device.get_devices()[0]

        cluster = tt.tt_metal.MetalContext.instance().get_cluster()
        soc_desc = cluster.get_soc_desc(device.id())
        harvest_mask = cluster.get_harvesting_mask(device.id())

        grid_size = device.grid_size()
        logical_grid = device.logical_grid_size()
        cws_grid = device.compute_with_storage_grid_size()
        dram_grid = device.dram_grid_size()

        print(f"=== Device / chip summary (device_id={device.id()}) ===")
        print(f"  arch:                         {arch_name(device.arch())}")
        print(f"  physical NOC grid size:       {grid_size.x} x {grid_size.y}")
        print(f"  logical (enabled) tensix:     {logical_grid.x} x {logical_grid.y}")
        print(f"  compute_with_storage_grid:    {cws_grid.x} x {cws_grid.y}")
        print(f"  dram grid (views x ports):    {dram_grid.x} x {dram_grid.y}")
        print(f"  num_dram_channels (banks):    {device.num_dram_channels()}")
        print(f"  soc num_dram_views:           {soc_desc.get_num_dram_views()}")
        print(f"  soc num_eth_channels:         {soc_desc.get_num_eth_channels()}")
        print(f"  tensix_harvesting_mask:       0x{harvest_mask:x}")
        sys.stdout.flush()

        grid = build_observed_grid(soc_desc)
        print_grid(grid)
        print_core_counts(grid)
        print_per_core_table(grid)

        print_dram_worker_assignment(device, soc_desc, NOC.NOC_0)
        print_dram_worker_assignment(device, soc_desc, NOC.NOC_1)

        fail_count = 0
        if device.arch() == ARCH.WORMHOLE_B0:
            m = verify_against_wormhole_b0(grid)
            if m != 0:
                fail_count += 1 if m == -1 else m
        else:
            print("\n(Verification against hard-coded map is only implemented for WORMHOLE_B0; skipping.)")

        mesh_device.close()
        return 0 if fail_count == 0 else 1
    except Exception as e:
        print(f"core_map: caught exception: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
