"""The Metalium data movement kernel context: tt-metal's dataflow_api.h calls, with NoC addresses as tt-metal
encodes them (physical coordinates) and pages found by address generators.

Built on tensix's DataflowKernel (same transfers, timing and trace); this class only translates addresses.
"""

from __future__ import annotations

from tensix.dataflow_api import DataflowKernel, McastAddr
from tensix.errors import KernelError, NocError
from tensix.metal import addrgen
from tensix.metal.context import L1Ptr, MetalContext
from tensix.metal.enums import BY_FMT
from tensix.metal.experimental import Experimental


class MetalDataflow(MetalContext, DataflowKernel):
    """Context of a kernel on RISCV_0 (BRISC) or RISCV_1 (NCRISC)."""

    # --- addresses -----------------------------------------------------------------------------------------
    def get_noc_addr(self, a, b=None, c=None, noc=None) -> int:
        """get_noc_addr(x, y, addr) with NoC coordinates; get_noc_addr(id, accessor[, offset]); get_noc_addr(addr)
        for this core."""
        if b is None:
            return addrgen.noc_xy_addr(self.my_x[0], self.my_y[0], int(a))
        if hasattr(b, "location"):
            x, y, addr = b.location(int(a), int(c or 0))
            return addrgen.noc_xy_addr(x, y, addr)
        self.check_noc_xy(int(a), int(b), "get_noc_addr")
        return addrgen.noc_xy_addr(int(a), int(b), int(c))

    def get_noc_multicast_addr(self, x_start: int, y_start: int, x_end: int, y_end: int, addr: int,
                               noc=None) -> int:
        for x, y in ((x_start, y_start), (x_end, y_end)):
            self.check_noc_xy(x, y, "get_noc_multicast_addr")
        return addrgen.noc_multicast_addr(x_start, y_start, x_end, y_end, addr)

    def _mcast(self, noc_addr: int) -> McastAddr:
        xs, ys, xe, ye, addr = addrgen.decode_multicast(noc_addr)
        cfg = self.mdev.cfg
        try:
            x0, x1 = cfg.compute_xs.index(xs), cfg.compute_xs.index(xe)
            y0, y1 = cfg.compute_ys.index(ys), cfg.compute_ys.index(ye)
        except ValueError:
            raise NocError(f"{self.where()}: multicast rectangle NoC ({xs}, {ys})-({xe}, {ye}) is not a rectangle of "
                           f"worker cores") from None
        return McastAddr(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), addr)

    def InterleavedAddrGen(self, is_dram: bool = True, bank_base_address: int = 0,
                           page_size: int = 0) -> addrgen.InterleavedAddrGen:
        return addrgen.InterleavedAddrGen(self, is_dram, bank_base_address, page_size)

    def InterleavedPow2AddrGen(self, is_dram: bool = True, bank_base_address: int = 0,
                               log_base_2_of_page_size: int = 0) -> addrgen.InterleavedPow2AddrGen:
        return addrgen.InterleavedPow2AddrGen(self, is_dram, bank_base_address, log_base_2_of_page_size)

    def InterleavedAddrGenFast(self, is_dram: bool = True, bank_base_address: int = 0,
                               page_size: int = 0, data_format=None) -> addrgen.InterleavedAddrGenFast:
        return addrgen.InterleavedAddrGenFast(self, is_dram, bank_base_address, page_size, data_format)

    def TensorAccessorArgs(self, cta_offset: int = 0, crta_offset: int = 0):
        return addrgen.TensorAccessorArgs(cta_offset, crta_offset, ctx=self)

    def TensorAccessor(self, args, address: int, page_size: int | None = None):
        return addrgen.TensorAccessor(self, args, address, page_size)

    @property
    def experimental(self) -> Experimental:
        """tt-metal's experimental:: device objects (Noc, CircularBuffer, AllocatorBank, UnicastEndpoint)."""
        return Experimental(self)

    def Noc(self, noc: int | None = None):
        """`Noc noc;` (the device object API now outside experimental::, as eltwise_fpu_chain uses it)."""
        return self.experimental.Noc(noc)

    def CircularBuffer(self, cb_id: int):
        """`CircularBuffer cb(id);`."""
        return self.experimental.CircularBuffer(cb_id)

    def get_tile_size(self, cb_id: int) -> int:
        return self.cb(int(cb_id)).page_nbytes

    def get_dataformat(self, cb_id: int):
        return BY_FMT[self.cb(int(cb_id)).fmt]

    # --- transfers -----------------------------------------------------------------------------------------
    def noc_async_read(self, src, dst_l1, nbytes, noc=None, timed=None) -> None:
        src, dst_l1, nbytes = addrgen.decode(src), int(dst_l1), int(nbytes)
        if (src[2] | dst_l1) % self._align:
            self._unaligned("read", src, (*self.noc_xy, dst_l1), nbytes, noc)
            return
        DataflowKernel.noc_async_read(self, src, dst_l1, nbytes, noc, timed)

    def noc_async_write(self, src_l1, dst, nbytes, noc=None, timed=None) -> None:
        src_l1, dst, nbytes = int(src_l1), addrgen.decode(dst), int(nbytes)
        if (src_l1 | dst[2]) % self._align:
            self._unaligned("write", (*self.noc_xy, src_l1), dst, nbytes, noc)
            return
        DataflowKernel.noc_async_write(self, src_l1, dst, nbytes, noc, timed)

    @property
    def _align(self) -> int:
        return self.mdev.cfg.noc_alignment

    def _unaligned(self, kind: str, src, dst, nbytes: int, noc) -> None:
        """A transfer off the NoC alignment (tt-metal's row-major sticks of a few bytes): timed as the aligned
        transfer that covers it, the bytes themselves copied exactly (the covering transfer's extra bytes are put
        back)."""
        a = self._align
        lo_s, lo_d = src[2] - src[2] % a, dst[2] - dst[2] % a
        span = -(-(max(src[2] - lo_s, dst[2] - lo_d) + nbytes) // a) * a
        dev = self.device
        data = bytes(dev._endpoint(self, src[:2], src[2], nbytes, f"noc_async_{kind} source")
                     .view[src[2]:src[2] + nbytes])
        target = dev._endpoint(self, dst[:2], lo_d, span, f"noc_async_{kind} destination").view
        keep = bytes(target[lo_d:lo_d + span])
        if kind == "read":
            DataflowKernel.noc_async_read(self, (*src[:2], lo_s), lo_d, span, noc)
        else:
            DataflowKernel.noc_async_write(self, lo_s, (*dst[:2], lo_d), span, noc)
        target[lo_d:lo_d + span] = keep
        target[dst[2]:dst[2] + nbytes] = data

    def noc_async_read_tile(self, tile_id: int, s, dst_l1: int, offset: int = 0, noc=None) -> None:
        """Read page `tile_id` of the buffer behind accessor `s` (its page size) into L1."""
        DataflowKernel.noc_async_read(self, s.location(int(tile_id), offset), int(dst_l1), s.page_size, noc)

    def noc_async_read_page(self, page_id, s, dst_l1=None, offset: int = 0, noc=None) -> None:
        if isinstance(page_id, str):  # tensix's native (buffer name, page, L1 address) form
            DataflowKernel.noc_async_read_page(self, page_id, s, dst_l1, noc)
            return
        self.noc_async_read_tile(page_id, s, dst_l1, offset, noc)

    def noc_async_write_tile(self, tile_id: int, s, src_l1: int, noc=None) -> None:
        DataflowKernel.noc_async_write(self, int(src_l1), s.location(int(tile_id)), s.page_size, noc)

    def noc_async_write_page(self, page_id, s, src_l1=None, write_size: int | None = None, offset: int = 0,
                             noc=None) -> None:
        if isinstance(page_id, str):
            DataflowKernel.noc_async_write_page(self, page_id, s, src_l1, noc)
            return
        DataflowKernel.noc_async_write(self, int(src_l1), s.location(int(page_id), offset),
                                       s.page_size if write_size is None else int(write_size), noc)

    def noc_async_write_multicast(self, src_l1, dst, nbytes, num_dests=None, linked: bool = False,
                                  multicast_path_reserve: bool = True, noc=None, loopback: bool = False,
                                  timed=None) -> None:
        if not isinstance(dst, McastAddr):
            dst = self._mcast(dst)
        DataflowKernel.noc_async_write_multicast(self, int(src_l1), dst, int(nbytes), num_dests, noc, loopback, timed)

    def noc_async_write_multicast_loopback_src(self, src_l1, dst, nbytes, num_dests=None, linked: bool = False,
                                               multicast_path_reserve: bool = True, noc=None) -> None:
        self.noc_async_write_multicast(src_l1, dst, nbytes, num_dests, noc=noc, loopback=True)

    def noc_async_writes_flushed(self) -> None:
        """Writes have left this core's L1 (modelled as the write barrier: the emulator copies at issue)."""
        self.noc_async_write_barrier()

    def noc_async_atomic_barrier(self) -> None:
        """Atomic increments are applied where they land; nothing of this kernel's is outstanding locally."""
        self.sync()

    def noc_async_full_barrier(self) -> None:
        self.noc_async_read_barrier()
        self.noc_async_write_barrier()

    # --- semaphores ----------------------------------------------------------------------------------------
    def noc_semaphore_wait(self, sem_addr, value: int) -> None:
        DataflowKernel.noc_semaphore_wait(self, int(sem_addr), int(value))

    def noc_semaphore_wait_min(self, sem_addr, value: int) -> None:
        DataflowKernel.noc_semaphore_wait_min(self, int(sem_addr), int(value))

    def noc_semaphore_set(self, sem_addr, value: int) -> None:
        DataflowKernel.noc_semaphore_set(self, int(sem_addr), int(value))

    def noc_semaphore_inc(self, dst, incr: int = 1, noc=None) -> None:
        DataflowKernel.noc_semaphore_inc(self, addrgen.decode(dst), int(incr), noc)

    def noc_semaphore_set_remote(self, src_sem_addr, dst, noc=None) -> None:
        DataflowKernel.noc_semaphore_set_remote(self, int(src_sem_addr), addrgen.decode(dst), noc)

    def noc_semaphore_set_multicast(self, src_sem_addr, dst, num_dests=None, linked: bool = False,
                                    noc=None) -> None:
        if not isinstance(dst, McastAddr):
            dst = self._mcast(dst)
        DataflowKernel.noc_semaphore_set_multicast(self, int(src_sem_addr), dst, num_dests, noc)

    def noc_semaphore_set_multicast_loopback_src(self, src_sem_addr, dst, num_dests=None, linked: bool = False,
                                                 noc=None) -> None:
        if not isinstance(dst, McastAddr):
            dst = self._mcast(dst)
        value = self.device.cores[self.core].sem_get(int(src_sem_addr))
        t = self._issue()
        self.device.sem_multicast(self, self._noc(noc), dst, t, lambda _: value, num_dests, True)


__all__ = ["L1Ptr", "MetalDataflow", "KernelError"]
