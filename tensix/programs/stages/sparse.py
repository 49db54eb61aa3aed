"""The neuron-level sparse matmul step (`matmul_rows`): decode-sized activations times row-major weights.

The step runs on the cores and column runs of the dense decode plan (ttnn's 1-D matmul: one core reads the
activation row and multicasts it, each core streams its weight columns in k steps of `kb` tiles) and decides at run
time, k step by k step, by the measured density of the activation: each core looks at the step's activation tiles
(one tile row: at most 32 tokens) for columns that are nonzero for some token (the check is charged). If at most
`max_density` of them are, it packs them 32 at a time into dense activation tiles and gathers the matching weight
rows from the row-major copy of the weights (one NoC read per row), tilizing them; otherwise it streams the step's
nonzero k-tiles whole with the tiled weights, as the dense plan does. Either way the compute kernel multiplies only
what it is sent. A control page before each step says how many k tiles it holds (0: the block is done).
"""

from __future__ import annotations

import numpy as np

from tensix.compute_skip import matmul_step
from tensix.formats import tile_nbytes, tilize, unpack_tiles
from tensix.programs.stages.layout import CB_CTRL, MM_A, MM_B, MM_BIAS, cb_in
from tensix.programs.stages.mcast import release

END = 0


def read_matmul_rows(ctx, s, u, read_pages) -> None:
    a, kt, kb, noc = s.a, s.kt, s.kb, s.noc
    wbuf = ctx.buffer(s.b_rows)
    stage = ctx.get_l1_buffer("rows_stage")  # the band's activation tiles, then gathered weight rows
    rows_at = stage + kt * ctx.buffer(a).page_nbytes
    band = _Band(ctx, s, stage)
    for c0, bn in ((b[2], b[3]) for b in s.blocks):
        if s.bias:
            read_pages(ctx, cb_in(MM_BIAS, ctx.buffer(s.bias).fmt), s.bias, range(c0, c0 + bn), noc, u.bias)
        sent = [0, 0]  # k tiles multiplied, weight bytes read
        for k0 in range(0, kt, kb):  # one k step: its band chunk checked, then its weights gathered or streamed
            tiles, live = band.chunk(k0, min(kb, kt - k0))
            gather = np.count_nonzero(live) <= s.max_density * live.size
            send = _send_compacted(ctx, s, u, tiles, live, k0, c0, bn, rows_at, noc, wbuf) if gather else (
                _send_tiles(ctx, s, u, live, k0, c0, bn, stage, noc))
            sent = [sent[0] + send[0], sent[1] + send[1]]
            if ctx.skip is not None:
                ctx.skip.add(ctx.core, ctx.label, **{"steps_gathered" if gather else "steps_streamed": 1})
        _control(ctx, END)
        _count_skipped(ctx, s, kt, sent, bn)
    band.done()


class _Band:
    """The step's activation band (its one tile row: at most 32 tokens) in staging, k step by k step: the op's
    first core (or each core, unshared) reads a chunk of kb tiles from DRAM and multicasts it to the others as it
    lands, so the weights of step k move while later chunks are still on their way, as the dense plan's activation
    steps do. Each chunk is looked at once (charged as zero checks): its tiles as (n, 32, 32) float32, and its
    live columns (nonzero for some token: their weight rows are needed)."""

    def __init__(self, ctx, s, stage: int):
        self.ctx, self.s, self.stage = ctx, s, stage
        self.page = ctx.buffer(s.a).page_nbytes
        self.share = s.mcast.a if s.mcast and s.mcast.a.n else None
        self.receiving = self.share is not None and self.share.sender != ctx.core
        self.seen: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.chunks = 0  # chunks arrived (receiver) or asked for (sender)
        self.sent = 0  # chunks multicast (sender)
        if self.receiving:  # staging is free: the sender may multicast into it
            release(ctx, self.share, 0, s.noc)

    def chunk(self, k0: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        if k0 not in self.seen:
            self._arrive(k0, n)
            self.seen[k0] = self._look(k0, n)
        return self.seen[k0]

    def _arrive(self, k0: int, n: int) -> None:
        """Receiver: wait for the chunk. Sender (or an unshared core), at the first chunk: read the whole band (one
        barrier); then, a step ahead of its own k steps, post the next chunk's multicast, followed by the count of
        chunks sent (two in flight, as the dense plan's double-buffered activation steps)."""
        ctx, share, s = self.ctx, self.share, self.s
        self.chunks += 1
        if self.receiving:
            ctx.noc_semaphore_wait_min(ctx.get_semaphore(share.valid[0]), self.chunks)
            return
        if self.chunks == 1:
            for k in range(s.kt):
                ctx.noc_async_read_page(s.a, k, self.stage + k * self.page, s.noc)
            ctx.noc_async_read_barrier()
            if share is not None:
                ready = ctx.get_semaphore(share.ready[0])
                ctx.noc_semaphore_wait(ready, share.n)  # every receiver's staging is free
                ctx.noc_semaphore_set(ready, 0)
        if share is not None:
            for i in range(self.sent, min(self.chunks + 1, -(-s.kt // s.kb))):
                self._post(i)

    def _post(self, i: int) -> None:
        """Sender: multicast chunk i, then the number of chunks sent (it lands behind the data)."""
        ctx, share, s = self.ctx, self.share, self.s
        at, nbytes = self.stage + i * s.kb * self.page, min(s.kb, s.kt - i * s.kb) * self.page
        ctx.noc_async_write_multicast(at, ctx.get_noc_multicast_addr(*share.rect, at), nbytes, num_dests=share.n,
                                      noc=1 - (s.noc or 0))
        valid = ctx.get_semaphore(share.valid[0])
        ctx.noc_semaphore_set(valid, i + 1)
        ctx.noc_semaphore_set_multicast(valid, ctx.get_noc_multicast_addr(*share.rect, valid), num_dests=share.n,
                                        noc=1 - (s.noc or 0))
        self.sent = i + 1

    def _look(self, k0: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        ctx = self.ctx
        at = self.stage + k0 * self.page
        tiles = unpack_tiles(ctx.l1(at, n * self.page).reshape(n, self.page), ctx.buffer(self.s.a).fmt)
        nonzero = tiles != 0
        if ctx.skip is None:  # a skipping plan run dense (`--compare-dense`): every column is needed
            return tiles, np.ones((n, 32), dtype=bool)
        cost = ctx.timing.zero_check_cycles * n
        ctx.advance("zero_check", cost, n)
        ctx.skip.add(ctx.core, ctx.label, activations=tiles.size,
                     zero_activations=tiles.size - int(np.count_nonzero(nonzero)), cycles_overhead=cost)
        return tiles, nonzero.any(axis=1)

    def done(self) -> None:
        """The step is over: the valid count starts again at 0 for the next step sharing this staging."""
        if self.share is not None:
            self.ctx.noc_semaphore_set(self.ctx.get_semaphore(self.share.valid[0]), 0)


def _send_tiles(ctx, s, u, live, k0: int, c0: int, bn: int, stage: int, noc) -> int:
    """A dense enough k step: its nonzero activation tiles whole (local copies from staging) with their tiled
    weights, all reads in flight before one barrier (the next step's issued while the compute kernel multiplies
    this one), as the dense decode plan streams them; only all-zero activation tiles are skipped. The activation
    tiles are copied one run of consecutive nonzero tiles at a time (one read each: they sit side by side in
    staging and in the CB). Returns the k
    tiles multiplied and the weight bytes read."""
    ks = [k0 + k for k in np.flatnonzero(live.any(axis=1)).tolist()]
    if not ks:
        return 0, 0
    _control(ctx, len(ks))
    cba, cbb = cb_in(MM_A, ctx.buffer(s.a).fmt), cb_in(MM_B, ctx.buffer(s.b).fmt)
    page, bpage = ctx.buffer(s.a).page_nbytes, ctx.buffer(s.b).page_nbytes
    ctx.cb_reserve_back(cba, u.a)
    ctx.cb_reserve_back(cbb, u.b)
    at_a, at_b = ctx.get_write_ptr(cba), ctx.get_write_ptr(cbb)
    i = 0
    for k, n in _runs(ks):  # a run of nonzero tiles side by side in staging: one read
        ctx.noc_async_read(ctx.get_noc_addr(*ctx.core, stage + k * page), at_a + i * page, n * page, noc)
        i += n
    for i, p in enumerate(k * s.b_cols + c0 + j for k in ks for j in range(bn)):
        ctx.noc_async_read_page(s.b, p, at_b + i * bpage, noc)
    ctx.noc_async_read_barrier()
    ctx.cb_push_back(cba, u.a)
    ctx.cb_push_back(cbb, u.b)
    return len(ks), len(ks) * bn * bpage


def _runs(ks: list[int]) -> list[tuple[int, int]]:
    """Ascending k tiles as runs of consecutive ones: (first, count)."""
    runs: list[tuple[int, int]] = []
    for k in ks:
        if runs and runs[-1][0] + runs[-1][1] == k:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((k, 1))
    return runs


def _send_compacted(ctx, s, u, tiles: np.ndarray, live: np.ndarray, k0: int, c0: int, bn: int, stage: int, noc,
                    wbuf) -> int:
    """A sparse k step: its live columns packed 32 to a tile, with their weight rows gathered from the row layout.
    Returns the packed k tiles multiplied and the weight bytes read (this block's columns of each live row)."""
    cols = np.flatnonzero(live)  # column c of chunk tile k, as k * 32 + c, ascending
    rows = k0 * 32 + cols  # their weight rows
    keep = rows < wbuf.shape[0]
    cols, rows = cols[keep], rows[keep]
    if not len(rows):
        return 0, 0
    # column j of packed tile t is live column 32 t + j (one value per token), zero past the last
    n = -(-len(rows) // 32)
    packed = np.zeros((32, n * 32), dtype=np.float32)
    packed[:, :len(rows)] = tiles[cols // 32, :, cols % 32].T
    offset = c0 * 32 * wbuf.elem_nbytes  # this block's columns of each row: bytes of them
    width = min(bn * 32, wbuf.shape[-1] - c0 * 32) * wbuf.elem_nbytes
    srcs = [(x, y, addr + offset) for x, y, addr in ctx.dram_page_addrs(s.b_rows, rows)]
    _send_group(ctx, s, u, srcs, width, tilize(packed, ctx.buffer(s.a).fmt), bn, stage, noc)
    return n, len(rows) * width


def _send_group(ctx, s, u, srcs: list, width: int, tiles: np.ndarray, bn: int, stage: int, noc) -> None:
    """One compacted group: control page, its packed activation tiles (live columns side by side, encoded), and
    for each the bn tiles of the weight rows gathered from `srcs` (32 rows a tile; `width` bytes of each row:
    this block's columns)."""
    _control(ctx, len(tiles))
    wbuf = ctx.buffer(s.b_rows)
    cba, cbb = cb_in(MM_A, ctx.buffer(s.a).fmt), cb_in(MM_B, wbuf.fmt)
    ctx.cb_reserve_back(cba, u.a)
    ctx.l1(ctx.get_write_ptr(cba), tiles.size)[:] = tiles.reshape(-1)
    ctx.cb_push_back(cba, u.a)
    row_nbytes = -(-bn * 32 * wbuf.elem_nbytes // 32) * 32
    ctx.l1(stage, len(tiles) * 32 * row_nbytes)[:] = 0
    ctx.noc_async_read_gather(srcs, stage, row_nbytes, width, noc)
    ctx.noc_async_read_barrier()
    ctx.cb_reserve_back(cbb, u.b)
    for t in range(len(tiles)):
        _tilize_rows(ctx, stage + t * 32 * row_nbytes, row_nbytes, bn, wbuf,
                     ctx.get_write_ptr(cbb) + t * bn * tile_nbytes(wbuf.fmt))
    ctx.cb_push_back(cbb, u.b)
    cost = ctx.timing.compact_cycles_per_column * len(srcs) + ctx.timing.tilize_cycles * bn * len(tiles)
    ctx.advance("compact", cost)
    if ctx.skip is not None:  # a skipping plan run dense (`--compare-dense`) compacts without accounting
        ctx.skip.add(ctx.core, ctx.label, cycles_overhead=cost)


def _tilize_rows(ctx, stage: int, row_nbytes: int, bn: int, wbuf, dst: int) -> None:
    """The bn weight tiles of the 32 staged rows, side by side at L1 `dst`. A tile holds values in the rows'
    own format (bf16 or fp32), face by face, row-major within a face: tilizing them only moves words."""
    word = np.uint16 if wbuf.fmt == "bf16" else np.uint32
    raw = ctx.l1(stage, 32 * row_nbytes).reshape(32, row_nbytes)[:, :bn * 32 * wbuf.elem_nbytes].view(word)
    # (face row, row in face, tile, face column, column in face) -> (tile, face row, face column, row, column)
    faces = raw.reshape(2, 16, bn, 2, 16).transpose(2, 0, 3, 1, 4)
    ctx.l1(dst, bn * tile_nbytes(wbuf.fmt)).view(word).reshape(bn, 2, 2, 16, 16)[:] = faces


def _control(ctx, count: int) -> None:
    """The control page before a group: how many k tiles it holds (END: the block is done)."""
    ctx.cb_reserve_back(CB_CTRL, 1)
    ctx.l1(ctx.get_write_ptr(CB_CTRL), 4).view(np.uint32)[0] = count
    ctx.cb_push_back(CB_CTRL, 1)


def _count_skipped(ctx, s, kt: int, sent: list[int], bn: int) -> None:
    """What the block saved against the dense block (`sent`: k tiles multiplied, weight bytes read): k-steps of
    math, and weight bytes."""
    if ctx.skip is None:
        return
    wbuf = ctx.buffer(s.b)
    dense_bytes = kt * bn * wbuf.page_nbytes
    steps = (kt - sent[0]) * bn
    ctx.skip.add(ctx.core, ctx.label, macs_total=steps * 32768, macs_skipped=steps * 32768,
                 cycles_avoided=steps * ctx.timing.matmul(ctx.timing.default_fidelity),
                 noc_bytes_skipped=dense_bytes - sent[1], dram_bytes_skipped=dense_bytes - sent[1])


def compute_matmul_rows(ctx, s, u, emit) -> None:
    cba, cbb = cb_in(MM_A, ctx.buffer(s.a).fmt), cb_in(MM_B, ctx.buffer(s.b).fmt)
    for _, _, _, bn, _, _ in s.blocks:
        ctx.tile_regs_acquire()
        while True:
            ctx.cb_wait_front(CB_CTRL, 1)
            kc = ctx.front_u32(CB_CTRL)
            ctx.cb_pop_front(CB_CTRL, 1)
            if kc == END:
                break
            ctx.cb_wait_front(cba, u.a)
            ctx.cb_wait_front(cbb, u.b)
            if ctx.skip is None or not ctx.math or not matmul_step(ctx, cba, cbb, kc, bn):
                for kk in range(kc):  # A tile kk, B (kk, j) at kk * bn + j
                    ctx.matmul_block(cba, cbb, kk, kk * bn, 0, False, bn, 1, kc)
            ctx.cb_pop_front(cba, u.a)
            ctx.cb_pop_front(cbb, u.b)
        if s.bias:
            cbc = cb_in(MM_BIAS, ctx.buffer(s.bias).fmt)
            ctx.cb_wait_front(cbc, u.bias)
            for j in range(bn):
                ctx.bcast_dst_tiles("add", "row", j, cbc, j)
            ctx.cb_pop_front(cbc, u.bias)
        emit(ctx, s, u.out, bn)
        ctx.tile_regs_release()
