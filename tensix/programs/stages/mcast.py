"""Multicast operand reads for `@mcast` matmuls (tt-metal's "reuse + multicast" matmul).

Output blocks sit on a grid of cores: every core of a grid row needs the same activation tiles, every
core of a grid column the same weight tiles. One core of the row (column) reads them from DRAM once and
multicasts them.

Grid matmuls (`start_operand`, `finish_operand`) multicast straight into the receivers' operand CBs, as
tt-metal's in0/in1 CBs do: those CBs sit at one L1 address on every such core (layout.core_layouts) and hold
the same number of k steps there (SLOTS, or more for B when a decode matmul on these cores keeps more weight
steps in it: then k step s fills unit s mod that number), and every core starts an output block at their first
unit (`align`), so a k step's band lands at the sender's own write pointer on every receiver. Two semaphores
for each of SLOTS step parities: `ready[s]` on the sender counts the receivers that have reserved the unit of
a step s (mod SLOTS) (their compute kernel is done with it), `valid[s]` on each receiver says its band has
landed; a receiver reserves step s + SLOTS only after step s's band landed, which the sender multicasts
after taking `ready` down, so the counts of the two never mix whatever the units.

The sparse decode band goes through an L1 staging buffer instead (`announce`, `send_band`, `receive_band`,
`release`): a receiver counts itself ready for every staging slot when it starts, and again for a slot once
it has copied it out. With zero skipping, a band's zero faces cross the NoC as headers only, as in a DRAM
read.
"""

from __future__ import annotations

from tensix.errors import TensixError
from tensix.programs.stages.layout import SLOTS
from tensix.schedule.share import senders_rect, sent_by


def announce(ctx, m, slots: int = SLOTS, noc=None) -> None:
    """Receiver, before its first step: every staging slot is free."""
    if m is None or m.n == 0 or m.sender == ctx.core:
        return
    for s in range(slots):
        release(ctx, m, s, noc)


def align(ctx, m, cb: int, unit: int, compute: bool = False) -> None:
    """Before an output block: bring the operand CB to its first unit, so every core of the row (column)
    fills it in step. The reader pushes empty units while its write pointer is past the first, the
    compute kernel pops them (its read pointer is then there too: both have seen the same units before)."""
    if m is None or m.n == 0:
        return
    c = ctx.cb(cb)
    while compute and c.rd_slot:
        ctx.cb_wait_front(cb, unit)
        ctx.cb_pop_front(cb, unit)
    while not compute and c.wr_slot:
        ctx.cb_reserve_back(cb, unit)
        ctx.cb_push_back(cb, unit)


def reads(ctx, m) -> bool:
    """Whether this core reads the operand's pages from DRAM: the sender, or every core when not multicast (the
    others receive them, and need not even list them)."""
    return m is None or m.n == 0 or m.sender == ctx.core


def start_operand(ctx, m, cb: int, name: str, pages: list[int], reserve: int, noc, step: int) -> None:
    """First half of K step `step` for one operand: reserve its unit of cb; the core reading from DRAM (the
    sender, or every core when not multicast) starts those reads, a receiver tells the sender it is ready.
    The reader starts both operands before finishing either, so neither sender waits on the other's band."""
    ctx.cb_reserve_back(cb, reserve)
    at = ctx.get_write_ptr(cb)
    if reads(ctx, m):
        ctx.noc_async_read_pages(name, pages, at, noc)
        return
    half = step % SLOTS
    c = ctx.cb(cb)
    expected = step % (c.num_pages // reserve) * reserve  # the CB may hold more than SLOTS units (module doc)
    if c.wr_slot != expected:
        raise TensixError(f"{ctx.role} kernel on core {ctx.core}: multicast operand CB {cb} at page "
                          f"{c.wr_slot} for k step {step}, not {expected}: its cores are out of step")
    if step == 0:
        _check_same_address(ctx, m, cb)
    ctx.noc_semaphore_inc(ctx.get_noc_addr(*m.sender, ctx.get_semaphore(m.ready[half])), noc=noc)


def _check_same_address(ctx, m, cb: int) -> None:
    """The sender multicasts into its own CB's address on every receiver: the program must have laid the CB at
    one address on all of them (a layout bug would otherwise land the band in the wrong place, silently)."""
    sender = ctx.device.cores[m.sender].cbs.get(cb)
    mine = ctx.cb(cb)
    if sender is None or (sender.address, sender.page_nbytes, sender.num_pages) != (
            mine.address, mine.page_nbytes, mine.num_pages):
        there = "none" if sender is None else f"0x{sender.address:x} ({sender.num_pages} x {sender.page_nbytes} B)"
        raise TensixError(f"{ctx.role} kernel on core {ctx.core}: multicast operand CB {cb} sits at "
                          f"0x{mine.address:x} ({mine.num_pages} x {mine.page_nbytes} B) here but at {there} on "
                          f"the sender {m.sender}; every core of a multicast row or column needs the same "
                          f"buffers before it in L1 (same staging, same CBs)")


def finish_operand(ctx, m, cb: int, name: str, pages: list[int], reserve: int, noc, step: int) -> None:
    """Second half: once the reads have landed the sender waits for every receiver, multicasts the band to the
    same address in their CBs and flags it valid; a receiver waits for that flag. Then the unit is pushed."""
    if m is None or m.n == 0:
        ctx.noc_async_read_barrier()
        ctx.cb_push_back(cb, reserve)
        return
    half = step % SLOTS
    ready, valid = ctx.get_semaphore(m.ready[half]), ctx.get_semaphore(m.valid[half])
    if m.sender == ctx.core:
        at = ctx.get_write_ptr(cb)
        ctx.noc_async_read_barrier()
        nbytes = len(pages) * ctx.buffer(name).page_nbytes
        sent = ctx.pages_noc_nbytes(name, pages)
        if sent < nbytes:
            ctx.skip.add(ctx.core, ctx.label, noc_bytes_skipped=nbytes - sent)
        ctx.noc_semaphore_wait(ready, m.n)  # every receiver has this unit of its CB free
        ctx.noc_semaphore_set(ready, 0)
        ctx.noc_async_write_multicast(at, ctx.get_noc_multicast_addr(*m.rect, at), nbytes, num_dests=m.n,
                                      noc=noc, timed=sent)
        ctx.noc_semaphore_set(valid, 1)
        ctx.noc_semaphore_set_multicast(valid, ctx.get_noc_multicast_addr(*m.rect, valid), num_dests=m.n,
                                        noc=noc)
    else:
        ctx.noc_semaphore_wait(valid, 1)
        ctx.noc_semaphore_set(valid, 0)
    ctx.cb_push_back(cb, reserve)


def send_band(ctx, m, slot: int, src: int, dst: int, nbytes: int, noc=None, timed: int | None = None) -> None:
    """Sender: once every receiver's slot is free, multicast [src, src + nbytes) to dst on each (`timed` bytes
    cross the NoC), then flag the slot valid."""
    ready, valid = ctx.get_semaphore(m.ready[slot]), ctx.get_semaphore(m.valid[slot])
    ctx.noc_semaphore_wait(ready, m.n)
    ctx.noc_semaphore_set(ready, 0)
    ctx.noc_async_write_multicast(src, ctx.get_noc_multicast_addr(*m.rect, dst), nbytes, num_dests=m.n,
                                  noc=noc, timed=timed)
    ctx.noc_semaphore_set(valid, 1)
    ctx.noc_semaphore_set_multicast(valid, ctx.get_noc_multicast_addr(*m.rect, valid), num_dests=m.n, noc=noc)


def receive_band(ctx, m, slot: int) -> None:
    """Receiver: wait until the sender's multicast has landed in the slot (and take the flag down)."""
    valid = ctx.get_semaphore(m.valid[slot])
    ctx.noc_semaphore_wait(valid, 1)
    ctx.noc_semaphore_set(valid, 0)


def release(ctx, m, slot: int, noc=None) -> None:
    """Receiver: the slot has been copied out; the sender may fill it again."""
    ctx.noc_semaphore_inc(ctx.get_noc_addr(*m.sender, ctx.get_semaphore(m.ready[slot])), noc=noc)


def spread_row(ctx, m, cb: int, name: str, row: int, kt: int, reserve: int, noc, waits=()) -> None:
    """A decode matmul's activation row moved by the senders of the multicast at once (`Share.senders`): each core
    reserves the whole row's unit and tells the senders it is free with one multicast increment of `ready[0]` to
    the rectangle they fill (`senders_rect`; n(n-1) unicasts for n senders made the handshake most of a decode
    token's NoC transfers), on the NoC of its place in the share's rectangle (every other core NoC 1, as the
    senders send: all on the step's NoC, a 4-layer SmolLM2 decode step took 502,003 cycles against 500,081), before
    it waits for its own tiles' producers (`waits`); a sender reads its own k tiles into its unit at their offset on
    its own NoC, waits until all the others are ready and multicasts them to the same offset there on it, then
    increments `valid[0]` on all of them on that NoC (so the increment lands after the tiles). A core has the row
    once `valid[0]` counts every other sender. Nothing gathers the whole row first (ttnn's 1-D decode matmul with
    its activation width-sharded over the cores). The unit is this op's only one: one semaphore of each kind."""
    ctx.cb_reserve_back(cb, reserve)
    at, me = ctx.get_write_ptr(cb), ctx.core
    _check_same_address(ctx, m, cb)
    ready, valid = ctx.get_semaphore(m.ready[0]), ctx.get_semaphore(m.valid[0])
    x0, y0, x1, y1 = senders_rect(m)
    dests = (x1 - x0 + 1) * (y1 - y0 + 1) - (x0 <= me[0] <= x1 and y0 <= me[1] <= y1)
    if dests:  # on the NoC the core's place in the rectangle gives it, as the senders' own (plans.spread)
        place = (me[1] - m.rect[1]) * (m.rect[2] - m.rect[0] + 1) + me[0] - m.rect[0]
        ctx.noc_semaphore_inc_multicast(ctx.get_noc_multicast_addr(x0, y0, x1, y1, ready), num_dests=dests,
                                        noc=place % 2)
    for w in waits:  # the producers of this core's k tiles (after the others know its unit is free)
        ctx.noc_semaphore_wait_min(ctx.get_semaphore(w.sem), w.count)
    mine = sent_by(m).get(me, ())
    others = len(m.senders) - len(mine)
    for k0, k1, send in mine:
        page = ctx.buffer(name).page_nbytes
        pages = [row * kt + k for k in range(k0, k1)]
        dst = at + k0 * page
        ctx.noc_async_read_pages(name, pages, dst, send)
        ctx.noc_async_read_barrier()
        nbytes, sent = len(pages) * page, ctx.pages_noc_nbytes(name, pages)
        if sent < nbytes:
            ctx.skip.add(ctx.core, ctx.label, noc_bytes_skipped=nbytes - sent)
        ctx.noc_semaphore_wait(ready, m.n)
        ctx.noc_semaphore_set(ready, 0)
        ctx.noc_async_write_multicast(dst, ctx.get_noc_multicast_addr(*m.rect, dst), nbytes, num_dests=m.n,
                                      noc=send, timed=sent)
        ctx.noc_semaphore_inc_multicast(ctx.get_noc_multicast_addr(*m.rect, valid), num_dests=m.n, noc=send)
    if others:
        ctx.noc_semaphore_wait(valid, others)
        ctx.noc_semaphore_set(valid, 0)
    ctx.cb_push_back(cb, reserve)
