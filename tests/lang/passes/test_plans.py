"""plans: the multicast grid matmul's k step and output CB, derived by hand from L1's size and the timing model."""

import pytest

from tensix.lang.passes.plans import _Grid, _plan, holds_whole
from tensix.presets import resolve

# an 8 x 8 tile block per core on a 2 x 2 grid, k of 30 tiles, in 800,000 B of L1, bf16 throughout:
# partial sums 64 x 4096 = 262,144 B (<= 0.4 L1: one pass); sub-blocks 8 x 2 (16 DST tiles), 4 of them;
# room for the bands: 0.8 L1 - partial sums - 2 output sub-blocks (65,536) - a bias row (16,384) = 295,936 B;
# one k tile of both double-buffered bands: 2 x (8 + 8) x 2048 = 65,536 B, so k steps of 4 tiles;
# with the whole output block (2 more sub-blocks, 65,536 B) held: k steps of 3
GRID = _Grid(xs=[0, 1], ys=[0, 1], mt=16, kt=30, nt=16, bm=8, bn=8)
CFG = resolve(None).with_(l1_bytes=800_000)
BF16 = ("bf16", "bf16", "bf16")


def test_a_spilling_block_holds_its_whole_output_where_the_k_step_beside_it_hides_the_packer():
    # HiFi4: a k step of 3 tiles multiplies 3 x 64 = 192 cycles into each output tile, more than packing its fp32
    # partial sum with L1 accumulation (2 + 4096 / 32 = 130): the output CB holds all 4 sub-blocks
    plan = _plan(GRID, BF16, CFG, 1, "HiFi4")
    assert (plan.passes, plan.width, plan.sub, plan.room, plan.whole) == (1, 8, (8, 2), 295_936, 4)
    assert plan.kb == 3 and plan.out_slots(plan.kb, BF16, 8) == 4


def test_a_k_step_too_short_for_the_packer_keeps_the_room_and_two_output_sub_blocks():
    # LoFi: a bf16 tile product is unpacker-bound, 2 + 2048 / 64 = 34 cycles; 3 x 34 = 102 < 130, so the k step
    # stays at the 4 tiles the two-sub-block output CB leaves room for, and out_slots 0 means two
    plan = _plan(GRID, BF16, CFG, 1, "LoFi")
    assert plan.kb == 4 and plan.out_slots(plan.kb, BF16, 8) == 0


@pytest.mark.parametrize(("kb", "fidelity", "fmt", "holds"), [
    (2, "HiFi4", "bf16", False),  # 128 < 130
    (3, "HiFi4", "bf16", True),  # 192
    (8, "LoFi", "bfp8_b", True),  # 8 x max(16, 2 + 17) = 152
    (6, "LoFi", "bfp8_b", False),  # 114
    (0, "HiFi4", "bf16", False),  # no room for a k step
])
def test_holds_whole_compares_a_k_steps_products_per_output_tile_with_its_accumulating_pack(kb, fidelity, fmt, holds):
    assert holds_whole(kb, fidelity, fmt) is holds
