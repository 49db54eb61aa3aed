"""A running kernel: one greenlet per (core, role), its local clock, its op spans, and the CB calls it shares.

Reader/writer kernels get the dataflow API (dataflow_api.py), compute kernels the compute API (compute_api.py).
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

import greenlet
import numpy as np

from tensix.cb import CircularBuffer, Waiter
from tensix.errors import KernelError, TensixError
from tensix.tracelog import SpanLog
from tensix.waits import wait_span

_EMULATOR = Path(__file__).resolve().parent  # tensix/: the emulator's code, but for the kernels in tensix/programs
_KERNELS = _EMULATOR / "programs"
_LIBRARIES = tuple({Path(sysconfig.get_path(k)).resolve() for k in ("stdlib", "platstdlib", "purelib", "platlib")})


def _raised_in_emulator(exc: BaseException) -> bool:
    """Whether exc came out of emulator code: the innermost frame of its traceback outside the libraries (numpy,
    the standard library) is the emulator's, not a kernel's."""
    last, tb = None, exc.__traceback__
    while tb is not None:
        path = Path(tb.tb_frame.f_code.co_filename)
        path = (path if path.is_absolute() else _EMULATOR.parent / path).resolve()  # compiled: relative to the build
        if path.is_relative_to(_EMULATOR) or not any(path.is_relative_to(lib) for lib in _LIBRARIES):
            last = path
        tb = tb.tb_next
    return last is not None and last.is_relative_to(_EMULATOR) and not last.is_relative_to(_KERNELS)


_WAITS: dict[str, str] = {}  # wait_until's span names ("wait:" + name), made once per name rather than per stall
GATHERING = "noc_async_read_barrier"  # what a kernel waits in while the engine issues its gather's reads


class KernelProcess(Waiter):
    """Base of every kernel context: clock, sync/block/wake with the engine, spans, and the CB protocol.

    The user's kernel function is called as `fn(ctx, **args)`.
    """

    def __init__(self, device, core: tuple[int, int], role: str, fn, args: dict):
        self.device = device
        self.engine = device.engine
        self.timing = device.timing
        self.core = core
        self.role = role
        self.sram = device.cores[core].sram
        self.cbs: dict[int, CircularBuffer] = device.cores[core].cbs
        self.t = 0
        self.done = False
        self.blocked_on: str | None = None
        self._woken = False
        self.spans = SpanLog(device.transfers.keep)  # (name, start, end, count, op) rows, if the run keeps a trace
        self.busy_cycles = 0
        self.label = ""  # the source op the kernel works on now (set per step by compiled programs)
        self.src = ""  # and its .tdf position
        self.op = -1  # and its index in device.ops, which spans and transfers carry (-1: outside any op)
        self.gathers = 0  # gathers whose reads the engine is still issuing (dataflow_api): the kernel waits for
        # their last before anything that syncs, as a loop of reads would have issued them all by then
        self._fn, self._args = fn, args
        self.glet = greenlet.greenlet(self._main)

    def _main(self) -> None:
        try:
            self._fn(self, **self._args)
        except TensixError:
            raise
        except Exception as exc:
            if _raised_in_emulator(exc):  # a bug of tensix, not the kernel's: keep the exception and its traceback
                exc.add_note(f"tensix internal error: emulator code failed while the {self.role} kernel on core "
                             f"{self.core} ran; this is a bug in tensix, not in the kernel (please report it)")
                raise
            raise KernelError(f"{self.role} kernel on core {self.core} raised {type(exc).__name__}: {exc}") from exc
        self.sync()
        self.done = True

    # --- time -------------------------------------------------------------------------------------------
    def sync(self) -> None:
        """Wait until global time reaches this kernel's clock (before touching shared state)."""
        if self.gathers:
            self._after_gathers()
        if self.t > self.engine.now:
            self.engine.sync(self.t, self.glet)

    def _after_gathers(self) -> None:
        """Sleep until the engine has issued the last read of this kernel's gathers, and go on from that moment, as
        a kernel issuing them in a loop would; the clock stays ahead, where the gathers' issue cost left it."""
        t = self.t
        self.block(GATHERING)
        self.t = t

    def block(self, reason: str | tuple, span: str | None = None) -> None:
        """Sleep until another party calls wake(); the clock jumps to the wake-up time. `reason`: text or (text, args)
        (tensix/waits.py). The wait's span is named `span`, by default "wait:" and the reason up to its first " (" (a
        caller blocking often passes it made once)."""
        self.blocked_on = reason
        self._woken = False
        start = self.t
        self.engine.suspend(self.glet)
        self.blocked_on = None
        self.t = self.engine.now
        if self.t > start:
            self._span(span or wait_span(reason), start, self.t)

    def wake(self) -> None:
        if not self._woken:
            self._woken = True
            self.engine.resume_at(self.engine.now, self.glet)

    def advance(self, name: str, cycles: int, count: int = 1) -> None:
        """Spend `cycles` busy on `count` ops `name` (local clock only: no sync needed)."""
        if cycles:
            if self.spans.keep:  # (a run with no trace: no span to offer, once or more per transfer)
                self._span(name, self.t, self.t + cycles, count)
            self.t += cycles
            self.busy_cycles += cycles

    def wait_until(self, name: str, t: int) -> None:
        """Stall (not busy) until cycle t, e.g. for a barrier."""
        if t > self.t:
            if self.spans.keep:  # (no trace: no span name to look up, once per barrier)
                span = _WAITS.get(name)
                if span is None:
                    span = _WAITS[name] = f"wait:{name}"
                self._span(span, self.t, t)
            self.t = t

    def _span(self, name: str, start: int, end: int, count: int = 1) -> None:
        self.spans.add(name, start, end, count, self.op)

    def set_op(self, label: str, src: str) -> None:
        """From now on this kernel works for source op `label` (`name %id`) at `src` (path:line:col): its spans,
        transfers and zero-skip savings say so."""
        if self.gathers:  # the gather's reads are the op's before this one
            self._after_gathers()
        self.label, self.src = label, src
        self.op = self.device.op_index(label, src)

    # --- circular buffers (shared by every role) --------------------------------------------------------
    def cb(self, cb_id: int) -> CircularBuffer:
        cb = self.cbs.get(cb_id)
        if cb is None:
            self._no_cb(cb_id)
        return cb

    def _no_cb(self, cb_id: int) -> None:  # apart from cb(): a compiled cpdef method may hold no generator
        have = ", ".join(str(i) for i in sorted(self.cbs)) or "none"
        raise KernelError(f"{self.role} kernel on core {self.core}: no CB {cb_id} on this core (CBs here: {have})")

    def claim_cb(self, cb_id: int) -> None:
        """Make CB cb_id this kernel's own: it alone pushes and pops it (a compute kernel's intermediates), so its
        calls on it need not sync with the engine. Claim it before any kernel uses it; another kernel's call on it
        raises."""
        self.cb(cb_id).claim(self)

    def cb_reserve_back(self, cb_id: int, num_pages: int) -> None:
        self.cb(cb_id).reserve_back(self, num_pages)

    def cb_push_back(self, cb_id: int, num_pages: int) -> None:
        self.cb(cb_id).push_back(self, num_pages)

    def cb_wait_front(self, cb_id: int, num_pages: int) -> None:
        self.cb(cb_id).wait_front(self, num_pages)

    def cb_pop_front(self, cb_id: int, num_pages: int) -> None:
        self.cb(cb_id).pop_front(self, num_pages)

    def front_u32(self, cb_id: int) -> int:
        """The first 32-bit word of the front page of a CB (control messages between kernels)."""
        cb = self.cb(cb_id)
        return int(cb.front_page(0)[:4].view(np.uint32)[0])

    def get_write_ptr(self, cb_id: int) -> int:
        return self.cb(cb_id).write_ptr()

    def get_read_ptr(self, cb_id: int) -> int:
        return self.cb(cb_id).read_ptr()

    # --- program data -----------------------------------------------------------------------------------
    @property
    def grid(self) -> tuple[int, int]:
        """(columns, rows) of the logical compute grid."""
        return self.device.cfg.compute_grid

    def get_l1_buffer(self, name: str) -> int:
        """L1 address of this core's L1 buffer `name` (declared with Program.l1_buffer)."""
        addr = self.device.cores[self.core].l1_buffers.get(name)
        if addr is None:
            have = ", ".join(self.device.cores[self.core].l1_buffers) or "none"
            raise KernelError(f"{self.role} kernel on core {self.core}: no L1 buffer '{name}' (declared: {have})")
        return addr

    def buffer(self, name: str):
        """The DRAM buffer `name` (its pages, page size, tile shape)."""
        return self.device.dram.buffer(name)
