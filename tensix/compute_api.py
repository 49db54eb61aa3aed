"""The compute kernel API (TRISC unpack/math/pack): tiles from CBs into DST registers, math, pack to a CB. DST holds
`dst_tiles` float32 tiles per acquire. Every op charges its TimingModel cost to the kernel's clock (packs into the
kernel's own CBs: to its packer thread, tensix/packer.py)."""

from __future__ import annotations

import numpy as np

from tensix import kernels as K
from tensix.compute_skip import matmul_now, matmul_sparse, tile_faces
from tensix.errors import KernelError
from tensix.kernel import KernelProcess
from tensix.kernels import ops
from tensix.packer import Packer
from tensix.tile_ops import binary_code, priced
from tensix.timing import checked_fidelity

UNPACK = {"fp32": K.unpack_fp32, "bf16": K.unpack_bf16, "bfp8_b": K.unpack_bfp8, "bfp4_b": K.unpack_bfp4}
PACK = {"fp32": K.pack_fp32, "bf16": K.pack_bf16, "bfp8_b": K.pack_bfp8, "bfp4_b": K.pack_bfp4}
_DIMS = ops.DIM


class ComputeKernel(KernelProcess):
    """Context of a compute kernel: DST registers and the tile math of one core."""

    def __init__(self, device, core, role, fn, args, fidelity: str | None = None):
        super().__init__(device, core, role, fn, args)
        self.fidelity = checked_fidelity(fidelity or device.timing.default_fidelity, f"compute kernel on core {core}")
        self.math = not device.timing_only  # False: charge every op its cycles but compute nothing
        self.fidelities: set[str] = set()  # those set_fidelity chose (a compiled schedule's steps), for the stats
        self.dst = device.dst_registers()  # zeroed (tensix.device: a finished run's memory, faulted in already)
        self._dst_tiles = list(self.dst)  # one view per DST tile, made once (indexing numpy per op costs more)
        self._fresh = [True] * device.cfg.dst_tiles
        self._pack_pos: dict[int, int] = {}
        self.l1_acc = False  # pack_reconfig_l1_acc: packing adds DST into the page instead of overwriting it
        self.packer = Packer(device.transfers.keep)  # the packer thread (TRISC2): packs into this kernel's CBs
        self._tmp = np.empty((32, 32), dtype=np.float32)
        self._mm, self._mm_a, self._mm_b = [], None, None  # matmul_tiles queued: (ia, ib, idst) over windows (_flush)
        self._matmul_cycles = self.timing.matmul(self.fidelity)  # per tile, for the B format of the last matmul
        self._mm_costs, self._mm_blocks, self._last_block = {}, {}, (None,) * 7  # _mm_cost's, block_cycles' prices
        self._costs: dict[tuple, tuple[str, int]] = {}  # _spend's prices: key -> (span name, cycles per tile)
        self.skip = device.zero_skip
        self.threshold = self.skip.threshold if self.skip is not None else 0.0
        self.flops = self.fastest_matmul = 0  # fastest_matmul: cycles of the fastest tile product charged (0: none)

    def set_fidelity(self, fidelity: str) -> None:
        """Compute the following ops at `fidelity` (LoFi..HiFi4): a compiled schedule's steps each carry theirs."""
        self.fidelities.add(fidelity)
        if fidelity != self.fidelity:
            self.fidelity = checked_fidelity(fidelity, f"compute kernel on core {self.core}")
            self._mm_costs.clear()
            self._matmul_cycles = self.timing.matmul(fidelity)

    # --- DST register protocol ---------------------------------------------------------------------------
    def tile_regs_acquire(self) -> None:
        """Take a DST half, zeroed: only the tiles written since the last acquire (each write marks its). The math
        thread waits for the packer to be done with the half it takes (the one it released before the last)."""
        self.wait_until("dst_half", self.packer.halves[0])
        self._mm.clear()  # queued products would land in registers zeroed now
        fresh, tiles = self._fresh, self._dst_tiles
        for i in range(len(fresh) if self.math else 0):  # (timing only: no values to zero; by index: a C loop)
            if not fresh[i]:
                tiles[i].fill(0.0)  # (a slice assignment builds a slice and broadcasts: ~3x the cost)
                fresh[i] = True

    def tile_regs_commit(self) -> None:
        """Math done (kept for tt-metal parity: the release hands the half to the packer here)."""

    def tile_regs_wait(self) -> None:
        """Pack may start (kept for tt-metal parity)."""

    def tile_regs_release(self) -> None:
        """Hand the DST half to the packer: free again once what is packed so far is done."""
        self.packer.release()

    def _d(self, idst: int) -> np.ndarray:
        if self._mm:
            self._flush()
        tiles = self._dst_tiles
        if not 0 <= idst < len(tiles):
            raise KernelError(f"compute kernel on core {self.core}: DST index {idst} outside 0..{len(tiles) - 1}")
        self._fresh[idst] = False
        return tiles[idst]

    def _tile(self, cb_id: int, i: int) -> np.ndarray:
        cb = self.cbs.get(cb_id) or self.cb(cb_id)
        tile = cb.cached_front_tile(i)
        if tile is not None:
            return tile
        unpack = UNPACK.get(cb.fmt)
        if unpack is None:  # the user's program, not the emulator: a typed error, not an internal one
            raise KernelError(f"{self.role} kernel on core {self.core}: a tile op reads a CB of format {cb.fmt} "
                              f"(CB {cb_id}); tile math reads fp32, bf16, bfp8_b and bfp4_b tiles (integer CBs are "
                              f"for data movement)")
        return cb.front_tile(i, unpack)

    # --- FPU ops ---------------------------------------------------------------------------------------
    def matmul_tiles(self, cb_a: int, cb_b: int, ia: int, ib: int, idst: int) -> None:
        """DST[idst] += tile ia of cb_a @ tile ib of cb_b (zero faces of the activation tile skipped, if on).

        Dense calls are charged at once but queued, and run in one kernel call (`_flush`) before anything else
        touches DST or the tiles they read change: the same bits in the same order per DST tile, without a
        kernel call per tile."""
        if self.skip is not None:
            matmul_now(self, cb_a, cb_b, ia, ib, idst)
            return
        if not 0 <= idst < len(self._fresh):
            self._d(idst)  # raises the range error
        ca, cb = self.cbs.get(cb_a) or self.cb(cb_a), self.cbs.get(cb_b) or self.cb(cb_b)
        if not 0 <= ia < ca.received:
            ca.front_page(ia)  # raises the CB's range error
        if not 0 <= ib < cb.received:
            cb.front_page(ib)
        if self.math:
            a = ca.front_tiles(ca.received)  # the whole window, once
            b = cb.front_tiles(cb.received)
            if a is not self._mm_a or b is not self._mm_b:  # a new window: run what was queued over the old one
                if self._mm:
                    self._flush()
                self._mm_a, self._mm_b = a, b
            self._mm += (ia, ib, idst)
        self._fresh[idst] = False
        self.flops += 65536  # 2 * 32^3
        self.advance("matmul_tiles", self.block_cycles(ca, cb))

    def _flush(self) -> None:
        """Run the queued matmul_tiles calls, in call order."""
        K.matmul_pairs(self._mm_a, self._mm_b, self.dst, np.array(self._mm, dtype=np.int64).reshape(-1, 3))
        self._mm.clear()

    def matmul_block(self, cb_a: int, cb_b: int, ia: int, ib: int, idst: int, transpose: bool = False,
                     ct: int = 1, rt: int = 1, kt: int = 1) -> None:
        """tt-metal's matmul_block, one k step of an rt x ct output block: DST[idst + i*ct + j] += tile
        ia + i*kt of cb_a @ tile ib + j of cb_b. The same bits and counters as rt * ct matmul_tiles calls, in one
        kernel call, unpacking the tiles it keeps once (TimingModel.matmul_block); with zero skipping, a block with
        a zero face in an activation tile goes tile by tile."""
        if transpose:
            raise KernelError(f"compute kernel on core {self.core}: matmul_block(transpose=True) is not "
                              f"supported; transpose the tile with transpose_tile first")
        n = rt * ct
        self._d(idst + n - 1)  # range checks: the last and the first DST tile of the block
        self._d(idst)
        ca, cb = self.cbs.get(cb_a) or self.cb(cb_a), self.cbs.get(cb_b) or self.cb(cb_b)
        # unpack ahead for the rest of the k step (A row-major, row stride kt; B k-row after k-row): pages waited for
        if self.math and self._matmul_block_math(ca, cb, ia, ib, idst, ct, rt, kt, [ia + i * kt for i in range(rt)]):
            return  # done by zero skipping
        fresh = self._fresh
        for d in range(idst, idst + n):
            fresh[d] = False
        self.flops += 65536 * n
        self.advance("matmul_tiles", self.block_cycles(ca, cb, rt, ct), n)
        if self.skip is not None:
            self.skip.add(self.core, self.label, macs_total=32768 * n)

    def _matmul_block_math(self, ca, cb, ia: int, ib: int, idst: int, ct: int, rt: int, kt: int, rows) -> bool:
        """matmul_block's products into DST; True when zero skipping took the block (and charged it)."""
        ahead = kt - ia % kt
        a = ca.front_tiles(max(rows[-1] + 1, min(ca.received, rows[-1] + ahead)))
        b_window = max(ib + ct, min(cb.received, ib + ct * ahead))
        if self.skip is not None and rt == 1:
            self._mm_cost(cb.fmt)
            faces = tile_faces(self, ca.cb_id, ia, a[ia])
            if faces != 0b1111:
                b = cb.front_tiles(b_window)
                matmul_sparse(self, a[ia], faces, b[ib:ib + ct], idst)
                return True
        elif self.skip is not None and any(tile_faces(self, ca.cb_id, r, a[r]) != 0b1111 for r in rows):
            for i in range(rt):
                for j in range(ct):
                    matmul_now(self, ca.cb_id, cb.cb_id, rows[i], ib + j, idst + i * ct + j)
            return True
        b = cb.front_tiles(b_window)
        K.matmul_block(a, b, self.dst, ia, ib, idst, ct, rt, kt)
        return False

    def block_cycles(self, ca, cb, rt: int = 1, ct: int = 1) -> int:
        """TimingModel.matmul_block of one k tile of an rt x ct block from CBs ca, cb, priced once per kernel."""
        key, last = (self.fidelity, ca.fmt, cb.fmt, rt, ct), self._last_block  # last: key, cycles, tile cost
        if last[:5] != key:  # every k step asks for the last price again: then no hashing, no _mm_cost
            cycles = self._mm_blocks.get(key) or self._mm_blocks.setdefault(key, self.timing.matmul_block(*key))
            last = self._last_block = (*key, cycles, self._mm_cost(cb.fmt))  # kept: zero-face tiles' cost, the peak
        self._matmul_cycles = last[6]  # as _mm_cost(cb.fmt) leaves it
        return last[5]

    def _mm_cost(self, fmt: str) -> int:
        """Cycles of one tile product with B tiles in `fmt` (TimingModel.matmul), kept as _matmul_cycles."""
        cost = self._mm_costs.get(fmt)
        if cost is None:  # a new fidelity and format: the stats' peak is the fastest charged
            cost = self._mm_costs[fmt] = self.timing.matmul(self.fidelity, fmt)
            self.fastest_matmul = min(self.fastest_matmul or cost, cost)
        self._matmul_cycles = cost
        return cost

    def _spend(self, key: tuple, n: int = 1) -> None:
        """Spend n tile ops priced by key (tensix/tile_ops.py, once per kernel) on the clock."""
        cost = self._costs.get(key) or priced(self._costs, self.timing, key)
        self.advance(cost[0], cost[1] * n, n)

    def _binary(self, name: str, code: int, cb_a: int, cb_b: int, ia: int, ib: int, idst: int) -> None:
        if self.math:
            K.eltwise_binary(code, self._tile(cb_a, ia), self._tile(cb_b, ib), self._d(idst))
        self._spend(("binary", name, self.fidelity, self.cbs[cb_a].fmt))

    def add_tiles(self, cb_a: int, cb_b: int, ia: int, ib: int, idst: int) -> None:
        self._binary("add", ops.ADD, cb_a, cb_b, ia, ib, idst)

    def sub_tiles(self, cb_a: int, cb_b: int, ia: int, ib: int, idst: int) -> None:
        self._binary("sub", ops.SUB, cb_a, cb_b, ia, ib, idst)

    def mul_tiles(self, cb_a: int, cb_b: int, ia: int, ib: int, idst: int) -> None:
        self._binary("mul", ops.MUL, cb_a, cb_b, ia, ib, idst)

    def binary_block(self, op: str, cb_a: int, cb_b: int, ia: int, ib: int, idst: int, n: int) -> None:
        """DST[idst + k] = tile ia + k of cb_a (op) tile ib + k of cb_b for k < n, op add, sub or mul: the same
        bits, cycles and counters as n add/sub/mul_tiles calls, in one kernel call over the unpacked fronts."""
        code = binary_code(op, self.core)
        if self.math:
            a, b, d = self._front(cb_a, ia, n), self._front(cb_b, ib, n), self._block(idst, n)
            K.eltwise_binary(code, a.reshape(-1, 32), b.reshape(-1, 32), d.reshape(-1, 32))  # n tiles as one array
        self._spend(("binary", op, self.fidelity, self.cbs[cb_a].fmt), n)

    def _front(self, cb_id: int, i: int, n: int) -> np.ndarray:
        """Tiles i..i+n of cb_id's front, unpacked (once per page while it stays in the CB)."""
        cb = self.cbs.get(cb_id) or self.cb(cb_id)
        if i < 0:
            cb.front_page(i)  # raises the CB's range error
        return cb.front_tiles(i + n)[i:i + n]

    def _block(self, idst: int, n: int) -> np.ndarray:
        """DST[idst .. idst + n) to be written (range-checked, queued matmuls run first)."""
        self._d(idst + n - 1)
        self._d(idst)
        fresh = self._fresh
        for i in range(idst, idst + n):
            fresh[i] = False
        return self.dst[idst:idst + n]

    def _dim(self, dim: str) -> int:
        """The kernels' code of a broadcast dim: 'row' repeats b's row 0, 'col' its column 0, 'scalar' b[0, 0]."""
        code = _DIMS.get(dim)
        if code is None:
            raise KernelError(f"compute kernel on core {self.core}: broadcast dim '{dim}' is not row, col or scalar")
        return code

    def bcast_tiles(self, op: str, dim: str, cb_a: int, cb_b: int, ia: int, ib: int, idst: int) -> None:
        """DST[idst] = a op broadcast(b): dim 'row' repeats b's row 0, 'col' b's column 0, 'scalar' b[0, 0]."""
        code, d = binary_code(op, self.core), self._dim(dim)
        if self.math:
            K.eltwise_bcast(code, d, self._tile(cb_a, ia), self._tile(cb_b, ib), self._d(idst))
        self._spend(("bcast", op, self.fidelity, self.cbs[cb_a].fmt, dim, 2))

    def bcast_dst_tiles(self, op: str, dim: str, idst: int, cb_b: int, ib: int) -> None:
        """DST[idst] = DST[idst] op broadcast(tile ib of cb_b) (dims as in bcast_tiles): a fused epilogue."""
        code, d = binary_code(op, self.core), self._dim(dim)
        if self.math:
            b = self._tile(cb_b, ib)
            tile = self._d(idst)
            K.eltwise_bcast(code, d, tile, b, tile)
        self._spend(("bcast", op, self.fidelity, self.cbs[cb_b].fmt, dim, 1))

    def copy_tile(self, cb: int, i: int, idst: int) -> None:
        """DST[idst] = tile i of cb."""
        if self.math:
            self._d(idst)[:] = self._tile(cb, i)
        self._spend(("copy", "", "", self.cbs[cb].fmt))

    def copy_block(self, cb: int, i: int, idst: int, n: int) -> None:
        """DST[idst + k] = tile i + k of cb for k < n: n copy_tile calls (bits, cycles, trace) in one."""
        c = self.cbs.get(cb) or self.cb(cb)
        c.front_page(i if i < 0 else i + n - 1)  # the CB's range checks
        if self.math:
            self._block(idst, n)[:] = self._front(cb, i, n)
        self.advance("copy_tile", max(self.timing.eltwise_cycles, self.timing.unpack(c.fmt)) * n, n)

    def transpose_tile(self, cb: int, i: int, idst: int) -> None:
        if self.math:
            K.transpose(self._tile(cb, i), self._d(idst))
        self.advance("transpose_tile", max(self.timing.transpose_cycles, self.timing.unpack(self.cbs[cb].fmt)))

    def reduce_tile(self, op: str, dim: str, cb: int, i: int, idst: int, scale: float = 1.0) -> None:
        """Reduce tile i of cb ('sum'|'max' over 'row'|'col'|'scalar') into DST[idst], accumulating across calls.

        Results sit in column 0 (row), row 0 (col) or [0, 0] (scalar); 'sum' results are multiplied by scale."""
        code = ops.REDUCE.get(op)
        if code is None or dim not in _DIMS:
            raise KernelError(f"compute kernel on core {self.core}: reduce '{op}' over '{dim}' is not supported")
        if self.math:
            self._reduce(code, dim, cb, i, idst, scale)
        self._spend(("reduce", op, "", self.cbs[cb].fmt, dim))

    def _reduce(self, code: int, dim: str, cb: int, i: int, idst: int, scale: float) -> None:
        fresh = self._fresh[idst]
        d = self._d(idst)
        if code == ops.SUM:  # the reduced tile times scale (rounded to float32), added: one kernel call
            K.reduce_sum_acc(_DIMS[dim], self._tile(cb, i), np.float32(scale), d)
            return
        K.reduce(code, _DIMS[dim], self._tile(cb, i), self._tmp)
        if fresh:
            d[:] = self._tmp
        else:
            np.maximum(d, self._tmp, out=d)

    # --- SFPU ops on DST -------------------------------------------------------------------------------
    def unary_tile(self, op: str, idst: int) -> None:
        """DST[idst] = op(DST[idst]) for op in relu, gelu, silu, exp, recip, sqrt, rsqrt, neg, square, tanh, sigmoid."""
        code = ops.UNARY.get(op)
        if code is None:
            raise KernelError(f"compute kernel on core {self.core}: unknown unary op '{op}'; "
                              f"known: {', '.join(ops.UNARY)}")
        if self.math:
            d = self._d(idst)
            K.unary(code, d, d)
        self._spend(("sfpu", op))

    def unary_block(self, op: str, idst: int, n: int) -> None:
        """DST[idst + k] = op(DST[idst + k]) for k < n: n unary_tile calls in one kernel call."""
        code = ops.UNARY.get(op)
        if code is None:
            self.unary_tile(op, idst)  # raises the unknown-op error
        if self.math:
            d = self._block(idst, n).reshape(-1, 32)
            K.unary(code, d, d)
        self.advance(f"{op}_tile", self.timing.sfpu(op) * n, n)

    def exp_tile(self, idst: int) -> None:
        self.unary_tile("exp", idst)

    def relu_tile(self, idst: int) -> None:
        self.unary_tile("relu", idst)

    def gelu_tile(self, idst: int) -> None:
        self.unary_tile("gelu", idst)

    def silu_tile(self, idst: int) -> None:
        self.unary_tile("silu", idst)

    def recip_tile(self, idst: int) -> None:
        self.unary_tile("recip", idst)

    def sqrt_tile(self, idst: int) -> None:
        self.unary_tile("sqrt", idst)

    def rsqrt_tile(self, idst: int) -> None:
        self.unary_tile("rsqrt", idst)

    def scale_tile(self, idst: int, factor: float) -> None:
        """DST[idst] *= factor."""
        if self.math:
            self._d(idst)[:] *= np.float32(factor)
        self.advance("scale_tile", self.timing.sfpu("scale"))

    def add_scalar_tile(self, idst: int, value: float) -> None:
        """DST[idst] += value."""
        if self.math:
            self._d(idst)[:] += np.float32(value)
        self.advance("add_scalar_tile", self.timing.sfpu("scale"))

    def topk_tile(self, idst: int, k: int, width: int) -> None:
        """Per row of DST[idst]: softmax over the k largest of the first `width` values, 0 elsewhere (MoE gate)."""
        if self.math:
            d = self._d(idst)
            K.topk_softmax(d.copy(), k, width, d)
        self.advance("topk_tile", self.timing.sfpu("exp") + self.timing.sfpu("recip"))

    def binary_dst_tiles(self, op: str, ia: int, ib: int, iout: int) -> None:
        """DST[iout] = DST[ia] op DST[ib] on the SFPU."""
        code = binary_code(op, self.core)
        if self.math:
            if self._mm:
                self._flush()
            K.eltwise_binary(code, self.dst[ia].copy(), self.dst[ib], self._d(iout))
        self.advance(f"{op}_dst", self.timing.sfpu("square"))

    # --- pack ------------------------------------------------------------------------------------------
    def pack_reconfig_l1_acc(self, enable: bool) -> None:
        """tt-metal's pack_reconfig_l1_acc: while on, packing adds DST to the page (L1 += DST; fp32, bf16 only)."""
        self.l1_acc = bool(enable)

    def pack_tile(self, idst: int, cb_id: int, index: int | None = None) -> None:
        """Write DST[idst] into the reserved back of cb_id (next page, or page `index` of the reservation)."""
        cb = self.cb(cb_id)
        pos = self._pack_pos.get(cb_id, 0) if index is None else index
        if self._mm:
            self._flush()
        if self.threshold:
            tile = self.dst[idst]
            tile[np.abs(tile) < self.threshold] = 0.0  # threshold mode: small values count as zeros
            self.advance("zero_flush", self.timing.zero_check_cycles)
        if self.l1_acc:
            self._accumulate(cb, pos, idst, 1)
        elif self.math:
            PACK[cb.fmt](self._dst_tiles[idst], cb.back_page(pos))
        self._pack_pos[cb_id] = pos + 1
        self._charge_pack(cb, pos, self.packer.cost(self.timing, cb.fmt, self.l1_acc), 1)

    def _charge_pack(self, cb, pos: int, cycles: int, n: int) -> None:
        """Packs into this kernel's own CB (claimed) run on the packer thread beside the math; into a shared CB on
        this clock once the packer is done (in order), so the consumer sees the pages when they are pushed."""
        if cb.owner is self:
            self.packer.pack(cb, cb.wr_slot + pos, self.t, cycles, n, self.op)
        else:
            self.wait_until("packer", self.packer.t)
            self.advance("pack_tile", cycles, n)

    def _accumulate(self, cb, pos: int, idst: int, n: int) -> None:
        """Add DST[idst .. idst + n) to the n reserved pages of cb from pos (the packer's L1 accumulation)."""
        if cb.fmt not in ("fp32", "bf16"):
            raise KernelError(f"compute kernel on core {self.core}: packing with L1 accumulation into CB {cb.cb_id} "
                              f"of format {cb.fmt}; the packers accumulate fp32 and bf16 only")
        cb.check_back(pos + n - 1)
        if self.math:
            start = cb.address + ((cb.wr_slot + pos) % cb.num_pages) * cb.page_nbytes
            pages = cb.memory[start:start + n * cb.page_nbytes].reshape(n, cb.page_nbytes)
            K.pack_acc_pages(self.dst[idst:idst + n], ops.FORMAT[cb.fmt], pages)

    def pack_block(self, idst: int, cb_id: int, n: int, index: int | None = None) -> None:
        """pack_tile of DST[idst + k] for k < n into the next n reserved pages of cb_id (or pages index..): the
        same bytes, cycles and counters in one kernel call (threshold mode packs tile by tile)."""
        if self.threshold:
            for k in range(n):
                self.pack_tile(idst + k, cb_id, None if index is None else index + k)
            return
        cb = self.cb(cb_id)
        pos = self._pack_pos.get(cb_id, 0) if index is None else index
        if self._mm:
            self._flush()
        if not 0 <= idst <= idst + n <= len(self._fresh) or n < 1:
            raise KernelError(f"compute kernel on core {self.core}: pack_block of DST {idst}..{idst + n - 1} "
                              f"outside 0..{len(self._fresh) - 1}")
        cb.check_back(pos)  # range checks; reserved pages never wrap, so the n pages are contiguous
        cb.check_back(pos + n - 1)
        if self.l1_acc:
            self._accumulate(cb, pos, idst, n)
        elif self.math:
            start = cb.address + ((cb.wr_slot + pos) % cb.num_pages) * cb.page_nbytes
            pages = cb.memory[start:start + n * cb.page_nbytes].reshape(n, cb.page_nbytes)
            K.pack_pages(self.dst[idst:idst + n], ops.FORMAT[cb.fmt], pages)
        self._pack_pos[cb_id] = pos + n
        self._charge_pack(cb, pos, self.packer.cost(self.timing, cb.fmt, self.l1_acc) * n, n)

    def cb_push_back(self, cb_id: int, num_pages: int) -> None:
        KernelProcess.cb_push_back(self, cb_id, num_pages)  # not super(): compiled, a cpdef method has no __class__
        self._pack_pos[cb_id] = 0

    def cb_wait_front(self, cb_id: int, num_pages: int) -> None:
        """As the data-movement kernels'; pages of this kernel's own CB are there once the packer has packed them."""
        if self.packer.t > self.t and self.cb(cb_id).owner is self:
            self.wait_until("packer", self.packer.ready(self.cb(cb_id), num_pages))
        KernelProcess.cb_wait_front(self, cb_id, num_pages)
