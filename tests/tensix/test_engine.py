"""The event engine: events run by cycle, then in the order they were scheduled (whoever runs them: the main loop or
a kernel that yields), and an error an event raises ends the run as itself, whichever kernel's yield ran it."""

import random

import greenlet
import pytest

from tensix import Mesh, Program
from tensix.engine import Engine
from tensix.errors import DramError
from tensix.presets import resolve


def test_events_run_by_cycle_then_in_the_order_scheduled():
    rng = random.Random(0)
    engine, ran = Engine(), []
    wanted = [(rng.randrange(40), i) for i in range(500)]  # many per cycle: the order within one is the test

    def event(t: int, i: int):
        def fire():
            ran.append((engine.now, i))
            if i % 7 == 0:  # an event scheduling more, some of them at its own cycle (after those already due)
                later = (t + rng.randrange(3), 1000 + i)
                wanted.append(later)
                engine.at(later[0], event(*later))
        return fire

    for t, i in list(wanted):
        engine.at(t, event(t, i))
    assert engine.run() == max(t for t, _ in wanted)
    assert ran == sorted(wanted, key=lambda e: e[0])  # a stable sort: within a cycle, as scheduled


def k_early_pages(ctx):
    got = ctx.get_l1_buffer("got")
    ctx.noc_async_write_page("S", 0, got)  # page 0 lands; pages 1 and 2 are never written
    ctx.noc_async_write_barrier()
    ctx.noc_async_read_pages("S", [0, 1, 2], got)  # page 1's read (an engine event) raises
    ctx.noc_async_read_barrier()


def k_busy(ctx, caught: list):
    try:  # yields every few cycles: the reads' events come due while this kernel yields, and it runs them
        for _ in range(400):
            ctx.advance("compute", 3)
            ctx.sync()
    except Exception as exc:  # an event's error is not this kernel's: it must not surface here
        caught.append(exc)


def test_an_error_an_event_raises_ends_the_run_not_the_kernel_that_ran_it():
    p, caught = Program(name="early"), []
    p.dram_buffer("S", (32, 96), "bf16", "scratch")
    p.l1_buffer([(0, 0)], "got", 3 * 2048)
    p.kernel([(0, 0)], "reader", k_early_pages)
    p.kernel([(1, 0)], "compute", k_busy, {"caught": caught})
    with pytest.raises(DramError, match=r"^reader kernel on core \(0, 0\) reads page 1 of DRAM buffer 'S' at cycle "
                                        r"\d+, before any kernel wrote it; wait for its writer first"):
        Mesh(resolve("wormhole_n150")).run(p)
    assert caught == []


def test_a_kernel_resumed_next_runs_before_the_rest_of_the_cycle_and_after_it_in_its_own_order():
    engine, ran = Engine(), []

    def kernel():
        ran.append(("kernel waits", engine.now))
        engine.suspend(glet)  # asleep until an event resumes it
        ran.append(("kernel", engine.now))
        engine.sync(9, glet)  # its next wait comes after the 9s already queued (the engine's own order)
        ran.append(("kernel", engine.now))

    glet = greenlet.greenlet(kernel)

    def resume():
        ran.append(("resume", engine.now))
        engine.resume_next(glet)
        engine.at(5, lambda: ran.append(("after", engine.now)))  # scheduled after: still after the kernel

    engine.resume_at(0, glet)
    engine.at(5, resume)
    for i in range(3):
        engine.at(5, lambda i=i: ran.append((f"queued {i}", engine.now)))
    engine.at(9, lambda: ran.append(("nine", engine.now)))
    engine.run()
    assert ran == [("kernel waits", 0), ("resume", 5), ("kernel", 5), ("queued 0", 5), ("queued 1", 5),
                   ("queued 2", 5), ("after", 5), ("nine", 9), ("kernel", 9)]
