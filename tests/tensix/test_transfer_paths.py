"""What transfers leave behind besides their timing: DRAM pages marked written, waiters woken by data landing on a
semaphore word, and the trace's memory per transfer (the budget max_transfers is set by)."""

import numpy as np
import pytest

from tensix import DeadlockError, Mesh, MeshConfig, Program
from tensix.dram import NEVER, Dram
from tensix.limits import DEFAULT_MAX_TRANSFERS
from tensix.presets import preset
from tensix.tracelog import TRANSFER_BYTES, TransferLog

CFG = preset("wormhole_n150")  # 12 banks


def test_a_bank_write_marks_exactly_the_pages_that_bank_holds_in_the_slots_written():
    dram = Dram(CFG)
    buf = dram.allocate("x", (32, 32 * 30), "bf16")  # 30 pages: bank 5 holds 5, 17, 29; bank 7 holds 7, 19
    page = buf.page_nbytes
    dram.mark_written(dram.banks[5], buf.base + page, 2 * page, 100)  # slots 1 and 2
    dram.mark_written(dram.banks[7], buf.base + page + 64, page, 200)  # from inside slot 1 into slot 2 (none)
    marked = {p: t for p, t in enumerate(dram.landed["x"]) if t != NEVER}
    assert marked == {17: 100, 29: 100, 19: 200}


def test_a_sharded_bank_write_marks_the_pages_of_its_band():
    dram = Dram(CFG)
    cols = (2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0)  # bank 0: tile columns 0-1 of 2 rows, i.e. pages 0, 1, 4, 5
    buf = dram.allocate("s", (64, 32 * 4), "bf16", "sharded", bank_cols=cols)
    dram.mark_written(dram.banks[0], buf.base + 2 * buf.page_nbytes, 5 * buf.page_nbytes, 9)  # slots 2, 3 (of 4)
    assert {p for p, t in enumerate(dram.landed["s"]) if t != NEVER} == {4, 5}


def k_write_word(ctx, *, at):
    ctx.wait_until("settle", 100)  # the waiter is waiting by then (a write's data is in place when issued)
    src = ctx.get_l1_buffer("buf")
    ctx.l1(src, 16).view(np.uint32)[0] = 5
    dst = ctx.get_semaphore(0) if at == "semaphore" else ctx.get_l1_buffer("buf")
    ctx.noc_async_write(src, ctx.get_noc_addr(1, 0, dst), 16)
    ctx.noc_async_write_barrier()


def k_wait_word(ctx):
    ctx.noc_semaphore_wait(ctx.get_semaphore(0), 5)


def _word_program(at: str) -> Program:
    p = Program()
    p.l1_buffer([(0, 0), (1, 0)], "buf", 64)
    p.semaphore([(0, 0), (1, 0)], 0)
    p.kernel((0, 0), "writer", k_write_word, {"at": at})
    p.kernel((1, 0), "reader", k_wait_word)
    return p


def test_data_written_onto_a_waited_semaphore_word_wakes_the_waiter_when_it_lands():
    r = Mesh(MeshConfig(width=2, height=1)).run(_word_program("semaphore"))
    (write,) = r.trace.transfers
    (wait,) = [s for s in r.trace.spans if s.role == "reader" and s.name.startswith("wait:")]
    assert wait.end == write.end  # woken by the landing, not before
    with pytest.raises(DeadlockError):  # the same write beside the word changes nothing the waiter reads
        Mesh(MeshConfig(width=2, height=1)).run(_word_program("elsewhere"))


def test_a_transfer_takes_transfer_bytes_of_trace_and_the_default_limit_one_gib():
    class K:
        core, role, op = (0, 0), "reader", -1

    log, n = TransferLog(), 200_000
    for i in range(n):
        log.add(("route", i % 3), 0, "read", K, (1, 1), (2, 2), None, 2048, i, i + 9, ())
    held = sum(len(c) * c.itemsize for c in log._cols.chunks)
    assert n * TRANSFER_BYTES <= held < n * TRANSFER_BYTES * 1.2  # chunks: at most one part-filled
    assert DEFAULT_MAX_TRANSFERS * TRANSFER_BYTES == 1 << 30
    assert log.issuers() == {((0, 0), "reader"): n}



WRITER_STEPS = (("write", "a"), ("write", "b"), ("sem", "b"), ("sem", "a"), ("write", "a"))
READER_OPS = "abb"


def k_route_writer(ctx):
    """On core (1, 0): data and semaphore packets to core (0, 0) along NoC 0's route (1, 0) -> (0, 0), the kind and
    op changing one at a time."""
    buf = ctx.get_l1_buffer("buf")
    for kind, op in WRITER_STEPS:
        ctx.set_op(op, "")
        if kind == "write":
            ctx.noc_async_write(buf, ctx.get_noc_addr(0, 0, buf + 64), 64, noc=0)
        else:
            ctx.noc_semaphore_inc(ctx.get_noc_addr(0, 0, ctx.get_semaphore(0)), noc=0)
    ctx.noc_async_write_barrier()


def k_route_reader(ctx):
    """On core (0, 0), once the writer is done: reads from core (1, 0) along the same route (a read's data flows
    from its source)."""
    ctx.wait_until("settle", 10_000)
    buf = ctx.get_l1_buffer("buf")
    for op in READER_OPS:
        ctx.set_op(op, "")
        ctx.noc_async_read(ctx.get_noc_addr(1, 0, buf), buf, 64, noc=0)
    ctx.noc_async_read_barrier()


def test_transfers_sharing_a_route_keep_their_own_kernel_kind_and_op():
    """A route remembers the trace shape of its last transfer (Device._record_on): a kernel, kind or op changing
    on one route must still be recorded as what it is."""
    p = Program()
    p.l1_buffer([(0, 0), (1, 0)], "buf", 256)
    p.semaphore([(0, 0), (1, 0)], 0)
    p.kernel((1, 0), "writer", k_route_writer)
    p.kernel((0, 0), "reader", k_route_reader)
    r = Mesh(MeshConfig(width=2, height=1)).run(p)
    ops = {o.index: o.name for o in r.trace.ops}
    route = ((1, 0), (0, 0))  # NoC (x, y) equal the logical cores on this grid
    expected = [("writer", (1, 0), kind, op, *route) for kind, op in WRITER_STEPS]
    expected += [("reader", (0, 0), "read", op, *route) for op in READER_OPS]
    assert [(t.role, t.issuer, t.kind, ops[t.op], t.src, t.dst) for t in r.trace.transfers] == expected
