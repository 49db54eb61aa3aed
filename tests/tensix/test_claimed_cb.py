"""A CB one kernel alone fills and drains can be its own (claim_cb): its calls on it do not sync with the engine, so
they cost no kernel switch, and the kernel's cycles are those of the same calls on a shared CB (its packs into it run on
the kernel's packer thread, tensix/packer.py); another
kernel touching it, a claim after use and a wait that can never end are errors."""

import pytest

from tensix import CircularBufferError, DeadlockError, Mesh, MeshConfig, Program

SMALL = MeshConfig(width=2, height=2)
MID = 3  # the CB the compute kernel keeps its intermediates in


def k_own(ctx, *, claim: bool, n: int):
    if claim:
        ctx.claim_cb(MID)
    for _ in range(n):  # spill a tile and reload it, as a spilled matmul does with its partial sums
        ctx.tile_regs_acquire()
        ctx.cb_reserve_back(MID, 1)
        ctx.pack_tile(0, MID)
        ctx.cb_push_back(MID, 1)
        ctx.cb_wait_front(MID, 1)
        ctx.copy_tile(MID, 0, 0)
        ctx.cb_pop_front(MID, 1)
        ctx.tile_regs_release()


def _program(kernel, cb_pages: int = 2, **args) -> Program:
    p = Program(name="claimed")
    p.circular_buffer((0, 0), MID, "fp32", cb_pages, "mid")
    p.kernel((0, 0), "compute", kernel, args)
    return p


def test_a_claimed_cb_costs_what_a_shared_one_does():
    shared, claimed = (Mesh(SMALL).run(_program(k_own, claim=c, n=5)) for c in (False, True))
    # per tile: pack fp32 (2 + 4096 / 64 = 66) then copy_tile (max(8, unpack 2 + 4096 / 64 = 66)): 132 cycles
    assert claimed.cycles == shared.cycles == 5 * 132
    # packs into the kernel's own CB run on its packer thread: where the shared run's compute kernel packs, the
    # claimed run's packer does, and its compute kernel waits for the tile (it reads it back at once)
    def spans(result, role):
        return [(s.name, s.start, s.end) for s in result.trace.spans if s.role == role]
    packs = [(name, a, b) for name, a, b in spans(shared, "compute") if name == "pack_tile"]
    assert spans(claimed, "packer") == packs and len(packs) == 5
    renamed = [("wait:packer" if name == "pack_tile" else name, a, b) for name, a, b in spans(shared, "compute")]
    assert spans(claimed, "compute") == renamed


def k_other(ctx):
    ctx.cb_reserve_back(MID, 1)


def test_another_kernel_touching_a_claimed_cb_is_refused():
    p = _program(k_own, claim=True, n=1)
    p.kernel((0, 0), "writer", k_other)
    with pytest.raises(CircularBufferError, match=r"CB 3 'mid' on core \(0, 0\): cb_reserve_back from the writer "
                                                  r"kernel, but the CB belongs to the compute kernel alone"):
        Mesh(SMALL).run(p)


def k_claim_late(ctx):
    ctx.cb_reserve_back(MID, 1)
    ctx.cb_push_back(MID, 1)
    ctx.claim_cb(MID)


def test_a_claim_after_pages_moved_is_refused():
    with pytest.raises(CircularBufferError, match=r"CB 3 'mid' on core \(0, 0\): claimed by the compute kernel "
                                                  r"after pages moved through it"):
        Mesh(SMALL).run(_program(k_claim_late))


def k_wait_own(ctx):
    ctx.claim_cb(MID)
    ctx.advance("work", 100)
    ctx.cb_wait_front(MID, 1)  # nothing was pushed and no one else may: it never ends


def test_waiting_on_an_empty_claimed_cb_is_a_deadlock_at_the_kernels_clock():
    with pytest.raises(DeadlockError) as e:
        Mesh(SMALL).run(_program(k_wait_own))
    assert str(e.value) == ("deadlock at cycle 100: no kernel can progress; 1 blocked:\n  compute kernel on core "
                            "(0, 0) waits in cb_wait_front(1) on CB 3 'mid' on core (0, 0) (0 of 2 filled)")
