"""A blocked kernel's reason is kept as (text, args) and formatted only when a report shows it: the deadlock report
reads exactly as when the text was made at the wait, counts as they were then, and wait spans keep their names."""

import pytest

from tensix import Mesh, Program
from tensix.config import MeshConfig
from tensix.errors import DeadlockError
from tensix.waits import reason_text, wait_span


def test_a_reason_formats_its_args_and_names_its_span_up_to_the_counts():
    reason = ("cb_wait_front({}) on {} ({} of {} filled)", (2, "CB 0 'in' on core (0, 0)", 0, 2))
    assert reason_text(reason) == "cb_wait_front(2) on CB 0 'in' on core (0, 0) (0 of 2 filled)"
    assert wait_span(reason) == "wait:cb_wait_front(2) on CB 0 'in' on core"
    assert reason_text("noc_async_read_barrier") == "noc_async_read_barrier"  # plain text as it is


def _producer(ctx):
    for _ in range(3):  # a CB of 2 pages and no consumer: the third reservation waits for ever
        ctx.cb_reserve_back(0, 1)
        ctx.cb_push_back(0, 1)


def _consumer(ctx):
    ctx.cb_wait_front(0, 2)


def _wait_for_two(ctx):
    ctx.noc_semaphore_wait(ctx.get_semaphore(0), 2)


def _inc_once(ctx, *, peer):
    ctx.noc_semaphore_inc(ctx.get_noc_addr(*peer, ctx.get_semaphore(0)))


def _cb_program(role, fn):
    p = Program()
    p.circular_buffer((0, 0), 0, "bf16", 2, "in")
    p.kernel((0, 0), role, fn)
    return p


def _sem_program():
    p = Program()
    p.semaphore([(0, 0), (1, 0)], 0)
    p.kernel((0, 0), "reader", _wait_for_two)
    p.kernel((1, 0), "writer", _inc_once, {"peer": [0, 0]})
    return p


@pytest.mark.parametrize("program, cycle, blocked", [
    (_cb_program("reader", _producer), 0,
     "reader kernel on core (0, 0) waits in cb_reserve_back(1) on CB 0 'in' on core (0, 0) (0 of 2 free)"),
    (_cb_program("compute", _consumer), 0,
     "compute kernel on core (0, 0) waits in cb_wait_front(2) on CB 0 'in' on core (0, 0) (0 of 2 filled)"),
    # the increment lands (the word is 1 at the end) but wakes no one: the reason keeps the value it blocked on
    (_sem_program(), 61, "reader kernel on core (0, 0) waits in noc_semaphore_wait(0x0 == 2) on core (0, 0) (now 0)"),
], ids=["cb_full", "cb_empty", "semaphore"])
def test_deadlock_reports_read_as_at_the_wait(program, cycle, blocked):
    with pytest.raises(DeadlockError) as e:
        Mesh(MeshConfig(width=4, height=4)).run(program)
    assert str(e.value) == f"deadlock at cycle {cycle}: no kernel can progress; 1 blocked:\n  {blocked}"


def test_wait_spans_keep_their_names():
    def reader(ctx):
        ctx.advance("work", 30)  # the compute kernel waits for these pages meanwhile
        ctx.cb_reserve_back(0, 2)
        ctx.cb_push_back(0, 2)
        ctx.noc_semaphore_wait(ctx.get_semaphore(0), 1)

    def compute(ctx):
        ctx.cb_wait_front(0, 2)
        ctx.cb_pop_front(0, 2)
        ctx.advance("work", 50)

    def writer(ctx, *, peer):
        ctx.advance("work", 100)
        ctx.noc_semaphore_inc(ctx.get_noc_addr(*peer, ctx.get_semaphore(0)))

    p = Program()
    p.circular_buffer((0, 0), 0, "bf16", 2, "in")
    p.semaphore([(0, 0)], 0)
    p.kernel((0, 0), "reader", reader)
    p.kernel((0, 0), "compute", compute)
    p.kernel((0, 0), "writer", writer, {"peer": [0, 0]})
    trace = Mesh(MeshConfig(width=4, height=4)).run(p).trace
    waits = {s.name for s in trace.spans if s.name.startswith("wait:")}
    assert waits == {"wait:cb_wait_front(2) on CB 0 'in' on core", "wait:noc_semaphore_wait(0x0 == 1) on core"}
