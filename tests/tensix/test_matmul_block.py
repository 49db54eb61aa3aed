"""matmul_block (tt-metal's compute API) against matmul_tiles: same bits and counters, in one call, and fewer
unpacks (the tiles a block reuses);
and queued matmul_tiles calls run before anything else touches DST."""

import numpy as np
import pytest

from tensix import CircularBufferError, KernelError, Mesh, MeshConfig, Program, TileKind

CB_A, CB_B, CB_OUT = 0, 1, 16
MESH = MeshConfig(width=2, height=1, tiles={(0, 0): TileKind.DRAM}, dram_banks=((0, 0),))


def reader(ctx, *, steps: int, rt: int, ct: int, one_by_one: bool):
    for s in range(steps):  # per step an rt x 1 column of A tiles and a 1 x ct row of B tiles
        if one_by_one:  # A pushed a tile at a time: the compute kernel's window of rt pages may wrap
            for i in range(rt):
                ctx.cb_reserve_back(CB_A, 1)
                ctx.noc_async_read_page("A", i * steps + s, ctx.get_write_ptr(CB_A))
                ctx.noc_async_read_barrier()
                ctx.cb_push_back(CB_A, 1)
        else:
            ctx.cb_reserve_back(CB_A, rt)
        for i in range(rt if not one_by_one else 0):
            ctx.noc_async_read_page("A", i * steps + s, ctx.get_write_ptr(CB_A) + i * 4096)
        ctx.cb_reserve_back(CB_B, ct)
        for j in range(ct):
            ctx.noc_async_read_page("B", s * ct + j, ctx.get_write_ptr(CB_B) + j * 4096)
        ctx.noc_async_read_barrier()
        if not one_by_one:
            ctx.cb_push_back(CB_A, rt)
        ctx.cb_push_back(CB_B, ct)


def compute(ctx, *, steps: int, rt: int, ct: int, block: bool):
    ctx.tile_regs_acquire()
    for _ in range(steps):
        ctx.cb_wait_front(CB_A, rt)
        ctx.cb_wait_front(CB_B, ct)
        if block:
            ctx.matmul_block(CB_A, CB_B, 0, 0, 0, False, ct, rt, 1)
        else:
            for i in range(rt):
                for j in range(ct):
                    ctx.matmul_tiles(CB_A, CB_B, i, j, i * ct + j)
        ctx.cb_pop_front(CB_A, rt)
        ctx.cb_pop_front(CB_B, ct)
    ctx.cb_reserve_back(CB_OUT, rt * ct)
    for d in range(rt * ct):
        ctx.pack_tile(d, CB_OUT)
    ctx.cb_push_back(CB_OUT, rt * ct)


def writer(ctx, *, rt: int, ct: int):
    ctx.cb_wait_front(CB_OUT, rt * ct)
    for d in range(rt * ct):
        ctx.noc_async_write_page("C", d, ctx.get_read_ptr(CB_OUT) + d * 4096)
    ctx.noc_async_write_barrier()
    ctx.cb_pop_front(CB_OUT, rt * ct)


def _run(block: bool, a: np.ndarray, b: np.ndarray, pages: tuple[int, int] = (4, 6), skip: bool = False,
         one_by_one: bool = False):
    rt, steps, ct = a.shape[0] // 32, a.shape[1] // 32, b.shape[1] // 32
    p = Program()
    p.dram_buffer("A", a.shape, "fp32", "input")  # A's tiles: page i * steps + s is (row i, k step s)
    p.dram_buffer("B", b.shape, "fp32", "input")
    p.dram_buffer("C", (rt * 32, ct * 32), "fp32", "output")
    p.circular_buffer((0, 0), CB_A, "fp32", pages[0])
    p.circular_buffer((0, 0), CB_B, "fp32", pages[1])
    p.circular_buffer((0, 0), CB_OUT, "fp32", rt * ct)
    p.kernel((0, 0), "reader", reader, {"steps": steps, "rt": rt, "ct": ct, "one_by_one": one_by_one})
    p.kernel((0, 0), "compute", compute, {"steps": steps, "rt": rt, "ct": ct, "block": block})
    p.kernel((0, 0), "writer", writer, {"rt": rt, "ct": ct})
    return Mesh(MESH, zero_skip=skip).run(p, {"A": a, "B": b})


def _inputs(seed: int = 0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((64, 96)).astype(np.float32), rng.standard_normal((96, 96)).astype(np.float32))


def test_a_block_gives_the_bits_and_op_counts_of_tile_by_tile_matmuls_and_unpacks_its_reused_tiles_once():
    a, b = _inputs()
    tiles, block = _run(False, a, b), _run(True, a, b)
    assert np.array_equal(block.outputs["C"], tiles.outputs["C"])
    np.testing.assert_allclose(block.outputs["C"], a @ b, rtol=1e-4, atol=1e-3)
    count = lambda r: sum(s.count for s in r.trace.spans if s.name == "matmul_tiles")  # noqa: E731
    assert count(block) == count(tiles) == 2 * 3 * 3  # rt x ct tiles per k step, 3 k steps
    # fp32 tiles of 4096 B, HiFi4 (64 cycles a product). Tile by tile every product unpacks its A and its B tile:
    # 2 x 2 setup + 8192 / 64 = 132 cycles, 18 of them. A 2 x 3 block keeps each A tile for its row of 3
    # products: per k step 2 A + 6 B tiles, 8 x 2 + 8 x 4096 / 64 = 528 cycles (> 6 x 64), 3 k steps
    busy = lambda r: sum(s.end - s.start for s in r.trace.spans if s.name == "matmul_tiles")  # noqa: E731
    assert (busy(tiles), busy(block)) == (18 * 132, 3 * 528)
    assert block.cycles < tiles.cycles


def test_a_block_over_pages_that_wrap_around_the_cb_reads_them_in_order():
    a, b = _inputs(1)  # A's 2-page windows in a 3-page CB: the second starts at page 2 and wraps to page 0
    wrapped = _run(True, a, b, pages=(3, 6), one_by_one=True)
    np.testing.assert_array_equal(wrapped.outputs["C"], _run(False, a, b).outputs["C"])


def test_with_zero_skipping_a_block_with_a_zero_face_goes_tile_by_tile_with_the_same_counters():
    a, b = _inputs(2)
    a[:16, :16] = 0  # one zero face in the first A tile
    tiles, block = _run(False, a, b, skip=True), _run(True, a, b, skip=True)
    assert np.array_equal(block.outputs["C"], tiles.outputs["C"])
    assert block.cycles < tiles.cycles  # its k steps without a zero face unpack the kept A tiles once
    assert block.stats.zero_skip.totals == tiles.stats.zero_skip.totals
    assert block.stats.zero_skip.totals.macs_skipped == 3 * 8192  # the face, against 3 B tiles


@pytest.mark.parametrize("zero", ["one face", "the whole tile"])
def test_with_zero_skipping_a_one_row_block_with_zero_faces_matches_tile_by_tile(zero):
    """One activation row (rt 1, as the sparse decode matmul's packed tiles): the block multiplies the live
    faces against all ct B tiles in one call, with the per-tile path's bits and counters, and its cycles and spans
    where every k step has a zero face; a k step whose A tile has none is a dense block, which unpacks its A tile
    once for the ct products instead of once a product."""
    a, b = _inputs(3)
    a = a[:32]
    if zero == "one face":
        a[16:, :] = 0  # the lower faces of both A tiles
    else:
        a[:, :32] = 0  # the first k step's A tile: nothing to multiply
    tiles, block = _run(False, a, b, skip=True), _run(True, a, b, skip=True)
    assert np.array_equal(block.outputs["C"], tiles.outputs["C"])
    spans = lambda r: [(s.name, s.start, s.end, s.count) for s in r.trace.spans]  # noqa: E731
    if zero == "one face":
        assert block.cycles == tiles.cycles and spans(block) == spans(tiles)
    else:  # 2 dense k steps of 3 fp32 products: each unpacks 2 A tiles fewer (2 + 4096 / 64 = 66 cycles each)
        busy = lambda r: sum(s.end - s.start for s in r.trace.spans if s.name == "matmul_tiles")  # noqa: E731
        assert busy(tiles) - busy(block) == 2 * 2 * 66
    assert block.stats.zero_skip == tiles.stats.zero_skip
    # zero faces x the 3 B tiles each meets x 8192 MACs a face: 2 faces in each of 3 k steps, or 4 in one
    skipped = 3 * 2 * 3 * 8192 if zero == "one face" else 4 * 3 * 8192
    assert block.stats.zero_skip.totals.macs_skipped == skipped


def k_bad_block(ctx):
    ctx.matmul_block(CB_A, CB_B, 0, 0, 12, False, 3, 2, 1)


def test_a_block_past_the_dst_registers_is_an_error():
    p = Program()
    p.circular_buffer((0, 0), CB_A, "fp32", 2)
    p.circular_buffer((0, 0), CB_B, "fp32", 2)
    p.kernel((0, 0), "compute", k_bad_block)
    with pytest.raises(KernelError, match=r"DST index 17 outside 0\.\.15"):
        Mesh(MESH).run(p)


def k_read_two(ctx):
    for cb, name in ((CB_A, "A"), (CB_B, "B")):
        ctx.cb_reserve_back(cb, 2)
        for i in range(2):
            ctx.noc_async_read_page(name, i, ctx.get_write_ptr(cb) + i * 4096)
        ctx.noc_async_read_barrier()
        ctx.cb_push_back(cb, 2)


def k_matmul_relu_matmul(ctx):
    ctx.tile_regs_acquire()
    ctx.cb_wait_front(CB_A, 2)
    ctx.cb_wait_front(CB_B, 2)
    ctx.matmul_tiles(CB_A, CB_B, 0, 0, 0)
    ctx.relu_tile(0)  # must see the product above, not the zeroed register
    ctx.matmul_tiles(CB_A, CB_B, 1, 1, 0)
    ctx.matmul_tiles(CB_A, CB_B, 0, 1, 1)
    ctx.cb_pop_front(CB_A, 2)
    ctx.cb_pop_front(CB_B, 2)
    ctx.cb_reserve_back(CB_OUT, 2)
    ctx.pack_tile(0, CB_OUT)
    ctx.pack_tile(1, CB_OUT)
    ctx.cb_push_back(CB_OUT, 2)


def test_queued_matmul_tiles_land_before_the_next_op_on_dst_and_before_pack():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((32, 64)).astype(np.float32), rng.standard_normal((32, 64)).astype(np.float32)
    p = Program()
    p.dram_buffer("A", a.shape, "fp32", "input")
    p.dram_buffer("B", b.shape, "fp32", "input")
    p.dram_buffer("C", (32, 64), "fp32", "output")
    for cb in (CB_A, CB_B, CB_OUT):
        p.circular_buffer((0, 0), cb, "fp32", 2)
    p.kernel((0, 0), "reader", k_read_two)
    p.kernel((0, 0), "compute", k_matmul_relu_matmul)
    p.kernel((0, 0), "writer", writer, {"rt": 1, "ct": 2})
    c = Mesh(MESH).run(p, {"A": a, "B": b}).outputs["C"]
    a0, a1, b0, b1 = a[:, :32], a[:, 32:], b[:, :32], b[:, 32:]
    np.testing.assert_allclose(c[:, :32], np.maximum(a0 @ b0, 0) + a1 @ b1, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(c[:, 32:], a0 @ b1, rtol=1e-4, atol=1e-4)


def k_matmul_past_the_window(ctx):
    ctx.cb_wait_front(CB_A, 2)
    ctx.cb_wait_front(CB_B, 2)
    ctx.matmul_tiles(CB_A, CB_B, 2, 0, 0)  # only tiles 0 and 1 were waited for


def test_a_matmul_tile_past_the_pages_waited_for_is_an_error():
    p = Program()
    p.dram_buffer("A", (32, 64), "fp32", "input")
    p.dram_buffer("B", (32, 64), "fp32", "input")
    for cb in (CB_A, CB_B):
        p.circular_buffer((0, 0), cb, "fp32", 4)
    p.kernel((0, 0), "reader", k_read_two)
    p.kernel((0, 0), "compute", k_matmul_past_the_window)
    zeros = np.zeros((32, 64), np.float32)
    with pytest.raises(CircularBufferError, match=r"reads tile 2 from the front but only 2 pages were waited for"):
        Mesh(MESH).run(p, {"A": zeros, "B": zeros})


def k_write_then_acquire(ctx):
    ctx.tile_regs_acquire()
    ctx.cb_wait_front(CB_A, 2)
    ctx.cb_wait_front(CB_B, 2)
    ctx.matmul_tiles(CB_A, CB_B, 0, 0, 3)  # queued
    ctx.matmul_block(CB_A, CB_B, 0, 0, 6, False, 2, 2, 1)  # DST 6 to 9
    ctx.copy_tile(CB_A, 1, 12)
    ctx.relu_tile(12)
    ctx.tile_regs_release()
    ctx.tile_regs_acquire()  # every register reads zero again
    ctx.cb_pop_front(CB_A, 2)
    ctx.cb_pop_front(CB_B, 2)
    ctx.cb_reserve_back(CB_OUT, 16)
    for d in range(16):
        ctx.pack_tile(d, CB_OUT)
    ctx.cb_push_back(CB_OUT, 16)


def test_acquire_zeroes_every_register_written_since_whatever_wrote_it():
    """tile_regs_acquire clears only the registers written since the last one: every way of writing marks its
    register, or the packed tiles below would hold the products."""
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((32, 64)).astype(np.float32), rng.standard_normal((32, 64)).astype(np.float32)
    p = Program()
    p.dram_buffer("A", a.shape, "fp32", "input")
    p.dram_buffer("B", b.shape, "fp32", "input")
    p.dram_buffer("C", (32, 16 * 32), "fp32", "output")
    p.circular_buffer((0, 0), CB_A, "fp32", 2)
    p.circular_buffer((0, 0), CB_B, "fp32", 2)
    p.circular_buffer((0, 0), CB_OUT, "fp32", 16)
    p.kernel((0, 0), "reader", k_read_two)
    p.kernel((0, 0), "compute", k_write_then_acquire)
    p.kernel((0, 0), "writer", writer, {"rt": 1, "ct": 16})
    assert not Mesh(MESH).run(p, {"A": a, "B": b}).outputs["C"].any()
