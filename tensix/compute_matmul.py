"""A compiled matmul's k steps on a compute kernel (tensix/compute_api.py) in one kernel call: the unpacked A and
B windows multiplied into DST from tile 0, with the cycles, spans and counters of one matmul_block call per k step
(or per row and k step)."""

from __future__ import annotations

from tensix import kernels as K


def matmul_steps(k, cb_a: int, cb_b: int, ia: int, ib: int, ct: int, rt: int, kt: int, kc: int, bstride: int,
                 by_rows: bool = False) -> bool:
    """For kk < kc: matmul_block(cb_a, cb_b, ia + kk, ib + kk * bstride, 0, False, ct, rt, kt) on compute kernel k;
    `by_rows`: its rows as rt blocks of one row each (row i from A tile ia + i * kt + kk into DST i * ct), priced
    so (TimingModel.matmul_block).

    Dense, in one kernel call: each DST tile adds its k steps in order, so the bits are those of the calls; the
    clock advances by their cycles at once (their spans merge into the same one). False, with nothing done, under
    zero skipping (which decides per activation tile, charging checks between the products) or for tiles not
    waited for (the calls raise the CB's error): the caller makes the calls."""
    ca, cb = k.cb(cb_a), k.cb(cb_b)
    n = rt * ct
    a_end, b_end = ia + (rt - 1) * kt + kc, ib + (kc - 1) * bstride + ct
    if (k.skip is not None or min(ia, ib, kc - 1, rt - 1, ct - 1) < 0 or n > len(k._fresh) or a_end > ca.received
            or b_end > cb.received):
        return False
    k._d(n - 1)  # queued matmul_tiles run first (as matmul_block's range checks do)
    k._d(0)
    if k.math:
        # A's whole window at once: a decode matmul's row (a_kb) spans many B steps, each asking for its next tiles
        a = ca.front_tiles(ca.received)
        b = cb.front_tiles(b_end)
        K.matmul_steps(a, b, k.dst, ia, ib, 0, ct, rt, kt, kc, bstride)
    fresh = k._fresh
    for d in range(n):
        fresh[d] = False
    k.flops += 65536 * n * kc
    cycles = k.block_cycles(ca, cb, 1, ct) * rt if by_rows else k.block_cycles(ca, cb, rt, ct)
    k.advance("matmul_tiles", cycles * kc, n * kc)
    return True
