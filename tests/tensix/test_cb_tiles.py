"""What a compute kernel reads from a CB page: unpacked once while the page stays, and the page's new values once the
slot holds another page (the slot's tile array is reused); and what a kernel blocked in a CB call is reported
waiting for: the counts at the moment it blocked."""

import pytest

from tensix import DeadlockError, Mesh, MeshConfig, Program

SMALL = MeshConfig(width=2, height=2)
MID = 3


def k_round_trip(ctx, *, seen: list, rounds: int):
    """Round r packs a tile of r into the next page of MID (2 pages: slot 0, 1, 0, ...), then reads it twice."""
    for r in range(rounds):
        ctx.tile_regs_acquire()
        ctx.add_scalar_tile(0, float(r))  # DST 0 = r (zeroed at acquire)
        ctx.cb_reserve_back(MID, 1)
        ctx.pack_tile(0, MID)
        ctx.cb_push_back(MID, 1)
        ctx.tile_regs_release()
        ctx.cb_wait_front(MID, 1)
        ctx.tile_regs_acquire()
        ctx.copy_tile(MID, 0, 1)
        ctx.mul_tiles(MID, MID, 0, 0, 2)  # the same page again: its cached tile
        seen.append((float(ctx.dst[1, 5, 7]), float(ctx.dst[2, 31, 0])))
        ctx.tile_regs_release()
        ctx.cb_pop_front(MID, 1)


def _program(kernel, **args) -> Program:
    p = Program(name="cb_tiles")
    p.circular_buffer((0, 0), MID, "fp32", 2, "mid")
    p.kernel((0, 0), "compute", kernel, args)
    return p


def test_a_reused_slot_reads_its_new_page():
    seen: list = []
    Mesh(SMALL).run(_program(k_round_trip, seen=seen, rounds=5))
    assert seen == [(float(r), float(r * r)) for r in range(5)]


def k_fill_and_reserve(ctx):
    for _ in range(2):
        ctx.cb_reserve_back(MID, 1)
        ctx.cb_push_back(MID, 1)
    ctx.cb_reserve_back(MID, 1)  # both pages are filled and no one drains them: none is ever free


def test_a_kernel_blocked_on_a_full_cb_is_reported_with_the_free_pages_it_saw():
    with pytest.raises(DeadlockError) as e:
        Mesh(SMALL).run(_program(k_fill_and_reserve))
    assert str(e.value).endswith("compute kernel on core (0, 0) waits in cb_reserve_back(1) on CB 3 'mid' on core "
                                 "(0, 0) (0 of 2 free)")
