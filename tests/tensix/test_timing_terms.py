"""Each cost term of the timing model on a micro-program, against cycles derived by hand (docs/timing.md).

Wormhole defaults: write issue 22, read issue 19, hop 9, NIU 5, response 50, NIU write 31.28 B/cycle and read
28.86 B/cycle, multicast setup 13 + 6.09 per destination and 19 more NIU cycles per packet, DRAM 22.09
B/cycle, read latency 143, write latency 133, partial writes (< 256 B) 63 cycles. A one-flit packet from NIU
to NIU costs 2 x 5 + 9 x hops + 1.
"""

import numpy as np
import pytest

from tensix import Mesh, MeshConfig, TileKind, TimingModel
from tensix.programs.dm import dm_program

TORUS = MeshConfig(width=4, height=4)  # all Tensix; core (0, 0) and (1, 1) are NoC (0, 0) and (1, 1)
BANK = MeshConfig(width=2, height=1, tiles={(0, 0): TileKind.DRAM}, dram_banks=((0, 0),))  # core (0,0) = NoC (1,0)


def cycles(cfg, experiment, size, count, side=5):
    return Mesh(cfg).run(dm_program(experiment, size, count, side=side)).cycles


def test_a_write_waits_for_its_acknowledgement_over_the_return_path():
    # issue 22; 32 B = 2 flits over 2 hops (NoC 0: E then S): 22 + 5 + 18 + 2 + 5 = 52 at (1, 1); the ack
    # leaves after the response time 50 and comes back round the torus, 3 + 3 hops: 10 + 54 + 1 = 65
    assert cycles(TORUS, "one_to_one", 32, 1) == 52 + 50 + 65


@pytest.mark.parametrize("count", [2, 16])
def test_small_writes_are_bound_by_the_command_issue_cost(count):
    # each 32 B write holds the NIU 1 + ceil(32 / 31.28) = 3 cycles, less than its issue cost 22
    assert cycles(TORUS, "one_to_one", 32, count) == 22 * count + 30 + 50 + 65


def test_a_read_costs_its_request_the_response_time_and_the_data():
    # issue 19; the request goes round on NoC 1 (3 + 3 hops, 65), the far end answers after 50: data leaves at
    # 134 and crosses 2 hops (N then W): 134 + 5 + 18 + 2 + 5
    assert cycles(TORUS, "one_from_one", 32, 1) == 134 + 5 + 18 + 2 + 5


def test_read_data_comes_back_at_the_niu_absorb_rate():
    one = cycles(TORUS, "one_from_one", 8192, 1)
    assert one == 134 + 5 + 18 + 257 + 5
    # the second packet of 16 KiB leaves 1 + ceil(8192 / 28.86) = 285 cycles after the first, not 257
    assert cycles(TORUS, "one_from_one", 16384, 1) == 134 + 285 + 5 + 18 + 257 + 5


def test_multicast_reserves_its_path_per_destination_and_waits_for_every_ack():
    # 2x2 rectangle without the sender: 3 destinations, setup 13 + round(6.09 x 3) = 31; deepest leaf (1, 1)
    # 2 hops: 22 + 31 + 5 + 18 + 2 + 5 = 83; slowest ack from (1, 1): 50 + 65
    assert cycles(TORUS, "mcast", 32, 1, side=2) == 83 + 50 + 65


def test_a_linked_multicast_skips_the_next_reservation():
    # the first (linked) reserves the path: leaves the NIU at 22 + 31 = 53, which is busy 1 + 2 + 19 = 22
    # cycles; the second, issued at 44, goes at 75 without reserving: 75 + 5 + 18 + 2 + 5 = 105; unlinked it
    # reserves again first, 31 cycles
    assert cycles(TORUS, "mcast_linked", 32, 2, side=2) == 105 + 50 + 65
    assert cycles(TORUS, "mcast", 32, 2, side=2) == 105 + 31 + 50 + 65


def test_a_dram_read_waits_for_the_bank_latency():
    # issue 19; the request reaches the bank in 20 (1 hop) at 39; the bank answers after 143: data leaves at
    # 182 and lands at 182 + 5 + 9 + 2 + 5 = 203; but the bank moves its last byte at ceil(39 + 32 / 22.09) = 41,
    # which leaves 143 later and needs 20 more to land: 204
    assert cycles(BANK, "dram_read", 32, 1) == 204


def test_a_small_dram_write_holds_the_bank_for_a_partial_write():
    # issue 22; the head reaches the bank at 22 + 20 = 42; under 256 B the bank is busy 63 cycles (done 105);
    # the write lands 133 later, and its ack needs 20 more
    assert cycles(BANK, "dram_write", 32, 1) == 105 + 133 + 20
    # 256 B is a whole burst: 256 / 22.09 = 11.6 cycles (done 54), after the data is all in (50)
    assert cycles(BANK, "dram_write", 256, 1) == 54 + 133 + 20


def test_a_dram_bank_writes_as_the_data_arrives():
    # 8 KiB: the bank starts at 42 with the head, not at 298 when the last flit lands; done ceil(42 + 370.9)
    assert cycles(BANK, "dram_write", 8192, 1) == 413 + 133 + 20


def test_a_buffered_dram_write_is_acknowledged_before_the_bank_writes_it():
    # as above, the bank is done with 8 KiB at 42 + 370.9; with a 4 KiB write buffer the controller accepts the
    # last byte when int(4096 / 22.09) = 185 cycles of writing remain: 413 - 185 = 228; but the data is not all
    # in before the last of its 257 flits lands at 22 + 5 + 9 + 257 + 5 = 298
    buffered = BANK.with_(dram_write_buffer_bytes=4096)
    assert cycles(buffered, "dram_write", 8192, 1) == 298 + 133 + 20
    # a buffer as large as the write: the same, the ack waits for the last flit, not the bank
    assert cycles(BANK.with_(dram_write_buffer_bytes=8192), "dram_write", 8192, 1) == 298 + 133 + 20
    # 32 KiB (4 packets): the bank is done at ceil(42 + 32768 / 22.09) = 1526, accepted 185 earlier: 1341
    assert cycles(buffered, "dram_write", 32768, 1) == 1341 + 133 + 20


def test_large_dram_accesses_move_at_the_stream_rate():
    # from 8 KiB on, writes stream at 44 B/cycle: 8 KiB busy 186.2 cycles from 42, done 229, before its last
    # flit lands (298): the ack leaves with the data; 4 KiB stays at 22.09 B/cycle: done ceil(42 + 185.4) = 228,
    # after its last flit (22 + 5 + 9 + 129 + 5 = 170)
    fast = BANK.with_(dram_stream_bytes_per_cycle=44.0, dram_write_stream_bytes=8192, dram_read_stream_bytes=8192)
    assert cycles(fast, "dram_write", 8192, 1) == 298 + 133 + 20
    assert cycles(fast, "dram_write", 4096, 1) == 228 + 133 + 20
    # a read of 8 KiB streams too: the bank moves it in 186.2 cycles, faster than the NIU absorbs it; 4 KiB
    # reads do not stream: the bank's last byte at ceil(39 + 185.4) = 225 leaves 143 later and lands 20 after
    assert cycles(fast, "dram_read", 4096, 1) == 225 + 143 + 20


@pytest.mark.parametrize("fidelity,fmt,expected", [
    ("LoFi", "bf16", 34), ("HiFi2", "bf16", 34), ("HiFi3", "bf16", 48), ("HiFi4", "bf16", 64),
    ("LoFi", "bfp8_b", 19), ("LoFi", "bfp4_b", 16), ("HiFi2", "bfp8_b", 32), ("HiFi4", "fp32", 66),
])
def test_matmul_tile_cost_by_fidelity_and_format(fidelity, fmt, expected):
    # max(16 x phases, 2 + tile bytes / 64): bf16 2048 B -> 34, bfp8_b 1088 -> 19, bfp4_b 576 -> 11, fp32 -> 66
    assert TimingModel().matmul(fidelity, fmt) == expected


@pytest.mark.parametrize("fidelity,a_fmt,b_fmt,rt,ct,expected", [
    # ct >= rt: each of the rt A tiles is kept for its row of ct products; per k tile rt A + rt x ct B tiles
    ("HiFi2", "bf16", "bf16", 2, 3, max(6 * 32, 8 * 2 + 8 * 2048 // 64)),  # 272: the unpackers bound it
    ("HiFi4", "bf16", "bf16", 2, 3, 6 * 64),  # 384 > 272: the FPU does
    # ct < rt: each B tile is kept for its column; per k tile rt x ct A + ct B tiles
    ("LoFi", "bfp8_b", "bfp8_b", 16, 1, max(16 * 16, 17 * 2 + 17 * 1088 // 64)),  # 34 + 289 = 323
    # formats of their own: 1 bf16 A tile and 4 bfp8_b B tiles, 10 + ceil(6400 / 64) = 110
    ("LoFi", "bf16", "bfp8_b", 1, 4, 110),
    ("HiFi4", "bf16", "bf16", 1, 1, 68),  # a lone product unpacks both tiles: 4 + 4096 / 64
])
def test_a_matmul_block_unpacks_the_tiles_it_keeps_once_per_k_tile(fidelity, a_fmt, b_fmt, rt, ct, expected):
    assert TimingModel().matmul_block(fidelity, a_fmt, b_fmt, rt, ct) == expected


def test_a_matmul_block_price_follows_the_model_that_asks():
    # each model prices with its own fields. HiFi2 bf16 2x3: unpack-bound at 272 by
    # default; FPU-bound at 6 x 2 x 32 = 384 with 32-cycle phases; 8 x 2 + 16384 / 32 = 528 at half the unpack rate
    asked = [TimingModel(), TimingModel(matmul_cycles_per_phase=32), TimingModel(unpack_bytes_per_cycle=32),
             TimingModel(unpack_setup_cycles=10), TimingModel()]
    assert [t.matmul_block("HiFi2", "bf16", "bf16", 2, 3) for t in asked] == [272, 384, 528, 80 + 256, 272]


def test_pack_cost_by_format():
    t = TimingModel()
    assert [t.pack(f) for f in ("fp32", "bf16", "bfp8_b", "bfp4_b")] == [66, 34, 19, 11]


def test_issue_cost_override_changes_cycles_not_data():
    p = dm_program("one_to_one", 32, 4)
    fast, slow = Mesh(TORUS).run(p), Mesh(TORUS, timing=TimingModel(noc_issue_cycles=40)).run(p)
    assert slow.cycles - fast.cycles == 4 * (40 - 22)
    np.testing.assert_array_equal(fast.outputs.get("x", 0), slow.outputs.get("x", 0))


@pytest.mark.parametrize("op,fidelity,fmt,expected", [
    ("add", "HiFi4", "bf16", 66), ("add", "HiFi4", "bfp8_b", 36), ("add", "HiFi4", "bfp4_b", 20),
    ("mul", "HiFi4", "bfp4_b", 32), ("mul", "LoFi", "bfp4_b", 20),
])
def test_eltwise_cost_is_the_fpu_or_unpacking_both_tiles(op, fidelity, fmt, expected):
    # max(8 x (phases for mul), 2 + 2 tiles x bytes / 64): bf16 2 + 64, bfp8_b 2 + 34, bfp4_b 2 + 18
    assert TimingModel().eltwise(op, fidelity, fmt) == expected


def test_device_timing_changes_cycles_not_outputs():
    from tensix.programs.matmul import matmul_program

    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((64, 64), dtype=np.float32), rng.standard_normal((64, 64), dtype=np.float32)
    cfg = MeshConfig(width=3, height=2, tiles={(0, y): TileKind.DRAM for y in range(2)})  # 2x2 compute grid
    slow = cfg.with_(noc_write_issue_cycles=90, noc_response_cycles=200, dram_latency_cycles=400,
                     dram_bank_bytes_per_cycle=4.0, noc_read_bytes_per_cycle=8.0, noc_mcast_setup_cycles=300)
    p = matmul_program(64, 64, 64, grid=(2, 2))
    base, other = Mesh(cfg).run(p, {"A": a, "B": b}), Mesh(slow).run(p, {"A": a, "B": b})
    np.testing.assert_array_equal(base.outputs["C"], other.outputs["C"])
    assert other.cycles > 2 * base.cycles


@pytest.mark.parametrize("op,expected", [("relu", 96), ("exp", 320), ("gelu", 448)])
def test_sfpu_cost_counts_the_load_and_store_of_each_row(op, expected):
    # 1024 elements / 32 lanes = 32 rows, each an SFPLOAD, the op's instructions (relu 1, exp 8, gelu 12) and an
    # SFPSTORE, one instruction a cycle: 32 x 3, 32 x 10, 32 x 14
    assert TimingModel().sfpu(op) == expected
    assert TimingModel(sfpu_load_store_instructions=0).sfpu(op) == expected - 64
