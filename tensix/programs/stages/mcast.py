"""Multicast operand reads for `@mcast` matmuls (tt-metal's "reuse + multicast" matmul).

Output blocks sit on a grid of cores: every core of a grid row needs the same activation tiles, every
core of a grid column the same weight tiles. One core of the row (column) reads them from DRAM once and
multicasts them into the same L1 staging buffer of the others; receivers copy the staging buffer into
their own CB.

The staging buffer has `slots` slots used in turn (two for matmul k steps, so the sender can fill one
while the receivers still copy the other). Per slot two semaphores: `ready[s]` on the sender counts the
receivers whose slot s is free, `valid[s]` on each receiver says the sender's data has landed in it. A
receiver counts itself ready for every slot when it starts (`announce`), and again for a slot once it has
copied it out, so the staging buffer is never overwritten while still in use. With zero skipping, a
band's zero faces cross the NoC as headers only, as in a DRAM read.
"""

from __future__ import annotations

from tensix.programs.stages.layout import SLOTS


def announce(ctx, m: dict | None, slots: int = SLOTS, noc=None) -> None:
    """Receiver, before its first step: every staging slot is free."""
    if m is None or m["n"] == 0 or tuple(m["sender"]) == ctx.core:
        return
    for s in range(slots):
        release(ctx, m, s, noc)


def read_operand(ctx, m: dict | None, cb: int, name: str, pages: list[int], reserve: int, staging: str,
                 read_pages, noc, step: int, steps: int, slot_pages: int) -> None:
    """Step `step` of `steps`: fill `reserve` pages of cb with DRAM pages of `name`, directly or through the
    row/column multicast m whose staging slots hold `slot_pages` pages each (a full step: the last may be
    shorter, and must not overlap the other slot)."""
    if m is None or m["n"] == 0:
        read_pages(ctx, cb, name, pages, noc, reserve)
        return
    size = ctx.buffer(name).page_nbytes
    slot = step % SLOTS
    at = ctx.get_l1_buffer(staging) + slot * slot_pages * size
    if tuple(m["sender"]) == ctx.core:
        ctx.cb_reserve_back(cb, reserve)
        base = ctx.get_write_ptr(cb)
        for i, page in enumerate(pages):
            ctx.noc_async_read_page(name, page, base + i * size, noc)
        ctx.noc_async_read_barrier()
        nbytes = len(pages) * size
        sent = ctx.pages_noc_nbytes(name, pages)
        if sent < nbytes:
            ctx.device.zero.add(ctx.core, ctx.label, noc_bytes_skipped=nbytes - sent)
        send_band(ctx, m, slot, base, at, nbytes, noc, sent)
        ctx.cb_push_back(cb, reserve)
    else:
        receive_band(ctx, m, slot)
        ctx.cb_reserve_back(cb, reserve)
        here = ctx.get_noc_addr(*ctx.core, at)
        ctx.noc_async_read(here, ctx.get_write_ptr(cb), len(pages) * size, noc)  # staging -> CB, a local copy
        ctx.noc_async_read_barrier()
        ctx.cb_push_back(cb, reserve)
        if step + SLOTS < steps:
            release(ctx, m, slot, noc)


def send_band(ctx, m: dict, slot: int, src: int, dst: int, nbytes: int, noc=None, timed: int | None = None) -> None:
    """Sender: once every receiver's slot is free, multicast [src, src + nbytes) to dst on each (`timed` bytes
    cross the NoC), then flag the slot valid."""
    ready, valid = ctx.get_semaphore(m["ready"][slot]), ctx.get_semaphore(m["valid"][slot])
    ctx.noc_semaphore_wait(ready, m["n"])
    ctx.noc_semaphore_set(ready, 0)
    ctx.noc_async_write_multicast(src, ctx.get_noc_multicast_addr(*m["rect"], dst), nbytes, num_dests=m["n"],
                                  noc=noc, timed=timed)
    ctx.noc_semaphore_set(valid, 1)
    ctx.noc_semaphore_set_multicast(valid, ctx.get_noc_multicast_addr(*m["rect"], valid), num_dests=m["n"], noc=noc)


def receive_band(ctx, m: dict, slot: int) -> None:
    """Receiver: wait until the sender's multicast has landed in the slot (and take the flag down)."""
    valid = ctx.get_semaphore(m["valid"][slot])
    ctx.noc_semaphore_wait(valid, 1)
    ctx.noc_semaphore_set(valid, 0)


def release(ctx, m: dict, slot: int, noc=None) -> None:
    """Receiver: the slot has been copied out; the sender may fill it again."""
    ctx.noc_semaphore_inc(ctx.get_noc_addr(*m["sender"], ctx.get_semaphore(m["ready"][slot])), noc=noc)
