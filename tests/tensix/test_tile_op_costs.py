"""Per-tile compute ops price their cycles once per kernel (ComputeKernel._cost) and CB waits name their spans once
per (side, pages): a price must follow the fidelity and the CB format it was asked for, and a span name the page
count, exactly as working them out afresh at every op would. Hand-derived cycles under a custom TimingModel."""

from tensix import Mesh, MeshConfig, Program
from tensix.timing import TimingModel

SMALL = MeshConfig(width=2, height=2)
BF16, FP32, SHARED = 0, 1, 2


def k_ops(ctx):
    """mul at HiFi4 and LoFi, then add on an fp32 and a bf16 CB, on pages the kernel pushed itself."""
    for cb in (BF16, FP32):
        ctx.claim_cb(cb)
        ctx.cb_reserve_back(cb, 2)
        ctx.cb_push_back(cb, 2)
        ctx.cb_wait_front(cb, 2)
    ctx.tile_regs_acquire()
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
