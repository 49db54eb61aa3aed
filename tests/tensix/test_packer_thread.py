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
