"""What every Metalium kernel context has, whatever its processor: compile-time and runtime args, defines,
DPRINT to the core's log, L1 word pointers, and errors that name the kernel."""

from __future__ import annotations

import os
import warnings

import numpy as np

from tensix.errors import KernelError, NocError, TensixError
from tensix.kernel import KernelProcess
from tensix.metal import addrgen, named_args, tile_slice


class MetalArgWarning(UserWarning):
    """A kernel read a runtime arg the host did not set."""


class L1Ptr:
    """`volatile tt_l1_ptr T* p = reinterpret_cast<volatile tt_l1_ptr T*>(addr)`: p[i] reads and writes L1 values
    of type T (default uint32; writes of 32-bit words wake semaphore waiters); int(p) is the address."""

    __slots__ = ("ctx", "addr", "dtype")

    def __init__(self, ctx, addr: int, dtype=np.uint32):
        self.ctx, self.addr, self.dtype = ctx, int(addr), np.dtype(dtype)

    def __int__(self) -> int:
        return self.addr

    __index__ = __int__

    def __getitem__(self, i: int):
        self.ctx.sync()
        if self.dtype == np.uint32:
            return self.ctx.device.cores[self.ctx.core].sem_get(self.addr + 4 * i)
        return self.ctx.l1_words(self.addr + i * self.dtype.itemsize, 1, self.dtype)[0].item()

    def __setitem__(self, i: int, value) -> None:
        self.ctx.sync()
        if self.dtype == np.uint32:
            self.ctx.device.cores[self.ctx.core].sem_set(self.addr + 4 * i, int(value))
        else:
            self.ctx.l1_words(self.addr + i * self.dtype.itemsize, 1, self.dtype)[0] = value


class MetalContext:
    """Mixin for MetalDataflow and MetalCompute (set up by `metal_setup`)."""

    def metal_setup(self, kernel, mdev) -> None:
        self.kernel, self.mdev = kernel, mdev
        self._rt = kernel.runtime_args.get(self.core, [])
        self._ct = list(kernel.config.compile_args)
        self.defines = dict(kernel.config.defines)
        x, y = mdev.cfg.noc_xy(self.core)
        self.my_x, self.my_y = (x, x), (y, y)  # tt-metal's my_x[noc], my_y[noc]
        self._dram_xy = list(mdev.cfg.dram_banks)
        self._l1_xy = mdev.l1_bank_xy

    def where(self) -> str:
        return f"{self.role} kernel '{self.kernel.name}' on core {self.core}"

    def _main(self) -> None:
        try:
            KernelProcess._main(self)
        except TensixError as exc:
            self._rename(exc)

    def _rename(self, exc: TensixError) -> None:
        """Raise exc again, naming this kernel."""
        msg = str(exc)
        plain = f"{self.role} kernel on core {self.core}"  # as tensix's own kernels are named
        if msg.startswith(plain):
            msg = self.where() + msg[len(plain):]
        elif f"'{self.kernel.name}'" not in msg:
            msg = f"kernel '{self.kernel.name}': {msg}"
        raise type(exc)(msg) from exc

    # --- args ----------------------------------------------------------------------------------------------
    def get_arg_val(self, i: int) -> int:
        if not 0 <= i < len(self._rt):
            return self._unset_arg(f"get_arg_val({i}) but {len(self._rt)} runtime args were set", i)
        return self._rt[i]

    def _unset_arg(self, what: str, i: int) -> int:
        """A read past the runtime args set. Hardware reads whatever the slot holds (a C++ kernel whose value is
        unused never loads it), so by default this warns once per kernel and reads 0; TENSIX_METAL_ARG_CHECK=error
        raises KernelError, as tt-metal's watcher does, and `off` is silent."""
        mode = os.environ.get("TENSIX_METAL_ARG_CHECK", "warn")
        msg = f"{self.where()}: {what}"
        if mode == "error" or i < 0:
            raise KernelError(msg)
        if mode != "off" and not getattr(self, "_arg_warned", False):
            self._arg_warned = True
            warnings.warn(msg + "; reading 0 (TENSIX_METAL_ARG_CHECK=error makes this an error)", MetalArgWarning,
                          stacklevel=3)
        return 0

    def get_common_arg_val(self, i: int) -> int:
        common = self.kernel.common_args
        if not 0 <= i < len(common):
            return self._unset_arg(f"get_common_arg_val({i}) but {len(common)} common args were set", i)
        return common[i]

    def get_compile_time_arg_val(self, i: int) -> int:
        if not 0 <= i < len(self._ct):
            raise KernelError(f"{self.where()}: get_compile_time_arg_val({i}) but {len(self._ct)} compile-time args "
                              f"were given")
        return self._ct[i]

    def get_named_compile_time_arg_val(self, name: str) -> int:
        return named_args.compile_time(self, name)

    def get_arg(self, name) -> int:
        """get_arg(args::name): a named compile-time, runtime or common runtime arg."""
        return named_args.lookup(self, name)

    def cb_push_back(self, cb_id: int, num_pages: int) -> None:
        """As on hardware, pages pushed without cb_reserve_back are fine when they were free (a kernel that fills
        an empty CB and pushes it); pushing over unread pages is still an error."""
        if not num_pages:  # a no-op on hardware (tt-metal's hello_world_datatypes_kernel pushes 0)
            return
        cb = self.cb(cb_id)
        if num_pages > cb.reserved and cb.free_pages() >= num_pages:
            cb.reserved = num_pages
        super().cb_push_back(cb_id, num_pages)

    def defined(self, name: str) -> bool:
        """`#ifdef NAME`: whether the kernel's config defines NAME."""
        return name in self.defines

    def get_absolute_logical_x(self) -> int:
        return self.core[0]

    def get_absolute_logical_y(self) -> int:
        return self.core[1]

    # --- CBs: zero pages is a no-op on hardware (tt-metal's hello_world_datatypes_kernel reserves 0) ---------
    def cb_reserve_back(self, cb_id: int, num_pages: int) -> None:
        if num_pages:
            super().cb_reserve_back(cb_id, num_pages)

    def cb_wait_front(self, cb_id: int, num_pages: int) -> None:
        if num_pages:
            super().cb_wait_front(cb_id, num_pages)

    def cb_pop_front(self, cb_id: int, num_pages: int) -> None:
        if num_pages:
            super().cb_pop_front(cb_id, num_pages)

    # --- debug print ---------------------------------------------------------------------------------------
    def DPRINT(self, *parts) -> None:
        """`DPRINT << a << b << ENDL()`: one line in the core's log, stamped with this kernel's cycle. A compute
        kernel runs on the three TRISCs, so its plain DPRINT prints three lines (TR0, TR1, TR2) as on hardware."""
        for proc in (("TR0", "TR1", "TR2") if self.role == "compute" else (self.role,)):
            dprint_line(self, proc, parts)

    def _dprint_on(self, proc: str, parts, role: str) -> None:
        if self.role == role:
            dprint_line(self, proc, parts)

    def DPRINT_DATA0(self, *parts) -> None:
        """Printed by the RISCV_0 (BRISC, writer-slot) data movement kernel only."""
        self._dprint_on("writer", parts, "writer")

    def DPRINT_DATA1(self, *parts) -> None:
        """Printed by the RISCV_1 (NCRISC, reader-slot) data movement kernel only."""
        self._dprint_on("reader", parts, "reader")

    def DPRINT_UNPACK(self, *parts) -> None:
        self._dprint_on("TR0", parts, "compute")

    def DPRINT_MATH(self, *parts) -> None:
        self._dprint_on("TR1", parts, "compute")

    def DPRINT_PACK(self, *parts) -> None:
        self._dprint_on("TR2", parts, "compute")

    DEVICE_PRINT = DPRINT

    def TileSlice(self, cb_id: int, tile_idx: int, slice_range, *flags) -> tile_slice.TileSlice:
        return tile_slice.TileSlice(tile_slice.tile_slice(self, cb_id, tile_idx, slice_range, *flags))

    # --- L1 ------------------------------------------------------------------------------------------------
    def l1_ptr(self, addr: int, dtype=np.uint32) -> L1Ptr:
        """`reinterpret_cast<volatile tt_l1_ptr T*>(addr)` with T = dtype (uint32 unless given)."""
        return L1Ptr(self, addr, dtype)

    def l1_words(self, addr: int, count: int, dtype=np.uint32) -> np.ndarray:
        """A view of `count` values of `dtype` of this core's L1 at addr (a typed pointer into a CB page)."""
        n = count * np.dtype(dtype).itemsize
        self.sram.check(addr, n, f"{self.where()} L1 access")
        return self.sram.data[addr:addr + n].view(dtype)

    # --- NoC coordinates -----------------------------------------------------------------------------------
    def bank_xy(self, is_dram: bool) -> list[tuple[int, int]]:
        return self._dram_xy if is_dram else self._l1_xy

    def bank_noc_xy(self, where, is_dram: bool) -> tuple[int, int]:
        return self._dram_xy[where] if is_dram else self.mdev.cfg.noc_xy(where)

    def check_noc_xy(self, x: int, y: int, what: str) -> None:
        """Raise NocError unless NoC (x, y) is a worker core or a DRAM bank of this device."""
        cfg = self.mdev.cfg
        if (x in cfg.compute_xs and y in cfg.compute_ys) or (x, y) in self._dram_xy:
            return
        raise NocError(f"{self.where()}: {what} uses NoC coordinates ({x}, {y}), which are not a worker core or "
                       f"DRAM bank of {cfg.name}; pass worker_core_from_logical_core(core) from the host, not the "
                       f"logical core")

    def get_noc_addr_from_bank_id(self, bank_id: int, bank_address_offset: int, noc: int | None = None,
                                  dram: bool = True, DRAM: bool | None = None) -> int:
        """get_noc_addr_from_bank_id<DRAM>(bank_id, offset): bank `bank_id`'s NoC position and the offset (the
        template argument as `dram=` or by its tt-metal name `DRAM=`)."""
        banks = self.bank_xy(dram if DRAM is None else DRAM)
        if not 0 <= bank_id < len(banks):
            raise NocError(f"{self.where()}: bank id {bank_id} outside 0..{len(banks) - 1}")
        x, y = banks[bank_id]
        return addrgen.noc_xy_addr(x, y, int(bank_address_offset))


_PREFIX = {"writer": "BR", "reader": "NC", "TR0": "TR0", "TR1": "TR1", "TR2": "TR2"}
_RANK = {"reader": 0, "writer": 1, "TR0": 2, "TR1": 3, "TR2": 4}  # lines of one cycle, in tt-metal's printed order


def dprint_line(ctx, proc: str, parts) -> None:
    """Record one DPRINT line of processor `proc`; with TT_METAL_DPRINT_CORES set (tt-metal's switch: `all` or
    `x,y` cores) also print it as tt-metal's host does, `0:(x=0,y=0):TR1: text`."""
    if parts and isinstance(parts[0], str) and len(parts) > 1 and "{" in parts[0]:  # DPRINT("x={}\n", x)
        text = parts[0].format(*parts[1:])
    else:
        text = "".join(_fmt(p) for p in parts)
    text = text[:-1] if text.endswith("\n") else text  # `<< "\n"` ends the line as ENDL() does
    ctx.mdev.dprint.setdefault(ctx.core, []).append((ctx.t, proc, text))
    cores = os.environ.get("TT_METAL_DPRINT_CORES")
    if cores and (cores.strip() == "all" or _listed(ctx.core, cores)):
        x, y = ctx.core
        line = f"{ctx.mdev.device_id}:(x={x},y={y}):{_PREFIX[proc]}: {text}"
        ctx.mdev.dprint_echo.append((ctx.t, _RANK[proc], len(ctx.mdev.dprint_echo), line))


def _listed(core: tuple[int, int], cores: str) -> bool:
    nums = [n for n in cores.replace("(", ",").replace(")", ",").replace(" ", ",").split(",") if n.strip()]
    pairs = {(int(nums[i]), int(nums[i + 1])) for i in range(0, len(nums) - 1, 2) if nums[i].isdigit()}
    return tuple(core) in pairs


def _fmt(p) -> str:
    if isinstance(p, float):
        return f"{p:g}"
    return str(p)
