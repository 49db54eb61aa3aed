"""The k-split decode matmul step (`matmul_split`): each core multiplies a band of k rows, the cores add up.

For decode-sized activations (at most 32 tokens) whose columns are often zero (a ReLU's output), each core of the op
takes a contiguous band of k tiles. Its reader reads that band of the activation (only the live faces of its
partial tile: faces 0 and 1 hold rows 0-15, so a tile of up to 16 tokens moves half its bytes, as tt-metal's tiny
tiles), finds the live columns (nonzero for some token: the check is charged when skipping; run dense, every column
is live) and gathers their weight rows whole from the row-major copy of the weights: one contiguous read per row.
The compute kernel tilizes the rows (charged by the rows it moves), multiplies them in k order into an fp32
partial of the output row, and packs the live rows of each output tile (tiny tiles). The writer sends each
reducing core its output columns of the partial; each reducer adds the partials of all cores in k order (the same
order whatever was skipped, so skipping gives the dense run's bits), applies the fused chain and writes the output.

Reader and compute share data through the core's staging (L1 buffers `rows_stage`: the activation band, then the
gathered rows, then the packed activation; `split_parts`: partials out and in), and hand over with control pages
(CB_CTRL: rows gathered, then for a reducer the partials landed); the compute kernel tells the writer its partial is
packed with a page of the fp32 matmul output CB.
"""

from __future__ import annotations

import numpy as np

from tensix import kernels as K
from tensix.formats import tilize, unpack_tiles
from tensix.programs.stages.compute import _chain
from tensix.programs.stages.dispatch import handles, needs_cbs
from tensix.programs.stages.layout import CB_CTRL, cb_out
from tensix.programs.stages.layout import split_part_nbytes as part_nbytes
from tensix.programs.stages.writer import _signal
from tensix.schedule.contract import Units
from tensix.schedule.split import MatmulSplit


def live_nbytes(page_nbytes: int, rows: int) -> int:
    """Bytes of an activation tile that hold its live rows: faces 0 and 1 (rows 0-15) when it has at most 16."""
    return page_nbytes // 2 if rows <= 16 else page_nbytes


@needs_cbs(MatmulSplit)
def _cbs(s: MatmulSplit, formats: dict[str, str], unit: int) -> dict[int, tuple[str, int]]:
    out = formats[s.out]
    return {CB_CTRL: ("fp32", 2), cb_out("fp32", matmul=True): ("fp32", 2), cb_out(out): (out, 2 * max(1, s.cols[1]))}


@handles("reader", MatmulSplit)
def read_split(ctx, s: MatmulSplit, u: Units) -> None:
    abuf, wbuf = ctx.buffer(s.a), ctx.buffer(s.b_rows)
    n, page = s.k1 - s.k0, abuf.page_nbytes
    stage = ctx.get_l1_buffer("rows_stage")
    rows_at = stage + n * page
    packed_at = rows_at + n * 32 * wbuf.page_nbytes
    ctx.cb_reserve_back(CB_CTRL, 1)  # the last step's staging is free: compute took its first control page
    ctx.l1(stage, n * page)[:] = 0
    _read_live_rows(ctx, s, stage, n, page)
    tiles = unpack_tiles(ctx.l1(stage, n * page).reshape(n, page), abuf.fmt)
    cols = _live_columns(ctx, tiles, s.rows)
    rows = s.k0 * 32 + cols
    keep = rows < wbuf.shape[0]
    cols, rows = cols[keep], rows[keep]
    if len(rows):
        ctx.noc_async_read_gather(ctx.dram_page_addrs(s.b_rows, rows), rows_at, wbuf.page_nbytes, wbuf.page_nbytes,
                                  s.noc)
        packed = np.zeros((32, -(-len(rows) // 32) * 32), dtype=np.float32)
        packed[:, :len(rows)] = tiles[cols // 32, :, cols % 32].T
        enc = tilize(packed, abuf.fmt)
        ctx.l1(packed_at, enc.size)[:] = enc.reshape(-1)
        ctx.noc_async_read_barrier()
    _count(ctx, s, n, len(rows), wbuf.page_nbytes)
    _control(ctx, len(rows), reserved=True)
    if s.cols[1]:  # a reducer: every core's partial of its columns has landed
        sem = ctx.get_semaphore(s.sem)
        ctx.noc_semaphore_wait(sem, len(s.parts))
        ctx.noc_semaphore_set(sem, 0)
    _control(ctx, len(s.parts) if s.cols[1] else 0)  # two pages a step, so the next waits for the first's pop


def _read_live_rows(ctx, s: MatmulSplit, stage: int, n: int, page: int) -> None:
    """The band's tiles into staging: of up to 16 tokens only their rows of faces 0 and 1 (two reads a tile, of
    rows x 16 elements each: a tiny tile's bytes), else whole tiles."""
    srcs = ctx.dram_page_addrs(s.a, np.arange(s.k0, s.k1))
    if s.rows > 16:
        ctx.noc_async_read_gather(srcs, stage, page, page, s.noc)
    else:
        face, nbytes = page // 4, s.rows * page // 64  # a face's rows are 16 elements each
        for f in (0, 1):
            ctx.noc_async_read_gather([(x, y, addr + f * face) for x, y, addr in srcs], stage + f * face, page, nbytes,
                                      s.noc)
    ctx.noc_async_read_barrier()


def _live_columns(ctx, tiles: np.ndarray, rows: int) -> np.ndarray:
    """Columns (k * 32 + c of the band) nonzero for some token, the check charged; all of them run dense."""
    n = len(tiles)
    if ctx.skip is None:
        return np.arange(n * 32)
    nonzero = tiles[:, :rows, :] != 0
    cost = -(-ctx.timing.zero_check_cycles * n * (2 if rows <= 16 else 4) // 4)  # over the live faces
    ctx.advance("zero_check", cost, n)
    ctx.skip.add(ctx.core, ctx.label, activations=nonzero.size, zero_activations=nonzero.size -
                 int(np.count_nonzero(nonzero)), cycles_overhead=cost)
    return np.flatnonzero(nonzero.any(axis=1).reshape(-1))


def _count(ctx, s: MatmulSplit, n: int, gathered: int, row_nbytes: int) -> None:
    """What skipping saved on this core against its band run dense: weight rows not read, k terms not multiplied."""
    if ctx.skip is None:
        return
    dense = n * 32
    saved = (dense - gathered) * row_nbytes
    ctx.skip.add(ctx.core, ctx.label, macs_total=dense * 32 * s.out_cols * s.rows,
                 macs_skipped=(dense - gathered) * 32 * s.out_cols * s.rows, noc_bytes_skipped=saved,
                 dram_bytes_skipped=saved, steps_gathered=1)


def _control(ctx, value: int, reserved: bool = False) -> None:
    if not reserved:
        ctx.cb_reserve_back(CB_CTRL, 1)
    ctx.l1(ctx.get_write_ptr(CB_CTRL), 4).view(np.uint32)[0] = value
    ctx.cb_push_back(CB_CTRL, 1)


def _l1(ctx, addr: int, nbytes: int) -> np.ndarray:
    """The compute kernel's view of its core's L1 (the unpacker reads staging as a CB set at its address would)."""
    return ctx.sram.data[addr:addr + nbytes]


@handles("compute", MatmulSplit)
def compute_split(ctx, s: MatmulSplit, u: Units) -> None:
    abuf, wbuf = ctx.buffer(s.a), ctx.buffer(s.b_rows)
    n, page, m, nt = s.k1 - s.k0, abuf.page_nbytes, s.rows, s.out_cols
    stage = ctx.get_l1_buffer("rows_stage")
    rows_at = stage + n * page
    parts = ctx.get_l1_buffer("split_parts") + s.parts_at
    out_at = parts + len(s.parts) * max(c for *_, c in s.owners) * part_nbytes(m)
    ctx.cb_wait_front(CB_CTRL, 1)
    gathered = ctx.front_u32(CB_CTRL)
    partial = np.zeros((m, nt * 32), dtype=np.float32)
    if gathered:
        groups = -(-gathered // 32)
        at = rows_at + n * 32 * wbuf.page_nbytes
        a = unpack_tiles(_l1(ctx, at, groups * page).reshape(groups, page), abuf.fmt)
        a = np.ascontiguousarray(a[:, :m, :].transpose(1, 0, 2).reshape(m, groups * 32)[:, :gathered])
        w = _rows(_l1(ctx, rows_at, gathered * wbuf.page_nbytes), gathered, wbuf)
        if ctx.math:  # the kernels take c as (rows of a, columns of b): the live columns, padding left at 0
            live = np.zeros((m, w.shape[1]), dtype=np.float32)
            K.matmul_acc(a, w, live)
            partial[:, :w.shape[1]] = live
        _charge_matmul(ctx, gathered, m, nt, wbuf.fmt)
    ctx.cb_pop_front(CB_CTRL, 1)
    _l1(ctx, out_at, partial.nbytes).view(np.float32)[:] = partial.reshape(m, nt, 32).transpose(1, 0, 2).reshape(-1)
    ctx.advance("pack_tile", nt * _pack_tiny(ctx, m), nt)
    token = cb_out("fp32", matmul=True)
    ctx.cb_reserve_back(token, 1)
    ctx.cb_push_back(token, 1)
    ctx.cb_wait_front(CB_CTRL, 1)  # partials landed (a reducer), or nothing (0)
    if s.cols[1]:
        _reduce(ctx, s, parts, m)
    ctx.cb_pop_front(CB_CTRL, 1)


def _rows(raw: np.ndarray, count: int, wbuf) -> np.ndarray:
    """The gathered weight rows as float32 (count, columns)."""
    cols = wbuf.shape[-1]
    if wbuf.fmt == "fp32":
        return raw.view(np.float32).reshape(count, -1)[:, :cols]
    bits = raw.view(np.uint16).reshape(count, -1)[:, :cols].astype(np.uint32) << 16
    return bits.view(np.float32)


def _charge_matmul(ctx, gathered: int, m: int, nt: int, fmt: str) -> None:
    """Each group of 32 gathered rows: tilized by the unpacker (charged by the rows it moves), then one tile product
    per output tile over its live faces (rows of tokens, columns of gathered rows: 16 each)."""
    t = ctx.timing
    per_tile = t.matmul(ctx.fidelity, fmt)
    tilize = mm = 0
    for g in range(0, gathered, 32):
        live = min(32, gathered - g)
        tilize += -(-t.tilize_cycles * live // 32)
        faces = (1 if m <= 16 else 2) * (1 if live <= 16 else 2)
        mm += -(-per_tile * faces // 4)
    ctx.advance("tilize", tilize * nt, nt)
    ctx.advance("matmul_tiles", mm * nt, nt)
    ctx.flops += 2 * gathered * m * nt * 32


def _pack_tiny(ctx, m: int) -> int:
    """Packing (or unpacking) the live rows of one fp32 tile."""
    t = ctx.timing
    return t.pack_setup_cycles + -(-part_nbytes(m) // t.pack_bytes_per_cycle)


def _reduce(ctx, s: MatmulSplit, parts: int, m: int) -> None:
    """The reducer: each of its output tiles is the sum of every core's partial in k order, then the chain, packed
    and handed to the writer."""
    nc = s.cols[1]
    stride = max(c for *_, c in s.owners) * part_nbytes(m)
    landed = _l1(ctx, parts, len(s.parts) * stride).view(np.float32).reshape(len(s.parts), -1)
    out = cb_out(ctx.buffer(s.out).fmt)
    add = max(-(-ctx.timing.eltwise_cycles * -(-m // 8) * 8 // 32), _pack_tiny(ctx, m))
    total = np.zeros((nc, m, 32), dtype=np.float32)
    if ctx.math:  # every tile's sum in k order at once: the same additions, in the same order, as tile by tile
        for p in range(len(s.parts)):
            total += landed[p, :nc * m * 32].reshape(nc, m, 32)
    ctx.cb_reserve_back(out, nc)
    for j in range(nc):
        ctx.tile_regs_acquire()
        ctx._d(0)[:m] = total[j]
        ctx.advance("add_tiles", add * len(s.parts), len(s.parts))
        _chain(ctx, s.chain, 0)
        ctx.pack_tile(0, out, j)
        ctx.tile_regs_release()
    ctx.cb_push_back(out, nc)


@handles("writer", MatmulSplit)
def write_split(ctx, s: MatmulSplit, u: Units) -> None:
    m = s.rows
    tiny = part_nbytes(m)
    me = s.parts.index(tuple(ctx.core))
    stride = max(c for *_, c in s.owners) * tiny
    parts = ctx.get_l1_buffer("split_parts") + s.parts_at
    out_at = parts + len(s.parts) * stride
    token = cb_out("fp32", matmul=True)
    ctx.cb_wait_front(token, 1)
    sem, noc = ctx.get_semaphore(s.sem), s.noc if s.write_noc is None else s.write_noc
    for x, y, c0, nc in s.owners:
        ctx.noc_async_write(out_at + c0 * tiny, ctx.get_noc_addr(x, y, parts + me * stride), nc * tiny, noc)
    ctx.noc_async_write_barrier()
    _signal(ctx, sem, [(x, y) for x, y, _, _ in s.owners])
    ctx.cb_pop_front(token, 1)
    obuf = ctx.buffer(s.out)
    out, live = cb_out(obuf.fmt), live_nbytes(obuf.page_nbytes, m)
    c0, nc = s.cols
    if not nc:
        return
    ctx.cb_wait_front(out, nc)
    at = ctx.get_read_ptr(out)
    for j in range(nc):  # the live faces of each output tile, dense or skipping (a tiny tile)
        ctx.noc_async_write(at + j * obuf.page_nbytes, ctx.dram_page_addr(s.out, c0 + j), live, noc)
    ctx.noc_async_write_barrier()
    ctx.cb_pop_front(out, nc)

