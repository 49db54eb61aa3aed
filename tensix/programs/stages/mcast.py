"""Multicast operand reads for `@mcast` matmuls (tt-metal's "reuse + multicast" matmul).

Output blocks sit on a grid of cores: every core of a grid row needs the same activation tiles, every
core of a grid column the same weight tiles. The first core of the row (column) reads them from DRAM once
and multicasts them into the same L1 staging buffer of the others; receivers copy the staging buffer into
their own CB. Two semaphores per operand: receivers count themselves ready on the sender, the sender flags
the data valid on the receivers, so the staging buffer is never overwritten while still in use.
With zero skipping, a band's zero faces cross the NoC as headers only, as in a DRAM read.
"""

from __future__ import annotations


def read_operand(ctx, m: dict | None, cb: int, name: str, pages: list[int], reserve: int, staging: str,
                 read_pages, noc) -> None:
    """Fill `reserve` pages of cb with DRAM pages of `name`: directly, or through the row/column multicast m."""
    if m is None or m["n"] == 0:
        read_pages(ctx, cb, name, pages, noc, reserve)
    elif tuple(m["sender"]) == ctx.core:
        _send(ctx, m, cb, name, pages, reserve, staging, noc)
    else:
        _receive(ctx, m, cb, name, pages, reserve, staging, noc)


def _send(ctx, m: dict, cb: int, name: str, pages: list[int], reserve: int, staging: str, noc) -> None:
    size = ctx.buffer(name).page_nbytes
    ctx.cb_reserve_back(cb, reserve)
    base = ctx.get_write_ptr(cb)
    for i, page in enumerate(pages):
        ctx.noc_async_read_page(name, page, base + i * size, noc)
    ctx.noc_async_read_barrier()
    nbytes = len(pages) * size
    sent = ctx.pages_noc_nbytes(name, pages)
    if sent < nbytes:
        ctx.device.zero.add(ctx.core, ctx.label, noc_bytes_skipped=nbytes - sent)
    _multicast(ctx, m, base, ctx.get_l1_buffer(staging), nbytes, noc, sent)
    ctx.cb_push_back(cb, reserve)


def _receive(ctx, m: dict, cb: int, name: str, pages: list[int], reserve: int, staging: str, noc) -> None:
    size = ctx.buffer(name).page_nbytes
    receive_band(ctx, m, noc)
    ctx.cb_reserve_back(cb, reserve)
    here = ctx.get_noc_addr(*ctx.core, ctx.get_l1_buffer(staging))
    ctx.noc_async_read(here, ctx.get_write_ptr(cb), len(pages) * size, noc)  # staging -> CB, a local copy
    ctx.noc_async_read_barrier()
    ctx.cb_push_back(cb, reserve)


def multicast_band(ctx, m: dict, addr: int, nbytes: int, noc=None) -> None:
    """Sender: once every receiver is ready, copy [addr, addr + nbytes) to the same address on each, flag it."""
    _multicast(ctx, m, addr, addr, nbytes, noc)


def _multicast(ctx, m: dict, src: int, dst: int, nbytes: int, noc, timed: int | None = None) -> None:
    """Wait until the receivers are ready, multicast [src, src + nbytes) to dst on each (`timed` bytes cross
    the NoC), then flag it valid."""
    ready, valid = ctx.get_semaphore(m["ready"]), ctx.get_semaphore(m["valid"])
    ctx.noc_semaphore_wait(ready, m["n"])  # every receiver has emptied its staging buffer
    ctx.noc_semaphore_set(ready, 0)
    ctx.noc_async_write_multicast(src, ctx.get_noc_multicast_addr(*m["rect"], dst), nbytes, num_dests=m["n"],
                                  noc=noc, timed=timed)
    ctx.noc_semaphore_set(valid, 1)
    ctx.noc_semaphore_set_multicast(valid, ctx.get_noc_multicast_addr(*m["rect"], valid), num_dests=m["n"], noc=noc)


def receive_band(ctx, m: dict, noc=None) -> None:
    """Receiver: say the staging buffer is free, wait until the sender's multicast has landed in it."""
    valid = ctx.get_semaphore(m["valid"])
    ctx.noc_semaphore_set(valid, 0)
    ctx.noc_semaphore_inc(ctx.get_noc_addr(*m["sender"], ctx.get_semaphore(m["ready"])), noc=noc)
    ctx.noc_semaphore_wait(valid, 1)
