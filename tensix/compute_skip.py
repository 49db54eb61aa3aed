"""Zero skipping in the compute kernel (tensix/compute_api.py): which faces of an activation tile are live, and
matmuls over only those faces, charged and counted (docs/architecture.md, zero skipping).

These run once per activation tile of a skipping matmul, so they add to the kernel's zero-skip counters in place
(ZeroSkipPolicy.row) and look face counts up in a table: a tile that skips should cost the emulator little."""

from __future__ import annotations

import numpy as np

from tensix import kernels as K
from tensix.zeroskip import ACTIVATIONS, CYCLES_AVOIDED, CYCLES_OVERHEAD, MACS_SKIPPED, MACS_TOTAL, ZERO_ACTIVATIONS

_LIVE = tuple(bin(bits).count("1") for bits in range(16))  # live faces of each face mask


def tile_faces(k, cb_id: int, i: int, tile: np.ndarray) -> int:
    """Nonzero-face bits of activation tile i of cb_id on compute kernel k, checked once per tile (and charged)."""
    cb = k.cbs[cb_id]
    bits = cb.front_faces(i)
    if bits is None:
        bits, zeros = K.zero_faces(tile)
        cb.set_front_faces(i, bits)
        cost = k.timing.zero_check_cycles
        k.advance("zero_check", cost)
        row = k.skip.row(k.core, k.label)
        row[ACTIVATIONS] += 1024
        row[ZERO_ACTIVATIONS] += zeros
        row[CYCLES_OVERHEAD] += cost
    return bits


def matmul_now(k, cb_a: int, cb_b: int, ia: int, ib: int, idst: int) -> None:
    """One matmul_tiles call on compute kernel k with zero skipping: the activation tile's faces decide what is
    multiplied."""
    a, d = k._tile(cb_a, ia), k._d(idst)
    k._mm_cost(k.cb(cb_b).fmt)
    faces = tile_faces(k, cb_a, ia, a)
    if faces != 0b1111:  # an all-zero tile reads no B tile
        matmul_sparse(k, a, faces, [k._tile(cb_b, ib) if faces else None], idst)
        return
    K.matmul_acc(a, k._tile(cb_b, ib), d)
    k.flops += 65536  # 2 * 32^3
    k.advance("matmul_tiles", k.block_cycles(k.cb(cb_a), k.cb(cb_b)))  # all faces live: as a dense lone product
    k.skip.row(k.core, k.label)[MACS_TOTAL] += 32768


def matmul_sparse(k, a: np.ndarray, faces: int, b, idst: int) -> None:
    """DST[idst + j] += a @ b[j] on compute kernel k for each B tile b[j], a with zero faces (only its live faces
    multiplied), charged and counted at once."""
    ct = len(b)
    live = _LIVE[faces]
    full = k._matmul_cycles
    cycles = -(-full * live // 4)  # the engine works face by face
    dst = [k._d(idst + j) for j in range(ct)]  # written to, even when nothing is added
    if live:
        for j in range(ct):
            K.matmul_acc_faces(a, b[j], dst[j], faces)
        k.flops += 16384 * live * ct
        k.advance("matmul_tiles", cycles * ct, ct)
    row = k.skip.row(k.core, k.label)
    row[MACS_TOTAL] += 32768 * ct
    row[MACS_SKIPPED] += 8192 * (4 - live) * ct
    row[CYCLES_AVOIDED] += (full - cycles) * ct


def matmul_step(k, cb_a: int, cb_b: int, kc: int, ct: int) -> bool:
    """One k step of a decode matmul on compute kernel k with zero skipping: DST[j] += A tile kk @ B tile kk * ct + j
    for kk < kc and j < ct, as the kc calls k.matmul_block(cb_a, cb_b, kk, kk * ct, 0, False, ct, 1, kc) in turn
    (the same bits, spans, cycles and counters: each tile's check and products still charged in turn), with the
    step's face checks and products in one kernel call instead of two a tile. False (nothing done) when a tile
    of the step was checked before: the caller goes call by call."""
    ca, cb = k.cb(cb_a), k.cb(cb_b)
    if any(ca.front_faces(kk) is not None for kk in range(kc)):
        return False
    for j in range(ct):  # range-checked, and written to whatever is skipped
        k._d(j)
    a = ca.front_tiles(kc)
    b = cb.front_tiles(kc * ct)
    found, zeros = np.empty(kc, dtype=np.int64), np.empty(kc, dtype=np.int64)
    K.matmul_faces_step(a, b, k.dst, kc, ct, found, zeros)
    full, dense = k._mm_cost(cb.fmt), k.block_cycles(ca, cb, 1, ct)
    check, row = k.timing.zero_check_cycles, k.skip.row(k.core, k.label)
    for kk, (faces, zero) in enumerate(zip(found.tolist(), zeros.tolist(), strict=True)):
        ca.set_front_faces(kk, faces)
        k.advance("zero_check", check)
        row[ACTIVATIONS] += 1024
        row[ZERO_ACTIVATIONS] += zero
        row[CYCLES_OVERHEAD] += check
        row[MACS_TOTAL] += 32768 * ct
        if faces == 0b1111:  # as a dense block
            k.flops += 65536 * ct
            k.advance("matmul_tiles", dense, ct)
            continue
        live = _LIVE[faces]
        cycles = -(-full * live // 4)  # the engine works face by face
        if live:
            k.flops += 16384 * live * ct
            k.advance("matmul_tiles", cycles * ct, ct)
        row[MACS_SKIPPED] += 8192 * (4 - live) * ct
        row[CYCLES_AVOIDED] += (full - cycles) * ct
    return True
