"""The neuron-level sparse matmul step (`matmul_rows`): decode-sized activations times row-major weights.

The step runs on the cores and column runs of the dense decode plan (ttnn's 1-D matmul: one core reads the
activation row and multicasts it, each core streams its weight columns in k steps of `kb` tiles), and decides
per block at run time, by the measured density of the activation: each core scans the activation tiles (one
tile row: at most 32 tokens) for columns that are nonzero for some token (the check is charged). If at most
`max_density` of them are, it packs them 32 at a time into dense activation tiles and gathers the matching
weight rows from the row-major copy of the weights (one NoC read per row), tilizing them; otherwise it streams
the nonzero k-tiles whole with the tiled weights, `kb` at a time, as the dense plan does. Either way the compute
kernel multiplies only what it is sent. A control page before each group says how many k tiles it holds (0:
the block is done).
"""

from __future__ import annotations

import numpy as np

from tensix.formats import tile_nbytes, tilize, unpack_tiles
from tensix.programs.stages.layout import CB_CTRL, MM_A, MM_B, MM_BIAS, cb_in
from tensix.programs.stages.mcast import announce, receive_band, release, send_band

END = 0


def read_matmul_rows(ctx, s, u, read_pages) -> None:
    a, kt, noc = s.a, s.kt, s.noc
    fa, wbuf = ctx.buffer(a).fmt, ctx.buffer(s.b_rows)
    stage = ctx.get_l1_buffer("rows_stage")  # the band's activation tiles, then gathered weight rows
    rows_at = stage + kt * ctx.buffer(a).page_nbytes
    share = s.mcast.a if s.mcast else None
    announce(ctx, share, slots=1, noc=noc)
    bands = [b[0] for b in s.blocks]
    band_row = None
    for i, (a_r0, _, c0, bn, _, _) in enumerate(s.blocks):
        if s.bias:
            read_pages(ctx, cb_in(MM_BIAS, ctx.buffer(s.bias).fmt), s.bias, range(c0, c0 + bn), noc, u.bias)
        if a_r0 != band_row:  # blocks of one tile row share its band: read (or received) and checked once
            band, nonzero = _activation_band(ctx, a, a_r0 * kt, kt, fa, stage, noc, share,
                                             last=a_r0 not in bands[i + 1:])
            # live[k, c]: column c of activation tile k is nonzero for some token (its weight row is needed)
            live = nonzero.any(axis=1) if ctx.skip is not None else np.ones((kt, 32), dtype=bool)
            density, band_row = np.count_nonzero(live) / (32 * kt), a_r0
        gather = density <= s.max_density
        if gather:
            sent = _send_compacted(ctx, s, u, band, live, c0, bn, rows_at, noc, wbuf)
        else:
            sent = _send_tiles(ctx, s, u, live, c0, bn, stage, noc)
        _control(ctx, END)
        _count_skipped(ctx, s, kt, sent, bn, gather)


def _send_tiles(ctx, s, u, live, c0: int, bn: int, stage: int, noc) -> int:
    """Dense enough: the nonzero k-tiles whole, `kb` at a time with their tiled weights (all reads of a group in
    flight before one barrier, the next group's issued while the compute kernel multiplies this one), as the
    dense decode plan streams them; only all-zero activation tiles are skipped. Returns the k tiles sent."""
    ks = np.flatnonzero(live.any(axis=1)).tolist()
    cba, cbb = cb_in(MM_A, ctx.buffer(s.a).fmt), cb_in(MM_B, ctx.buffer(s.b).fmt)
    page, bpage = ctx.buffer(s.a).page_nbytes, ctx.buffer(s.b).page_nbytes
    for g in range(0, len(ks), s.kb):
        group = ks[g:g + s.kb]
        _control(ctx, len(group))
        ctx.cb_reserve_back(cba, u.a)
        ctx.cb_reserve_back(cbb, u.b)
        at_a, at_b = ctx.get_write_ptr(cba), ctx.get_write_ptr(cbb)
        for i, k in enumerate(group):  # the activation tiles are already in staging: local copies
            ctx.noc_async_read(ctx.get_noc_addr(*ctx.core, stage + k * page), at_a + i * page, page, noc)
        pages = [k * s.b_cols + c0 + j for k in group for j in range(bn)]
        for i, p in enumerate(pages):
            ctx.noc_async_read_page(s.b, p, at_b + i * bpage, noc)
        ctx.noc_async_read_barrier()
        ctx.cb_push_back(cba, u.a)
        ctx.cb_push_back(cbb, u.b)
    return len(ks)


def _send_compacted(ctx, s, u, band: np.ndarray, live: np.ndarray, c0: int, bn: int, stage: int, noc,
                    wbuf) -> int:
    """Sparse: nonzero columns packed 32 to a tile, with their weight rows gathered from the row layout, `kb`
    packed tiles a group. Returns the packed k tiles sent."""
    rows = np.flatnonzero(live)  # weight row k * 32 + c of each live column c of tile k, ascending
    rows = rows[rows < wbuf.shape[0]]
    # the packed activation tiles, one per 32 live columns: column j of tile t is live column 32 t + j (one
    # value per token), zero past the last
    tiles = -(-len(rows) // 32)
    packed = np.zeros((32, tiles * 32), dtype=np.float32)
    packed[:, :len(rows)] = band[rows // 32, :, rows % 32].T
    packed_tiles = tilize(packed, ctx.buffer(s.a).fmt)
    offset = c0 * 32 * wbuf.elem_nbytes  # this block's columns of each row: bytes of them
    width = min(bn * 32, wbuf.shape[-1] - c0 * 32) * wbuf.elem_nbytes
    srcs = [(x, y, addr + offset) for x, y, addr in ctx.dram_page_addrs(s.b_rows, rows)]
    for t in range(0, tiles, s.kb):
        n = min(s.kb, tiles - t)
        _send_group(ctx, s, u, srcs[32 * t:32 * (t + n)], width, packed_tiles[t:t + n], bn, stage, noc)
    return tiles


def _activation_band(ctx, name: str, first: int, kt: int, fmt: str, stage: int, noc,
                     share=None, last: bool = True) -> np.ndarray:
    """Get a block's activation tiles into staging (from DRAM, or multicast by the op's first core when
    `share` says so; one staging slot) and look at each (charged as zero checks): the tiles as (kt, 32, 32)
    float32, and where they are nonzero."""
    page = ctx.buffer(name).page_nbytes
    receiving = share is not None and share.n and share.sender != ctx.core
    if not receiving:
        for k in range(kt):
            ctx.noc_async_read_page(name, first + k, stage + k * page, noc)
        ctx.noc_async_read_barrier()
        if share is not None and share.n:
            send_band(ctx, share, 0, stage, stage, kt * page, noc)
    else:
        receive_band(ctx, share, 0)
    band = unpack_tiles(ctx.l1(stage, kt * page).reshape(kt, page), fmt)
    nonzero = band != 0
    if ctx.skip is not None:
        cost = ctx.timing.zero_check_cycles * kt
        ctx.advance("zero_check", cost, kt)
        ctx.skip.add(ctx.core, ctx.label, activations=band.size,
                     zero_activations=band.size - int(np.count_nonzero(nonzero)), cycles_overhead=cost)
    if receiving and not last:
        release(ctx, share, 0, noc)  # unpacked: the sender may multicast the next block's band
    return band, nonzero


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


def _count_skipped(ctx, s, kt: int, sent: int, bn: int, gather: bool) -> None:
    """What the block saved against the dense block (k-steps of math, and weight bytes), and which way it ran."""
    if ctx.skip is None:
        return
    wbuf = ctx.buffer(s.b)
    dense_bytes = kt * bn * wbuf.page_nbytes
    steps = (kt - sent) * bn
    ctx.skip.add(ctx.core, ctx.label, macs_total=steps * 32768, macs_skipped=steps * 32768,
                 cycles_avoided=steps * ctx.timing.matmul(ctx.timing.default_fidelity),
                 noc_bytes_skipped=dense_bytes - sent * bn * wbuf.page_nbytes,
                 dram_bytes_skipped=dense_bytes - sent * bn * wbuf.page_nbytes,
                 **{"blocks_gathered" if gather else "blocks_streamed": 1})


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
