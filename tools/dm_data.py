"""Published data-movement measurements (cycles from kernel start to barrier) that the timing model is fitted
to and checked against: tt-metal `tests/tt_metal/tt_metal/data_movement/documentation/perf_plots/<arch>/`,
the tables beside the plots (one to one, one from one, DRAM, one to all multicast 2x2 / 5x5, linked or not,
without loopback). Sizes are bytes per transaction, counts transactions per run; a subset of each table.
"""

from __future__ import annotations

_ROOT = "tenstorrent/tt-metal tests/tt_metal/tt_metal/data_movement/documentation/perf_plots"
COUNTS = (1, 16, 256)
SIZES = {"wormhole_n150": (32, 256, 1024, 4096, 16384, 65536), "blackhole_p150": (64, 256, 1024, 4096, 16384, 65536)}

# (device, experiment, multicast side) -> (source table, {count: latencies by SIZES[device]})
MEASURED: dict[tuple[str, str, int], tuple[str, dict[int, tuple[int, ...]]]] = {
    ("wormhole_n150", "one_to_one", 0): ("wormhole_b0/One to One Packet Sizes.md", {
        1: (294, 302, 326, 431, 821, 2402), 16: (637, 645, 829, 2407, 8719, 33969),
        256: (5903, 6165, 8872, 34049, 134861, 538649)}),
    ("wormhole_n150", "one_from_one", 0): ("wormhole_b0/One from One Packet Sizes.md", {
        1: (290, 298, 322, 434, 864, 2577), 16: (585, 585, 889, 2585, 9410, 36718),
        256: (5145, 5145, 9801, 37017, 145956, 583636)}),
    ("wormhole_n150", "dram_read", 0): ("wormhole_b0/DRAM Interleaved Packet Sizes.md (Receiver)", {
        1: (384, 391, 423, 552, 1213, 3299), 16: (735, 743, 1060, 3387, 12091, 47902),
        256: (5469, 5493, 12076, 47295, 188061, 762381)}),
    ("wormhole_n150", "dram_write", 0): ("wormhole_b0/DRAM Interleaved Packet Sizes.md (Sender)", {
        1: (401, 424, 460, 583, 1089, 3479), 16: (1439, 737, 1086, 3467, 12272, 48838),
        256: (16558, 6306, 12435, 47971, 190718, 775371)}),
    ("wormhole_n150", "mcast", 2): ("wormhole_b0/One to All Multicast 2x2 Packet Sizes without Loopback.md", {
        1: (341, 346, 370, 469, 930, 2828), 16: (1140, 1252, 1655, 3238, 10395, 40781),
        256: (13869, 15663, 22165, 47407, 161929, 647698)}),
    ("wormhole_n150", "mcast", 5): ("wormhole_b0/One to All Multicast 5x5 Packet Sizes without Loopback.md", {
        1: (470, 475, 498, 594, 1182, 3885), 16: (3194, 3300, 3717, 5341, 14675, 57751),
        256: (46631, 48426, 55018, 80886, 230141, 918861)}),
    ("wormhole_n150", "mcast_linked", 5): (
        "wormhole_b0/One to All Multicast Linked 5x5 Packet Sizes without Loopback.md", {
            1: (468, 475, 498, 596, 1183, 3891), 16: (812, 843, 1224, 2844, 9653, 37750),
            256: (6565, 6644, 13095, 38703, 144964, 579328)}),
    ("blackhole_p150", "one_to_one", 0): ("blackhole/One to One Packet Sizes.md", {
        1: (366, 363, 376, 425, 625, 1414), 16: (731, 732, 742, 1420, 4553, 17111),
        256: (6496, 6493, 6510, 17229, 67308, 268274)}),
    ("blackhole_p150", "one_from_one", 0): ("blackhole/One from One Packet Sizes.md", {
        1: (368, 368, 385, 432, 633, 1432), 16: (884, 886, 893, 1430, 4589, 17313),
        256: (9279, 9291, 9293, 17482, 68125, 271566)}),
    ("blackhole_p150", "dram_read", 0): ("blackhole/DRAM Interleaved Packet Sizes.md (Receiver)", {
        1: (479, 674, 540, 673, 1186, 2700), 16: (1007, 1007, 1198, 3354, 11552, 30658),
        256: (9363, 9387, 12594, 49295, 178012, 480262)}),
    ("blackhole_p150", "dram_write", 0): ("blackhole/DRAM Interleaved Packet Sizes.md (Sender)", {
        1: (392, 395, 413, 461, 682, 2065), 16: (766, 764, 790, 2685, 7024, 30073),
        256: (6509, 6526, 12278, 44170, 113201, 479627)}),
    ("blackhole_p150", "mcast", 5): ("blackhole/One to All Multicast 5x5 Packet Sizes without Loopback.md", {
        1: (508, 498, 516, 570, 753, 1997), 16: (2516, 2572, 2762, 3750, 7233, 26793),
        256: (34921, 35694, 38773, 56907, 106265, 422795)}),
    ("blackhole_p150", "mcast_linked", 5): (
        "blackhole/One to All Multicast Linked 5x5 Packet Sizes without Loopback.md", {
            1: (508, 497, 516, 570, 753, 1999), 16: (856, 857, 971, 1800, 4972, 18875),
            256: (6619, 6625, 8651, 21995, 72497, 289055)}),
}


def points():
    """Every calibration point: (device, experiment, side, size, count, measured cycles, source path)."""
    for (device, experiment, side), (table, by_count) in MEASURED.items():
        for count in COUNTS:
            for size, cycles in zip(SIZES[device], by_count[count], strict=True):
                yield device, experiment, side, size, count, cycles, f"{_ROOT}/{table}"


def measured(device: str, experiment: str, side: int, size: int, count: int) -> int:
    """One published latency."""
    return MEASURED[(device, experiment, side)][1][count][SIZES[device].index(size)]
