"""Per-tile compute ops price their cycles once per kernel (ComputeKernel._cost) and CB waits name their spans once
per (side, pages): a price must follow the fidelity and the CB format it was asked for, and a span name the page
count, exactly as working them out afresh at every op would. Hand-derived cycles under a custom TimingModel."""

from tensix import Mesh, MeshConfig, Program
from tensix.timing import TimingModel

SMALL = MeshConfig(width=2, height=2)
BF16, FP32, SHARED = 0, 1, 2


def _own_pages(ctx):
    """Two pages in each CB, pushed by the kernel itself, then DST acquired."""
    for cb in (BF16, FP32):
        ctx.claim_cb(cb)
        ctx.cb_reserve_back(cb, 2)
        ctx.cb_push_back(cb, 2)
        ctx.cb_wait_front(cb, 2)
    ctx.tile_regs_acquire()


def k_ops(ctx):
    """mul at HiFi4 and LoFi, then add on an fp32 and a bf16 CB, on pages the kernel pushed itself."""
    _own_pages(ctx)
    ctx.set_fidelity("HiFi4")
    ctx.mul_tiles(BF16, BF16, 0, 1, 0)
    ctx.set_fidelity("LoFi")
    ctx.mul_tiles(BF16, BF16, 0, 1, 1)
    ctx.add_tiles(FP32, FP32, 0, 1, 2)
    ctx.add_tiles(BF16, BF16, 0, 1, 3)


def test_a_price_follows_the_fidelity_and_the_format_it_was_asked_for():
    p = Program(name="prices")
    p.circular_buffer((0, 0), BF16, "bf16", 2, "a")
    p.circular_buffer((0, 0), FP32, "fp32", 2, "b")
    p.kernel((0, 0), "compute", k_ops, {})
    result = Mesh(SMALL, timing=TimingModel(eltwise_cycles=100)).run(p)
    spans = [(s.name, s.start, s.end, s.count) for s in result.trace.spans if s.role == "compute"]
    # mul: max(100 x fidelity phases, unpacking two bf16 tiles 2 + 4096 / 64 = 66): HiFi4 400, LoFi 100;
    # add: max(100, two fp32 tiles 2 + 8192 / 64 = 130) = 130, two bf16 tiles 100
    assert spans == [("mul_tiles", 0, 500, 2), ("add_tiles", 500, 730, 2)]


def k_fill(ctx):
    for _ in range(2):
        ctx.cb_reserve_back(SHARED, 1)
        ctx.advance("work", 50)
        ctx.cb_push_back(SHARED, 1)


def k_wait(ctx):
    ctx.cb_wait_front(SHARED, 1)
    ctx.cb_wait_front(SHARED, 2)
    ctx.cb_pop_front(SHARED, 2)


def test_a_cb_wait_span_is_named_by_its_call_and_page_count():
    p = Program(name="waits")
    p.circular_buffer((0, 0), SHARED, "bf16", 2, "c")
    p.kernel((0, 0), "reader", k_fill, {})
    p.kernel((0, 0), "compute", k_wait, {})
    result = Mesh(SMALL).run(p)
    spans = [(s.name, s.start, s.end) for s in result.trace.spans if s.role == "compute"]
    assert spans == [("wait:cb_wait_front(1) on CB 2 'c' on core", 0, 50),
                     ("wait:cb_wait_front(2) on CB 2 'c' on core", 50, 100)]


def k_matmuls(ctx):
    """Tile products at HiFi4 and LoFi, with an fp32 B tile, and a 1 x 2 block, on pages the kernel pushed."""
    _own_pages(ctx)
    for fidelity, cb_b, idst in (("HiFi4", BF16, 0), ("LoFi", BF16, 1), ("LoFi", FP32, 2)):
        ctx.set_fidelity(fidelity)
        ctx.matmul_tiles(BF16, cb_b, 0, 1, idst)
        ctx.advance("mark", 1)  # keeps each product's span apart
    ctx.matmul_block(BF16, BF16, 0, 0, 3, False, 2, 1, 1)


def test_a_matmul_price_follows_the_fidelity_the_formats_and_the_block_it_was_asked_for():
    p = Program(name="matmul prices")
    p.circular_buffer((0, 0), BF16, "bf16", 2, "a")
    p.circular_buffer((0, 0), FP32, "fp32", 2, "b")
    p.kernel((0, 0), "compute", k_matmuls, {})
    timing = TimingModel(matmul_cycles_per_phase=50, unpack_setup_cycles=2, unpack_bytes_per_cycle=64)
    result = Mesh(SMALL, timing=timing).run(p)
    spans = [(s.name, s.end - s.start, s.count) for s in result.trace.spans if s.role == "compute"]
    # max(FPU 50 x phases x products, unpacking 2 per tile + bytes / 64): HiFi4 bf16 x bf16 max(200, 4 + 64);
    # LoFi max(50, 68); B in fp32 max(50, 4 + 6144 / 64 = 100); a 1 x 2 block unpacks one A and two B tiles:
    # max(100, 6 + 96)
    assert spans == [("matmul_tiles", 200, 1), ("mark", 1, 1), ("matmul_tiles", 68, 1), ("mark", 1, 1),
                     ("matmul_tiles", 100, 1), ("mark", 1, 1), ("matmul_tiles", 102, 2)]
