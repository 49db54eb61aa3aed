"""The device during one run: cores, DRAM, both NoCs, the engine, and every transfer between them.

Kernels call in here to move bytes; each transfer is validated (routable, aligned, in bounds), copied,
timed on the fabric (and the DRAM bank), and recorded in the trace.
"""

from __future__ import annotations

import greenlet
import numpy as np

from tensix.config import MeshConfig, TileKind
from tensix.core import Core
from tensix.dram import Dram
from tensix.engine import Engine
from tensix.errors import NocError
from tensix.limits import Limits, trace_full
from tensix.memory import MemoryPool
from tensix.noc.fabric import Fabric
from tensix.timing import TimingModel
from tensix.tracelog import TransferLog
from tensix.zeroskip import ZeroSkip, ZeroSkipPolicy

_KINDS = ("write", "read", "sem")  # a transfer's kind by Device._record_on's code


class Endpoint:
    """A NoC tile's memory as transfers see it: its bytes, the size in use, and its Core or DRAM Bank."""

    def __init__(self, memory, size: int, core: Core | None, bank):
        self.view = memoryview(memory)  # a memoryview slice copies faster than a numpy one (compiled: a C copy)
        self.size = size
        self.core, self.bank = core, bank


class _SemLanding:
    """A semaphore packet arriving (an engine event): update(value) of the word at addr on each of cores."""

    __slots__ = ("cores", "addr", "update")  # as plain Python; the .pxd types them

    def __init__(self, cores, addr: int, update):
        self.cores, self.addr, self.update = cores, addr, update

    def __call__(self) -> None:
        for c in self.cores:
            c.sem_apply(self.addr, self.update)


def _lands_on_waited(core: Core, addr: int, nbytes: int) -> bool:
    """Whether a write of [addr, addr + nbytes) into core's L1 touches a semaphore word a kernel there waits on: only
    then can its landing wake one (an engine event per transfer otherwise, that wakes no one)."""
    for waiter in core.sem_waiters:
        word = waiter[1]
        if word < addr + nbytes and addr < word + 4:
            return True
    return False


class Device:
    """Runtime state of one device for one run."""

    def __init__(self, cfg: MeshConfig, timing: TimingModel, zero_skip: ZeroSkip | None = None,
                 pool: MemoryPool | None = None, limits: Limits = Limits(), timing_only: bool = False,
                 trace: bool = True, fabric: Fabric | None = None):
        self.cfg = cfg
        self.timing_only = timing_only  # move no bytes and do no math: the same events, times and trace
        self.timing = timing
        # what kernels consult and account zero skipping through; None when it is off
        self.zero_skip = ZeroSkipPolicy(zero_skip) if zero_skip is not None and zero_skip.enabled else None
        self.engine = Engine(limits.max_cycles)
        # the bound is on the trace's memory: with no trace, max_cycles alone stops a kernel that never ends
        self.max_transfers = limits.max_transfers if trace else 1 << 62
        if fabric is None:
            fabric = Fabric(cfg)
        else:  # a Mesh's, from its last run: idle again, its routes kept
            fabric.reset()
        self.fabric = fabric
        self.dram = Dram(cfg, pool, not timing_only)
        self.cores: dict[tuple[int, int], Core] = {}
        self.by_noc: dict[tuple[int, int], Core] = {}
        self.transfers = TransferLog(trace)  # each names the issuing kernel's op: an index into `ops`
        self.ops: list[tuple[str, str]] = []  # (label, source position) of each source op kernels worked on
        self._op_ids: dict[tuple[str, str], int] = {}
        self.kernels: list = self.engine.processes  # one list: the engine reports blocked ones
        self._mem: list[Endpoint | None] = [None] * (cfg.width * cfg.height)  # by NoC y * width + x, once touched
        self._groups: dict[tuple, tuple] = {}  # multicast targets by rectangle, loopback and sender
        self._w = cfg.width
        self.noc_of = {c: cfg.noc_xy(c) for c in cfg.logical_cores()}  # logical core -> NoC (x, y), looked up often
        self.pool = pool
        self._dsts: list = []  # the compute kernels' DST memories (dst_registers), for the pool at release
        self._align, self._response, self._read_rate = cfg.noc_alignment, cfg.noc_response_cycles, \
            cfg.noc_read_bytes_per_cycle

    def op_index(self, label: str, src: str) -> int:
        """The index in `ops` of source op `label` at `src`, added on first use (once per step, not per transfer)."""
        key = (label, src)
        i = self._op_ids.get(key)
        if i is None:
            i = self._op_ids[key] = len(self.ops)
            self.ops.append(key)
        return i

    def dst_registers(self) -> np.ndarray:
        """A compute kernel's DST registers, `dst_tiles` float32 tiles zeroed: memory from the pool (a finished run's
        DSTs: new memory for a few dozen kernels costs a page fault per 4 KiB each run), given back at release."""
        nbytes = self.cfg.dst_tiles * 32 * 32 * 4
        if self.pool is None:
            return np.zeros((self.cfg.dst_tiles, 32, 32), dtype=np.float32)
        memory = self.pool.take(nbytes)
        memory.fill(0)
        self._dsts.append(memory)
        return memory.view(np.float32).reshape(self.cfg.dst_tiles, 32, 32)

    def release(self) -> None:
        """Drop the finished kernels once the trace and stats are taken: kernels and device refer to each other,
        so otherwise only the cyclic garbage collector would free the device and its memories, late. The L1s
        and DRAM banks go back to the pool, for the next run once this device is gone."""
        self.kernels.clear()
        for c in self.cores.values():  # and a CB refers to the kernel that claimed it (kernel -> device -> core ->
            for cb in c.cbs.values():  # CB -> kernel): without this the device outlived the run and the Mesh's next
                cb.owner = None  # run got fresh memories, not the pooled ones still holding its weights
        self.transfers.seal()
        self.fabric.forget_issuers()
        if self.pool is not None:
            memories = [c.sram.data for c in self.cores.values()]
            self.pool.give(memories + [b.data for b in self.dram.banks if b.data.size] + self._dsts)
        self._dsts = []

    def abort(self) -> None:
        """Free a failed run (deadlock, kernel error, limit): end every kernel greenlet still suspended, then
        release. A suspended greenlet's frames refer to its kernel, and so to the device, in a way the cyclic
        collector cannot see: without this each failed run kept its whole device alive."""
        for k in self.kernels:
            glet = k.glet
            if not glet.dead:  # suspended, or never started (then it is only marked dead: its run method and
                glet.throw(greenlet.GreenletExit)  # kernel refer to each other, a cycle collected late)
        self.engine.clear()
        self.transfers.clear()
        for c in self.cores.values():  # a kernel waiting on a CB or semaphore and the core holding it refer to
            c.cbs.clear()  # each other: break those cycles, so the device goes as soon as the error does
            c.sem_waiters.clear()
        self.release()

    def core(self, core: tuple[int, int]) -> Core:
        """The Core at logical (x, y), created on first use."""
        c = self.cores.get(core)
        if c is None:
            c = self.cores[core] = Core(self.cfg, core, self.pool)
            self.by_noc[c.noc_xy] = c
        return c

    def _record(self, k, key, noc: int, kind: str, src, dst, rect, nbytes: int, start: int, end: int,
                links) -> None:
        """Add a transfer to the trace, which holds at most max_transfers. `key`: what its route, rectangle and
        kind come down to (with k and its op), cheap to hash (see TransferLog)."""
        transfers = self.transfers
        if len(transfers) >= self.max_transfers:
            trace_full(k, transfers)
        transfers.add((k, key, k.op), noc, kind, k, src, dst, rect, nbytes, start, end, links)

    def _record_on(self, k, p, kind: int, noc: int, nbytes: int, start: int, end: int) -> None:
        """_record of a transfer along Path p (kind: 0 write, 1 read, 2 semaphore), its shape found on p when the same
        kernel, op and kind used it last (a route mostly carries one kernel's transfers of one kind for one op at a
        time): no key is built and hashed then. Otherwise the key _record would get, so the same shapes."""
        transfers = self.transfers
        if len(transfers) >= self.max_transfers:
            trace_full(k, transfers)
        op = k.op
        if p.issuer is not k or p.issuer_op != op or p.issuer_kind != kind:
            key = p.key * 2 + kind if kind < 2 else ("sem", p.key)
            p.shape = transfers.shape((k, key, op), noc, _KINDS[kind], k, p.src, p.dst, None, p.links)
            p.issuer, p.issuer_op, p.issuer_kind = k, op, kind
        transfers.row(p.shape, nbytes, start, end)

    # --- endpoints -------------------------------------------------------------------------------------
    def _endpoint(self, k, xy: tuple[int, int], addr: int, nbytes: int, what: str) -> Endpoint:
        """The Endpoint at NoC tile xy, checked for [addr, addr + nbytes) and cached (memories are fixed once
        kernels run). An L1 is open only as far as it is cleared: an access beyond comes back here, through
        the check that clears it."""
        core = self.by_noc.get(xy)
        key = xy[1] * self._w + xy[0]
        if core is not None:
            core.sram.check(addr, nbytes, f"{what} from {k.role} kernel on core {k.core}")
            hit = self._mem[key] = Endpoint(core.sram.data, core.sram.zeroed, core, None)
            return hit
        bank = self.dram.by_xy.get(xy)
        if bank is not None:
            bank.check(addr, nbytes, f"{what} from {k.role} kernel on core {k.core}")
            hit = self._mem[key] = Endpoint(bank.data, bank.size, None, bank)
            return hit
        x, y = xy
        if not (0 <= x < self.cfg.width and 0 <= y < self.cfg.height):
            where = f"is outside the {self.cfg.width}x{self.cfg.height} NoC grid"
        elif self.cfg.kind(xy) is TileKind.TENSIX:
            where = "is a Tensix core this program does not use"
        else:
            where = f"is a {self.cfg.kind(xy).value} tile with no memory this emulator can address"
        raise NocError(f"{what} from {k.role} kernel on core {k.core}: NoC address ({x}, {y}) {where}; "
                       f"use get_noc_addr(x, y, addr) for a core or dram_page_addr(buffer, page) for DRAM")

    def _check_size(self, k, nbytes: int, src, dst, what: str) -> None:
        a = self.cfg.noc_alignment
        if nbytes <= 0:
            raise NocError(f"{what} from {k.role} kernel on core {k.core}: size {nbytes} B must be positive")
        for name, addr in (("source", src[2]), ("destination", dst[2])):
            if addr % a:
                raise NocError(f"{what} from {k.role} kernel on core {k.core}: {name} address 0x{addr:x} is not "
                               f"{a}-byte aligned")

    # --- transfers -------------------------------------------------------------------------------------
    def transfer(self, k, kind: str, noc: int, src, dst, nbytes: int, t: int, timed: int | None = None) -> int:
        """Move nbytes from NoC address src to dst for kernel k (kind read|write); returns the cycle its barrier
        waits for: a read's last byte in L1, a write's acknowledgement back at the writer.

        `timed`: the bytes that really cross the NoC when fewer than nbytes (zero faces sent as a header).
        """
        sx, sy, sa = src
        dx, dy, da = dst
        return self.move(k, kind == "read", noc, sx, sy, sa, dx, dy, da, nbytes, t, -1 if timed is None else timed)

    def move(self, k, read: bool, noc: int, sx: int, sy: int, sa: int, dx: int, dy: int, da: int, nbytes: int,
             t: int, timed: int = -1) -> int:
        """transfer of a read (else a write) from NoC (sx, sy) address sa to (dx, dy) address da, with its addresses
        as plain integers (compiled: C integers, no tuple made or unpacked per page); `timed` < 0: all of nbytes."""
        kind = "read" if read else "write"
        align = self._align
        if nbytes <= 0 or sa % align or da % align:
            self._check_size(k, nbytes, (sx, sy, sa), (dx, dy, da), f"noc_async_{kind}")
        mem, w = self._mem, self._w
        i, j = sy * w + sx, dy * w + dx  # (an index off the list: a tile off the grid, which _endpoint refuses)
        src_m = mem[i] if 0 <= i < len(mem) else None  # bounds-checked below
        dst_m = mem[j] if 0 <= j < len(mem) else None
        if src_m is None or sa < 0 or sa + nbytes > src_m.size:
            src_m = self._endpoint(k, (sx, sy), sa, nbytes, f"noc_async_{kind} source")
        if dst_m is None or da < 0 or da + nbytes > dst_m.size:
            dst_m = self._endpoint(k, (dx, dy), da, nbytes, f"noc_async_{kind} destination")
        if not self.timing_only:
            dst_m.view[da:da + nbytes] = src_m.view[sa:sa + nbytes]
        sbank, dcore, dbank = src_m.bank, dst_m.core, dst_m.bank  # (compiled, dcore stays an object: a typed one
        # would hand the engine its notify as an unbound C function)
        copied = nbytes
        if timed >= 0:
            nbytes = timed
        fabric, dram = self.fabric, self.dram
        there = fabric.path(noc, sx, sy, dx, dy)  # the data's way, and the way back: a read's request, a write's
        back = there.back  # acknowledgement (one-flit packets, holding no link)
        if back is None:
            back = there.back = fabric.path(noc, dx, dy, sx, sy)
        if read:  # the request crosses to the source, which answers after its response time
            start_at = t + back.request
            if sbank is not None:
                bank_done = dram.occupy(sbank, start_at, nbytes, False)
                start_at = dram.began + dram.latency
            else:
                start_at += self._response
            end = fabric.send(there, nbytes, start_at, self._read_rate)
            if sbank is not None:  # a bank slower than the link: the last byte leaves it at bank_done
                last = bank_done + dram.latency + there.request
                if last > end:
                    end = last
            done = end
        else:  # a write completes when its acknowledgement is back: the barrier waits for that
            end = fabric.send(there, nbytes, t)
            if dbank is not None:  # the bank writes as the data arrives
                bank_done = dram.accepted(dram.occupy(dbank, fabric.sent + there.request, nbytes, True), nbytes)
                landed = (end if end > bank_done else bank_done) + dram.write_latency
                dram.mark_written(dbank, da, copied, landed)
                done = landed + back.request
            else:
                done = end + self._response + back.request
        if dcore is not None and dst_m.core.sem_waiters and _lands_on_waited(dcore, da, copied):
            self.engine.at(end, dcore.notify)
        self._record_on(k, there, read, noc, nbytes, t, end)
        return done

    def multicast(self, k, noc: int, src_l1: int, dst, nbytes: int, t: int, num_dests, loopback: bool,
                  timed: int | None = None, linked: bool = False) -> int:
        """Write nbytes from k's L1 to dst.addr on every core of dst's rectangle; returns the cycle the last
        acknowledgement is back. `timed`: the bytes that really cross the NoC when fewer (as in transfer);
        `linked`: the next multicast continues this one's path reservation."""
        targets, dsts, rect = self._mcast_targets(k, dst, num_dests, loopback)
        src = (*k.noc_xy, src_l1)
        self._check_size(k, nbytes, src, (0, 0, dst.addr), "noc_async_write_multicast")
        k.sram.check(src_l1, nbytes, "noc_async_write_multicast source")
        data = k.sram.data[src_l1:src_l1 + nbytes]
        addr = dst.addr
        for c in targets:
            if addr < 0 or addr + nbytes > c.sram.zeroed:  # within what L1 has cleared, the check passes
                c.sram.check(addr, nbytes, f"noc_async_write_multicast from core {k.core}")
            if not self.timing_only:
                c.sram.data[addr:addr + nbytes] = data
        copied = nbytes
        if timed is not None:
            nbytes = timed
        start, end, links = self.fabric.multicast(noc, k.noc_xy, dsts, nbytes, t, k.mcast_linked, linked)
        k.mcast_linked = linked
        for c in targets:
            if c.sem_waiters and _lands_on_waited(c, addr, copied):
                self.engine.at(end, c.notify)
        self._record(k, ("mcast", noc, rect, dsts), noc, "mcast", k.noc_xy, None, rect, nbytes, t, end, links)
        return end + self._response + self.fabric.mcast_return_cycles(noc, k.noc_xy, dsts)

    def _mcast_targets(self, k, dst, num_dests, loopback: bool) -> tuple[list[Core], tuple, tuple]:
        """The cores of dst's rectangle a multicast from k reaches (k's own only with loopback), their NoC (x, y)
        and the rectangle's NoC corners; made once per rectangle, sender and loopback."""
        key = (dst.x0, dst.y0, dst.x1, dst.y1, loopback, k.core)
        group = self._groups.get(key)
        if group is None:
            cores = [(x, y) for y in range(dst.y0, dst.y1 + 1) for x in range(dst.x0, dst.x1 + 1)]
            targets = [self.core(c) for c in cores if loopback or c != k.core]
            rect = (*self.cfg.noc_xy((dst.x0, dst.y0)), *self.cfg.noc_xy((dst.x1, dst.y1)))
            group = self._groups[key] = (targets, tuple(c.noc_xy for c in targets), rect)
        targets = group[0]
        if num_dests is not None and num_dests != len(targets):
            raise NocError(f"noc_async_write_multicast from {k.role} kernel on core {k.core}: num_dests={num_dests} "
                           f"but the rectangle ({dst.x0}, {dst.y0})-({dst.x1}, {dst.y1}) holds {len(targets)} "
                           f"receivers{' (the sender excluded)' if not loopback else ''}")
        return group

    def sem_update(self, k, noc: int, dst, t: int, update) -> None:
        """Apply update(value) to the semaphore at NoC address dst when the packet arrives."""
        core = self.by_noc.get(dst[:2])
        if core is None:
            raise NocError(f"semaphore update from {k.role} kernel on core {k.core}: NoC ({dst[0]}, {dst[1]}) is not "
                           f"a core of this program")
        if dst[2] < 0 or dst[2] + 4 > core.sram.zeroed:  # within what L1 has cleared, the check passes
            core.sram.check(dst[2], 4, f"semaphore update from core {k.core}")
        path = self.fabric.path(noc, k.noc_xy[0], k.noc_xy[1], dst[0], dst[1])
        end = self.fabric.send(path, 4, t)
        self.engine.at(end, _SemLanding((core,), dst[2], update))
        self._record_on(k, path, 2, noc, 4, t, end)

    def sem_multicast(self, k, noc: int, dst, t: int, update, num_dests, loopback: bool = False) -> None:
        """Apply update(value) to the semaphore at dst.addr on every core of dst's rectangle when the packet
        arrives (one multicast packet; the sender is included only with loopback)."""
        targets, dsts, rect = self._mcast_targets(k, dst, num_dests, loopback)
        addr = dst.addr
        for c in targets:
            if addr < 0 or addr + 4 > c.sram.zeroed:  # within what L1 has cleared, the check passes
                c.sram.check(addr, 4, f"semaphore multicast from core {k.core}")
        start, end, links = self.fabric.multicast(noc, k.noc_xy, dsts, 4, t, k.mcast_linked)
        k.mcast_linked = False
        self.engine.at(end, _SemLanding(targets, addr, update))  # the packet reaches every core at `end`
        self._record(k, ("sem", noc, rect, dsts), noc, "sem", k.noc_xy, None, rect, 4, t, end, links)
