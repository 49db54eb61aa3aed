"""The reader/writer kernel API (NCRISC/BRISC): NoC reads, writes, multicast, barriers and semaphores.

Data is copied when a transfer is issued; the transfer's end cycle (from the fabric and DRAM timing)
is what barriers and semaphores wait for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tensix.dram import NEVER
from tensix.errors import DramError, NocError
from tensix.formats import ALL_FACES, face_nbytes, live_faces
from tensix.kernel import GATHERING, KernelProcess
from tensix.waits import wait_span

NocAddr = tuple[int, int, int]  # (NoC x, NoC y, address in that tile's memory)
_BARRIER_SPAN = "wait:noc_async_read_barrier"  # wait_until's span of the read barrier (read_barrier_synced)
_SEM_SPANS: dict[tuple, str] = {}  # a semaphore wait's span name by (address, op, value, core)


@dataclass(frozen=True, slots=True)
class McastAddr:
    """A multicast destination: logical core rectangle (x0, y0)-(x1, y1) inclusive, and an L1 address."""

    x0: int
    y0: int
    x1: int
    y1: int
    addr: int


class _Gather:
    """The reads of a noc_async_read_gather (or noc_async_read_pages, noc_async_read_scatter,
    noc_async_read_pages_into) after the first: an engine event issuing read i at cycle t (its sync cycle), then due
    again one issue later for the next. `buffer`: srcs are pages of this DRAM buffer, each read whole to dst_l1 + i *
    stride (stride: its page size); `bufs`: srcs[i] is a page of DRAM buffer bufs[i], read whole to dsts[i]; neither:
    NoC addresses of nbytes, read to dsts[i] when dsts is given."""

    __slots__ = ("k", "srcs", "dst_l1", "stride", "nbytes", "noc", "t", "i", "buffer", "dsts", "bufs")  # as plain
    # Python; the .pxd types them

    def __init__(self, k, srcs: list, dst_l1: int, stride: int, nbytes: int, noc: int, t: int,
                 buffer: str | None = None, dsts: list | None = None, bufs: list | None = None):
        self.k, self.srcs, self.dst_l1, self.stride, self.nbytes, self.noc = k, srcs, dst_l1, stride, nbytes, noc
        self.t, self.i, self.buffer, self.dsts, self.bufs = t, 1, buffer, dsts, bufs

    def __call__(self) -> None:
        self.issue()

    def issue(self) -> None:
        """Issue the reads due now: read i, and the next ones while nothing else is due before them (compiled: typed,
        unlike __call__, so the kernel's and device's methods are C calls)."""
        k = self.k
        while True:
            i = self.i
            t = self.t + k.read_issue_cycles
            if self.bufs is not None:
                k._read_page(self.bufs[i], self.srcs[i], self.dsts[i], self.noc, t)
            elif self.buffer is None:
                sx, sy, sa = self.srcs[i]  # (compiled: C integers to Device.move, no destination tuple made)
                da = self.dst_l1 + i * self.stride if self.dsts is None else self.dsts[i]
                end = k.device.move(k, True, self.noc, sx, sy, sa, k.noc_xy[0], k.noc_xy[1], da, self.nbytes, t)
                if end > k.reads_done:
                    k.reads_done = end
            else:
                k._read_page(self.buffer, self.srcs[i], self.dst_l1 + i * self.stride, self.noc, t)
            if i + 1 == len(self.srcs):
                k._gathered()
                return
            self.t, self.i = t, i + 1
            # the loop's kernel would sync to t here: on at once if that is now or nothing else is due by then
            if t > k.engine.now and not k.engine.reach(t):
                k.engine.at(t, self)
                return


class DataflowKernel(KernelProcess):
    """Context of a reader or writer kernel (default NoC: reader 1, writer 0, as NCRISC/BRISC)."""

    def __init__(self, device, core, role, fn, args, noc: int | None = None):
        super().__init__(device, core, role, fn, args)
        self.noc = (1 if role == "reader" else 0) if noc is None else noc
        self.noc_xy = device.cfg.noc_xy(core)
        self.reads_done = 0
        cfg, override = device.cfg, self.timing.noc_issue_cycles  # a TimingModel value overrides the device's
        self.issue_cycles = cfg.noc_write_issue_cycles if override is None else override
        self.read_issue_cycles = cfg.noc_read_issue_cycles if override is None else override
        self.sync_after = False  # blocked in read_barrier_synced: resume at the barrier's end (_gathered)
        self.mcast_linked = False  # the last multicast left its path reserved for the next (linked=True)
        self.writes_done = 0
        self.skip = device.zero_skip
        self._mcast_addrs: dict[tuple, McastAddr] = {}

    # --- addresses -------------------------------------------------------------------------------------
    def get_noc_addr(self, x: int, y: int, addr: int) -> NocAddr:
        """NoC address of L1 `addr` on logical core (x, y)."""
        xy = self.device.noc_of.get((x, y))
        if xy is None:
            xy = self.device.cfg.noc_xy((x, y))  # raises the off-grid error
        return xy[0], xy[1], addr

    def dram_page_addr(self, buffer: str, page: int) -> NocAddr:
        """NoC address of page `page` of DRAM buffer `buffer` (interleaved across banks)."""
        dram = self.device.dram
        return dram.page_addr(dram.buffer(buffer), page)

    def dram_page_addrs(self, buffer: str, pages: np.ndarray) -> list[NocAddr]:
        """dram_page_addr of each page of `pages` (an int array), at once (as InterleavedAddrGen computes them)."""
        dram = self.device.dram
        return dram.page_addrs(dram.buffer(buffer), pages)

    def get_noc_multicast_addr(self, x0: int, y0: int, x1: int, y1: int, addr: int) -> McastAddr:
        """Multicast address of L1 `addr` on every core of the logical rectangle (x0, y0)-(x1, y1) (made once per
        rectangle and address: a matmul's senders ask for the same two every k step)."""
        key = (x0, y0, x1, y1, addr)
        hit = self._mcast_addrs.get(key)
        if hit is not None:
            return hit
        cols, rows = self.grid
        if not (0 <= min(x0, x1) and max(x0, x1) < cols and 0 <= min(y0, y1) and max(y0, y1) < rows):
            raise NocError(
                f"{self.role} kernel on core {self.core}: multicast rectangle ({x0}, {y0})-({x1}, {y1}) "
                f"leaves the {cols}x{rows} compute grid"
            )
        hit = self._mcast_addrs[key] = McastAddr(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), addr)
        return hit

    def get_semaphore(self, sem_id: int) -> int:
        """L1 address of semaphore `sem_id` on this core."""
        return self.device.cores[self.core].semaphore_addr(sem_id, self)

    def l1(self, addr: int, nbytes: int) -> np.ndarray:
        """A writable view of this core's L1 (for headers, zero fills, host-visible scratch)."""
        self.sram.check(addr, nbytes, f"{self.role} kernel L1 access")
        return self.sram.data[addr:addr + nbytes]

    # --- transfers -------------------------------------------------------------------------------------
    def _issue(self, cycles: int = -1) -> int:
        """Hand one NoC command to the NIU (default: a write's cost)."""
        self.sync()
        self.advance("noc_issue", self.issue_cycles if cycles < 0 else cycles)
        return self.t

    def noc_async_read(self, src: NocAddr, dst_l1: int, nbytes: int, noc: int | None = None,
                       timed: int | None = None) -> None:
        """Copy nbytes from NoC address src into this core's L1 at dst_l1 (`timed`: bytes that cross the NoC)."""
        t = self._issue(self.read_issue_cycles)
        end = self.device.transfer(self, "read", self._noc(noc), src,
                                   (*self.noc_xy, dst_l1), nbytes, t, timed)
        if end > self.reads_done:
            self.reads_done = end

    def noc_async_read_gather(self, srcs: list[NocAddr], dst_l1: int, stride: int, nbytes: int,
                              noc: int | None = None) -> None:
        """Read nbytes from each NoC address of srcs into L1 at dst_l1, dst_l1 + stride, ... (a gather of weight
        rows). The same reads, at the same cycles and in the same order against other kernels' traffic, as
        noc_async_read in a loop; but after the first, each read is an engine event at its issue cycle instead
        of a switch back into this kernel, which sleeps in its next sync (or barrier) until the last is issued,
        and goes on from there as the loop would."""
        if not srcs:
            return
        noc = self._noc(noc)
        self.noc_async_read(srcs[0], dst_l1, nbytes, noc)
        self._gather_rest(_Gather(self, srcs, dst_l1, stride, nbytes, noc, self.t))

    def noc_async_read_scatter(self, srcs: list[NocAddr], dsts: list[int], nbytes: int,
                               noc: int | None = None) -> None:
        """Read nbytes from each NoC address of srcs into L1 at the address of dsts beside it (an embedding's rows
        into the faces of a tile): noc_async_read in a loop, its reads after the first issued as
        noc_async_read_gather's."""
        if not srcs:
            return
        noc = self._noc(noc)
        self.noc_async_read(srcs[0], dsts[0], nbytes, noc)
        self._gather_rest(_Gather(self, srcs, 0, 0, nbytes, noc, self.t, None, dsts))

    def noc_async_read_pages(self, buffer: str, pages, dst_l1: int, noc: int | None = None) -> None:
        """Read whole pages of a DRAM buffer into L1 at dst_l1, dst_l1 + page size, ...: noc_async_read_page in
        a loop (the same reads, cycles and trace), its reads after the first issued by engine events as
        noc_async_read_gather's."""
        if not len(pages):
            return
        noc = self._noc(noc)
        self.noc_async_read_page(buffer, pages[0], dst_l1, noc)
        size = self.device.dram.buffer(buffer).page_nbytes
        self._gather_rest(_Gather(self, list(pages), dst_l1, size, size, noc, self.t, buffer))

    def noc_async_read_pages_into(self, buffers: list[str], pages: list[int], dsts: list[int],
                                  noc: int | None = None) -> None:
        """Read page pages[i] of DRAM buffer buffers[i] whole into L1 at dsts[i], for each i (an elementwise step's
        operand tiles): noc_async_read_page in a loop (the same reads, cycles and trace), its reads after the first
        issued by engine events as noc_async_read_gather's."""
        if not len(pages):
            return
        noc = self._noc(noc)
        self.noc_async_read_page(buffers[0], pages[0], dsts[0], noc)
        self._gather_rest(_Gather(self, pages, 0, 0, 0, noc, self.t, None, dsts, buffers))

    def _gather_rest(self, gather: _Gather) -> None:
        """Issue the reads of `gather` after its first by engine events, and charge their issue cost now."""
        n = len(gather.srcs) - 1
        if n:
            self.gathers += 1
            # read 1 is due where a loop of reads would sync before issuing it: at this clock (now, with no issue
            # cost: then at once)
            if self.t > self.engine.now:
                self.engine.at(self.t, gather)
            else:
                gather.issue()
            self.advance("noc_issue", self.read_issue_cycles * n, n)

    def _gathered(self) -> None:
        """The last read of a gather is issued."""
        self.gathers -= 1
        if not self.gathers and self.blocked_on == GATHERING:
            if self.sync_after:  # read_barrier_synced: on where it would sync to (its clock is the barrier's end)
                self.sync_after = False
                end = self.reads_done if self.reads_done > self.t else self.t
                if end > self.engine.now:
                    self.engine.resume_at(end, self.glet)
                    return
            self.engine.resume_next(self.glet)  # on at once, as the loop's kernel would go on after its last read

    def noc_async_write(self, src_l1: int, dst: NocAddr, nbytes: int, noc: int | None = None,
                        timed: int | None = None) -> None:
        """Copy nbytes from this core's L1 at src_l1 to NoC address dst (`timed`: bytes that cross the NoC)."""
        t = self._issue()
        end = self.device.transfer(self, "write", self._noc(noc),
                                   (*self.noc_xy, src_l1), dst, nbytes, t, timed)
        if end > self.writes_done:
            self.writes_done = end

    def noc_async_read_page(self, buffer: str, page: int, dst_l1: int, noc: int | None = None) -> None:
        """Read one whole page (tile) of a DRAM buffer into L1; when skipping, only its live faces cross the NoC."""
        self._read_page(buffer, page, dst_l1, noc, -1)

    def _read_page(self, buffer: str, page: int, dst_l1: int, noc, t: int) -> None:
        """noc_async_read_page issued now (t < 0), or at cycle t by a gather's event."""
        dram = self.device.dram
        buf = dram.buffer(buffer)
        bank = dram.interleaved(buf, page) if self.skip is None else None
        if bank is not None:
            # an interleaved page read whole (most are): its address in C integers, no page_addr or NoC address
            # tuple made (compiled) on the way to its transfer; its offset taken before the issue may yield
            offset = dram.offset
            if t < 0:
                t = self._issue(self.read_issue_cycles)
            end = self.device.move(self, True, self._noc(noc), bank.x, bank.y, offset, self.noc_xy[0],
                                   self.noc_xy[1], dst_l1, buf.page_nbytes, t)
        else:
            timed = None
            if self.skip is not None:
                timed = self._live_bytes(buf, int(dram.live_faces[buffer][page]))
            src = dram.page_addr(buf, page)
            if t < 0:
                t = self._issue(self.read_issue_cycles)
            end = self.device.transfer(self, "read", self._noc(noc), src, (*self.noc_xy, dst_l1), buf.page_nbytes,
                                       t, timed)
        if end > self.reads_done:
            self.reads_done = end
        if dram.read_too_early(buffer, page, t):
            raise DramError(
                f"{self.role} kernel on core {self.core} reads page {page} of DRAM buffer '{buffer}' at cycle "
                f"{t}, before {self._landing(buffer, page)}; wait for its writer first (a semaphore the "
                f"writer increments after noc_async_write_barrier)")

    def noc_async_write_page(self, buffer: str, page: int, src_l1: int, noc: int | None = None) -> None:
        """Write one whole page (tile) from L1 into a DRAM buffer; when skipping, zero faces go as a header."""
        dram = self.device.dram
        buf = dram.buffer(buffer)
        bank = dram.interleaved(buf, page) if self.skip is None else None
        if bank is not None:  # an interleaved page written whole: as _read_page's, its address in C integers
            offset = dram.offset
            t = self._issue()
            end = self.device.move(self, False, self._noc(noc), self.noc_xy[0], self.noc_xy[1], src_l1, bank.x,
                                   bank.y, offset, buf.page_nbytes, t)
            if end > self.writes_done:
                self.writes_done = end
            return
        timed = None
        if self.skip is not None and buf.layout != "rows":
            self.sram.check(src_l1, buf.page_nbytes, f"{self.role} kernel noc_async_write_page source")
            faces = live_faces(self.sram.data[src_l1:src_l1 + buf.page_nbytes], buf.fmt)
            dram.live_faces[buffer][page] = faces
            timed = self._live_bytes(buf, faces)
        self.noc_async_write(src_l1, dram.page_addr(buf, page), buf.page_nbytes, noc, timed)
        if buf.homes is not None:  # an L1 tensor's page: no bank marks it, so it lands when this write is acked
            dram.landed[buffer][page] = self.writes_done

    def _landing(self, buffer: str, page: int) -> str:
        landed = int(self.device.dram.landed[buffer][page])
        return "any kernel wrote it" if landed == NEVER else f"the write of it lands (cycle {landed})"

    def dram_page_is_zero(self, buffer: str, page: int) -> bool:
        """Whether a DRAM page is known to be all zero (the zero bit of its header; free to read)."""
        return self.skip is not None and not self.device.dram.live_faces[buffer][page]

    def _live_bytes(self, buf, faces: int) -> int | None:
        """What a page with these live faces costs on the NoC: a header plus the live faces (None: all of it)."""
        if faces == ALL_FACES or buf.layout == "rows":
            return None
        sent = self._sent_bytes(buf, faces)
        self.skip.add(self.core, self.label, noc_bytes_skipped=buf.page_nbytes - sent,
                      dram_bytes_skipped=buf.page_nbytes - sent)
        return sent

    def _sent_bytes(self, buf, faces: int) -> int:
        return self.timing.zero_header_bytes + bin(faces).count("1") * face_nbytes(buf.fmt)

    def pages_noc_nbytes(self, buffer: str, pages) -> int:
        """Bytes these pages of DRAM buffer `buffer` take on the NoC once read into L1 and forwarded: whole
        pages, or when skipping, a header plus the live faces of each page that has zero faces."""
        buf = self.device.dram.buffer(buffer)
        if self.skip is None or buf.layout == "rows":
            return len(pages) * buf.page_nbytes
        live = self.device.dram.live_faces[buffer]
        return sum(buf.page_nbytes if live[p] == ALL_FACES else self._sent_bytes(buf, int(live[p])) for p in pages)

    def noc_async_write_multicast(self, src_l1: int, dst: McastAddr, nbytes: int, num_dests: int | None = None,
                                  noc: int | None = None, loopback: bool = False, timed: int | None = None,
                                  linked: bool = False) -> None:
        """Write nbytes from L1 to the same address on every core of dst's rectangle (not this core unless
        loopback); `timed`: the bytes that cross the NoC when fewer (zero faces sent as a header); `linked`:
        keep the path reserved for the next multicast, which then skips the reservation (as tt-metal's)."""
        t = self._issue()
        end = self.device.multicast(self, self._noc(noc), src_l1, dst, nbytes, t, num_dests, loopback, timed,
                                    linked)
        if end > self.writes_done:
            self.writes_done = end

    def noc_async_read_barrier(self) -> None:
        if self.gathers:  # reads of a gather still to issue: sleep until the last one's event
            self._after_gathers()
        self.wait_until("noc_async_read_barrier", self.reads_done)

    def read_barrier_synced(self) -> None:
        """noc_async_read_barrier, then sync (as a reader's CB push after its barrier does), with one switch where
        that took two: a kernel whose gather is still being issued sleeps until the engine reaches the barrier's
        end, rather than until its last read is issued, to go on there only to wait for the barrier's end (its
        clock) and queue itself at that cycle. The same cycles, events and order: resumed right after its last read
        (resume_next), it would queue itself at that cycle before anything else is queued, as _gathered does for
        it; and where nothing is due by then, it comes off the queue next, as reach would have gone straight on."""
        if self.gathers:
            self.sync_after = True
            self.block(GATHERING, _BARRIER_SPAN)  # its wait ends at the barrier's end: wait_until's span
        self.wait_until("noc_async_read_barrier", self.reads_done)
        self.sync()

    def noc_async_write_barrier(self) -> None:
        self.wait_until("noc_async_write_barrier", self.writes_done)

    def _noc(self, noc: int | None) -> int:
        if noc is None:
            return self.noc
        if noc not in (0, 1):
            raise NocError(f"{self.role} kernel on core {self.core}: NoC {noc} does not exist; use 0 or 1")
        return noc

    # --- semaphores ------------------------------------------------------------------------------------
    def noc_semaphore_set(self, sem_addr: int, value: int) -> None:
        self.sync()
        self.device.cores[self.core].sem_set(sem_addr, value)

    def noc_semaphore_wait(self, sem_addr: int, value: int) -> None:
        """Block until the local semaphore at sem_addr equals value."""
        self._sem_wait(sem_addr, value, lambda v: v == value, "==")

    def noc_semaphore_wait_min(self, sem_addr: int, value: int) -> None:
        """Block until the local semaphore at sem_addr is at least value."""
        self._sem_wait(sem_addr, value, lambda v: v >= value, ">=")

    def _sem_wait(self, sem_addr: int, value: int, ok, op: str) -> None:
        core = self.device.cores[self.core]
        self.sync()
        while not ok(core.sem_get(sem_addr)):
            core.sem_waiters.append((self, sem_addr, ok))
            reason = ("noc_semaphore_wait(0x{:x} {} {}) on core {} (now {})",
                      (sem_addr, op, value, self.core, core.sem_get(sem_addr)))  # formatted only if shown
            key = (sem_addr, op, value, self.core)
            span = _SEM_SPANS.get(key)
            if span is None:
                span = _SEM_SPANS[key] = wait_span(reason)
            self.block(reason, span)

    def noc_semaphore_inc(self, dst: NocAddr, incr: int = 1, noc: int | None = None) -> None:
        """Atomically add incr to the semaphore at NoC address dst when the packet arrives."""
        t = self._issue()
        self.device.sem_update(self, self._noc(noc), dst, t, lambda v: v + incr)

    def noc_semaphore_set_remote(self, src_sem_addr: int, dst: NocAddr, noc: int | None = None) -> None:
        """Copy this core's semaphore value at src_sem_addr to the semaphore at NoC address dst."""
        t = self._issue()
        value = self.device.cores[self.core].sem_get(src_sem_addr)
        self.device.sem_update(self, self._noc(noc), dst, t, lambda _: value)

    def noc_semaphore_set_multicast(self, src_sem_addr: int, dst: McastAddr, num_dests: int | None = None,
                                    noc: int | None = None) -> None:
        """Set the semaphore at dst.addr on every core of the rectangle to this core's value at src_sem_addr."""
        t = self._issue()
        value = self.device.cores[self.core].sem_get(src_sem_addr)
        self.device.sem_multicast(self, self._noc(noc), dst, t, lambda _: value, num_dests)

    def noc_semaphore_inc_multicast(self, dst: McastAddr, incr: int = 1, num_dests: int | None = None,
                                    noc: int | None = None, loopback: bool = False) -> None:
        """Atomically add incr to the semaphore at dst.addr on every core of the rectangle, with one multicast
        packet (this core too only with loopback)."""
        t = self._issue()
        self.device.sem_multicast(self, self._noc(noc), dst, t, lambda v: v + incr, num_dests, loopback)
