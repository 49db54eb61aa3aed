"""The neuron-level sparse matmul step (`matmul_rows`): decode-sized activations times row-major weights.

For each output block the reader scans the activation tiles (one tile row: at most 32 tokens), keeps the
columns that are nonzero for some token, and packs them 32 at a time into a dense activation tile, while
it gathers the matching weight rows from DRAM (one NoC read per row) and tilizes them. The compute
kernel multiplies only these compacted tiles, so weight traffic and math shrink with the activation
density. A control page before each group says whether more follow. With skipping off every column is kept.
"""

from __future__ import annotations

import numpy as np

from tensix.formats import pack_tile, unpack_tile
from tensix.programs.stages.layout import CB_CTRL, MM_A, MM_B, MM_BIAS, cb_in, cb_out

MORE, END = 1, 0


def read_matmul_rows(ctx, s: dict, read_pages) -> None:
    a, b, kt, noc = s["a"], s["b"], s["kt"], s.get("noc")
    fa, wbuf = ctx.buffer(a).fmt, ctx.buffer(b)
    _, cb_bn = s["cb_block"]
    stage = ctx.get_l1_buffer("rows_stage")
    for a_r0, _, c0, bn, _, _ in s["blocks"]:
        if s.get("bias"):
            read_pages(ctx, cb_in(MM_BIAS, ctx.buffer(s["bias"]).fmt), s["bias"], range(c0, c0 + bn), noc, cb_bn)
        pending: list[tuple[int, np.ndarray]] = []  # (weight row, activation column) not yet sent
        groups = 0
        for k in range(kt):
            tile = _activation_tile(ctx, a, a_r0 * kt + k, fa, stage, noc)
            cols = np.flatnonzero(tile.any(axis=0)) if ctx.skip is not None else range(32)
            pending += [(k * 32 + c, tile[:, c].copy()) for c in cols if k * 32 + c < wbuf.shape[0]]
            while len(pending) >= 32:
                _send_group(ctx, s, pending[:32], c0, bn, cb_bn, stage, noc)
                pending, groups = pending[32:], groups + 1
        if pending:
            _send_group(ctx, s, pending, c0, bn, cb_bn, stage, noc)
            groups += 1
        _control(ctx, END)
        _count_skipped(ctx, s, kt, groups, bn)


def _activation_tile(ctx, name: str, page: int, fmt: str, stage: int, noc) -> np.ndarray:
    """Read one activation tile into the staging buffer and look at it (charged as a zero check)."""
    ctx.noc_async_read_page(name, page, stage, noc)
    ctx.noc_async_read_barrier()
    tile = np.empty((32, 32), dtype=np.float32)
    unpack_tile(ctx.l1(stage, ctx.buffer(name).page_nbytes), fmt, tile)
    if ctx.skip is not None:
        cost = ctx.timing.zero_check_cycles
        ctx.advance("zero_check", cost)
        ctx.device.zero.add(ctx.core, ctx.label, activations=1024, zero_activations=int((tile == 0).sum()),
                            cycles_overhead=cost)
    return tile


def _send_group(ctx, s: dict, group: list, c0: int, bn: int, cb_bn: int, stage: int, noc) -> None:
    """One compacted k-step: control page, the packed activation tile, and bn tiles of gathered weight rows."""
    _control(ctx, MORE)
    a_fmt, wbuf = ctx.buffer(s["a"]).fmt, ctx.buffer(s["b"])
    packed = np.zeros((32, 32), dtype=np.float32)
    for i, (_, column) in enumerate(group):
        packed[:, i] = column
    cba = cb_in(MM_A, a_fmt)
    ctx.cb_reserve_back(cba, 1)
    pack_tile(packed, a_fmt, ctx.l1(ctx.get_write_ptr(cba), ctx.buffer(s["a"]).page_nbytes))
    ctx.cb_push_back(cba, 1)
    width = min(bn * 32, wbuf.shape[-1] - c0 * 32) * wbuf.elem_nbytes
    row_nbytes = -(-bn * 32 * wbuf.elem_nbytes // 32) * 32
    ctx.l1(stage, 32 * row_nbytes)[:] = 0
    for i, (row, _) in enumerate(group):  # one NoC read per needed weight row
        x, y, addr = ctx.dram_page_addr(s["b"], row)
        ctx.noc_async_read((x, y, addr + c0 * 32 * wbuf.elem_nbytes), stage + i * row_nbytes, width, noc)
    ctx.noc_async_read_barrier()
    rows = _stage_rows(ctx, stage, row_nbytes, bn, wbuf)
    cbb = cb_in(MM_B, wbuf.fmt)
    ctx.cb_reserve_back(cbb, cb_bn)
    page = ctx.cb(cbb).page_nbytes
    for j in range(bn):
        pack_tile(np.ascontiguousarray(rows[:, j * 32:(j + 1) * 32]), wbuf.fmt,
                  ctx.l1(ctx.get_write_ptr(cbb) + j * page, page))
    ctx.cb_push_back(cbb, cb_bn)
    cost = ctx.timing.compact_cycles_per_column * len(group) + ctx.timing.tilize_cycles * bn
    ctx.advance("compact", cost)
    ctx.device.zero.add(ctx.core, ctx.label, cycles_overhead=cost)


def _stage_rows(ctx, stage: int, row_nbytes: int, bn: int, wbuf) -> np.ndarray:
    raw = ctx.l1(stage, 32 * row_nbytes).reshape(32, row_nbytes)[:, :bn * 32 * wbuf.elem_nbytes]
    if wbuf.fmt == "bf16":
        return (raw.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
    return raw.view(np.float32).copy()


def _control(ctx, flag: int) -> None:
    ctx.cb_reserve_back(CB_CTRL, 1)
    ctx.l1(ctx.get_write_ptr(CB_CTRL), 4).view(np.uint32)[0] = flag
    ctx.cb_push_back(CB_CTRL, 1)


def _count_skipped(ctx, s: dict, kt: int, groups: int, bn: int) -> None:
    """What the compaction saved against the dense block: k-steps of math, and weight bytes."""
    if ctx.skip is None:
        return
    wbuf = ctx.buffer(s["b"])
    dense_bytes = kt * bn * 32 * 32 * wbuf.elem_nbytes
    sent = groups * 32 * bn * 32 * wbuf.elem_nbytes
    steps = (kt - groups) * bn
    ctx.device.zero.add(ctx.core, ctx.label, macs_total=steps * 32768, macs_skipped=steps * 32768,
                        cycles_avoided=steps * ctx.timing.matmul(ctx.timing.default_fidelity),
                        noc_bytes_skipped=dense_bytes - sent, dram_bytes_skipped=dense_bytes - sent)


def compute_matmul_rows(ctx, s: dict, emit) -> None:
    cba, cbb = cb_in(MM_A, ctx.buffer(s["a"]).fmt), cb_in(MM_B, ctx.buffer(s["b"]).fmt)
    _, cb_bn = s["cb_block"]
    for _, _, _, bn, _, _ in s["blocks"]:
        ctx.tile_regs_acquire()
        while True:
            ctx.cb_wait_front(CB_CTRL, 1)
            flag = ctx.front_u32(CB_CTRL)
            ctx.cb_pop_front(CB_CTRL, 1)
            if flag == END:
                break
            ctx.cb_wait_front(cba, 1)
            ctx.cb_wait_front(cbb, cb_bn)
            for j in range(bn):
                ctx.matmul_tiles(cba, cbb, 0, j, j)
            ctx.cb_pop_front(cba, 1)
            ctx.cb_pop_front(cbb, cb_bn)
        if s.get("bias"):
            cbc = cb_in(MM_BIAS, ctx.buffer(s["bias"]).fmt)
            ctx.cb_wait_front(cbc, cb_bn)
            for j in range(bn):
                ctx.bcast_dst_tiles("add", "row", j, cbc, j)
            ctx.cb_pop_front(cbc, cb_bn)
        emit(ctx, s, bn, s["cb_block"][0] * cb_bn)
        ctx.tile_regs_release()


def out_cb(ctx, s: dict) -> int:
    return cb_out(ctx.buffer(s["out"]).fmt, matmul=True)
