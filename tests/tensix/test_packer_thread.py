"""The compute kernel's packer thread (tensix/packer.py): packs into the kernel's own CB run beside the math
through DST's two halves; a hand-derived cycle table of when the math waits for a half and for its pages."""

from tensix import Mesh, MeshConfig, Program

SMALL = MeshConfig(width=2, height=2)
MID = 3


def k_scale_and_pack(ctx):
    """Three rounds of an SFPU op on DST (96 cycles) packed with L1 accumulation into the kernel's own fp32 CB
    (130 cycles on the packer), then the three pages read back."""
    ctx.claim_cb(MID)
    for _ in range(3):
        ctx.tile_regs_acquire()
        ctx.scale_tile(0, 2.0)
        ctx.cb_reserve_back(MID, 1)
        ctx.pack_reconfig_l1_acc(True)
        ctx.pack_tile(0, MID)
        ctx.cb_push_back(MID, 1)
        ctx.tile_regs_release()
    ctx.cb_wait_front(MID, 3)
    ctx.cb_pop_front(MID, 3)


def test_the_math_waits_for_the_half_it_takes_and_for_the_pages_it_reads():
    p = Program(name="packer")
    p.circular_buffer((0, 0), MID, "fp32", 3, "mid")
    p.kernel((0, 0), "compute", k_scale_and_pack, {})
    result = Mesh(SMALL).run(p)
    spans = {role: [(s.name, s.start, s.end) for s in result.trace.spans if s.role == role]
             for role in ("compute", "packer")}
    # scale: 32 rows x (1 instruction + SFPLOAD + SFPSTORE) = 96; an accumulating fp32 pack: 2 + 4096 / 32 = 130.
    # Round 2's half was released by round 0 and is packed at 226; the pages are all packed at 486.
    assert spans["packer"] == [("pack_tile", 96, 486)]  # 96-226, 226-356, 356-486 back to back: one span
    assert spans["compute"] == [("scale_tile", 0, 192), ("wait:dst_half", 192, 226), ("scale_tile", 226, 322),
                                ("wait:packer", 322, 486)]
    assert result.cycles == 486
    assert dict(next(c for c in result.stats.cores if c.core == (0, 0)).busy_cycles)["compute"] == 3 * 96


def test_packed_pages_wrap_around_the_ring_and_ready_reads_the_front_window():
    import numpy as np

    from tensix.cb import CircularBuffer
    from tensix.packer import Packer

    cb = CircularBuffer(core=(0, 0), cb_id=MID, name="mid", fmt="fp32", page_nbytes=4096, num_pages=4, address=0,
                        memory=np.zeros(4 * 4096, dtype=np.uint8))
    packer = Packer()
    packer.pack(cb, 2, 0, 10, 3, 0)  # slots 2, 3, 0 packed by cycle 10
    packer.pack(cb, 5, 0, 5, 1, 0)  # slot 5 % 4 = 1, by cycle 15
    assert packer.done[MID] == [10, 15, 10, 10]
    cb.rd_slot = 3
    assert packer.ready(cb, 2) == 10  # slots 3 and 0
    assert packer.ready(cb, 3) == 15  # and 1
    cb.rd_slot = 2
    assert packer.ready(cb, 1) == 10 and packer.ready(cb, 4) == 15
    packer.pack(cb, 1, 100, 1, 6, 0)  # more pages than the ring holds: every slot by cycle 101
    assert packer.done[MID] == [101] * 4 and packer.t == 101
