"""Mesh: load a Program onto an emulated device, run it, and hand back outputs, cycles, trace and stats.

Host I/O (writing inputs to DRAM, reading outputs back) is untimed, as with tt-metal's buffer enqueues.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from tensix.collector import paused
from tensix.compute_api import ComputeKernel
from tensix.config import MeshConfig
from tensix.dataflow_api import DataflowKernel
from tensix.device import Device
from tensix.dram import DramBuffer
from tensix.errors import ConfigError, ProgramError
from tensix.files import write_atomically
from tensix.formats import tile_nbytes
from tensix.host_images import HostImages, PageStore
from tensix.host_layout import host_array
from tensix.limits import DEFAULT_MAX_CYCLES, DEFAULT_MAX_TRANSFERS, Limits
from tensix.memory import MemoryPool
from tensix.noc.fabric import Fabric
from tensix.presets import resolve
from tensix.program import Program
from tensix.stats import DenseRun, Stats, StatsMemo, build_stats
from tensix.timing import TimingModel
from tensix.trace import Trace
from tensix.trace_json import trace_json
from tensix.zeroskip import ZeroSkip


@dataclass(frozen=True)
class RunResult:
    """Outputs (float32 arrays holding the device format's values; None in a timing-only run), total cycles,
    trace and stats."""

    outputs: dict[str, np.ndarray | None]
    cycles: int
    trace: Trace
    stats: Stats
    program: Program
    inputs: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # as fed to Mesh.run (not copied)

    @property
    def timing_only(self) -> bool:
        return self.stats.timing_only

    @property
    def seconds(self) -> float:
        """Simulated time at the device clock."""
        return self.cycles / self.stats.device.clock_hz

    def summary(self) -> str:
        """A few lines for a person: what ran (the run's title: its file; else the program's name), where, how long
        it took, what moved."""
        st = self.stats
        dev = st.device
        busiest = max(st.cores, key=lambda c: c.busy_fraction, default=None)
        title = self.trace.title or self.program.name
        lines = [
            f"{title} on {dev.name}: {self.cycles} cycles = {self.seconds * 1e6:.2f} us "
            f"at {dev.clock_hz / 1e9:g} GHz, {len(st.cores)} cores",
            f"  NoC 0 {st.noc_bytes[0]:,} B, NoC 1 {st.noc_bytes[1]:,} B (bytes x hops), {st.transfers} transfers",
            f"  {st.flops:,} FLOP, {st.utilization_text()}",
        ]
        if st.zero_skip:
            lines.append(f"  zero skipping: {st.zero_skip.saving_text(st)}")
        if self.timing_only:
            lines.append("  timing only: no tile math and no data moved, so there are no outputs")
        if not self.trace.recorded:
            lines.append("  no trace kept (trace=False): no spans or transfers to draw")
        if busiest:
            lines.append(
                f"  busiest core {tuple(busiest.core)}: {100 * busiest.busy_fraction:.1f}% busy; "
                f"SRAM peak {max(c.sram_high_water for c in st.cores):,} B"
            )
        return "\n".join(lines)

    def with_dense(self, dense: RunResult) -> RunResult:
        """This skipping run with `dense` (the same program run with skipping off) as its zero-skip baseline:
        end-to-end cycles and bytes, and each output's max |skipping - dense|."""
        zs = self.stats.zero_skip
        if zs is None:
            raise ProgramError("with_dense compares a zero-skipping run with a dense one; this run did not skip zeros")
        errors = tuple((name, float(np.max(np.abs(self.outputs[name] - dense.outputs[name]))))
                       for name in dense.outputs)
        zs = replace(zs, dense=DenseRun(dense.cycles, sum(dense.stats.noc_bytes), dense.stats.dram_bytes),
                     error_vs_dense=errors)
        return replace(self, stats=replace(self.stats, zero_skip=zs))

    def save(self, out_dir: str | Path) -> Path:
        """Save this run as a run directory that `tensix rerun` can repeat: the files of `write_files`, plus the
        record of the Python program that made it (tensix/pyrecord.py: its source files, argv, TENSIX_*
        environment, inputs as fed, content hashes). The directory is replaced whole: nothing of an older run
        stays."""
        from tensix.pyrecord import save_result  # it reads this module's RunResult

        return save_result(self, Path(out_dir))

    def write_files(self, out_dir: str | Path, trace_text: str | None = None, program_text: str | None = None, *,
                    fresh: bool = False) -> Path:
        """Write outputs.npz, stats.json, trace.json and (when it can be serialized) program.json, each whole or not
        at all (tensix/files.py); a program.json of an earlier run that this one cannot replace is removed.
        `trace_text`, `program_text`: trace_json(self.trace) and self.program.to_json() when the caller has them
        already (a record hashes the trace's text; a cached compile keeps the program's). `fresh`: `out_dir` is a
        new directory that replaces the run directory whole once written (tensix.rundir.write_run_dir), so each
        file is written straight into it: making each one whole on its own (a temporary, a flush to disk, a
        rename) adds nothing there but time."""
        if not self.trace.recorded:
            raise ProgramError(f"this run kept no trace (Mesh(..., trace=False)), and a run directory is the whole "
                               f"record, its trace included; run it on a Mesh with trace=True to save it to {out_dir}")
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        put = _write_directly if fresh else write_atomically
        if self.timing_only:  # no outputs: none of an earlier run left to pass for this one's
            (out / "outputs.npz").unlink(missing_ok=True)
        else:
            put(out / "outputs.npz", lambda f: np.savez(f, **self.outputs))
        put(out / "stats.json", lambda f: f.write(self.stats.json_text().encode()))
        text = trace_json(self.trace) if trace_text is None else trace_text  # = write_json of to_dict(), faster
        put(out / "trace.json", lambda f: (f.write(text.encode()), f.write(b"\n")))  # one copy of megabytes, not two
        if all(isinstance(k.fn, str) for k in self.program.kernels):
            program = self.program.to_json() if program_text is None else program_text
            put(out / "program.json", lambda f: f.write((program + "\n").encode()))
        else:
            (out / "program.json").unlink(missing_ok=True)
        return out


class Mesh:
    """An emulated device: `Mesh("wormhole_n150")`, `Mesh(MeshConfig(width=4, height=4))`.

    A run stops with a LimitError past `max_cycles` simulated cycles or `max_transfers` NoC transfers in its trace;
    a failed run (limit, deadlock, kernel error) frees everything it held.

    Runs on one Mesh share its memories (L1s, DRAM banks, DST registers), its NoC routes (tensix.noc.fabric) and
    the device images of the host arrays the last run wrote, in DRAM or L1 (tensix.host_images): keep a Mesh to run
    a program again and again, as a decode loop does.
    A buffer of role 'state' holds what the last run's 'state_next' buffer of that name left in DRAM (zero on a
    fresh Mesh): a key/value cache stays on the device between decode steps and the host never moves it.

    timing_only: the same schedule, transfers, contention and cycles with no data: nothing is tilized, copied or
    computed, inputs are not needed, DRAM banks and CBs hold no values and every output is None. Zero skipping
    decides by data, so it cannot be combined with this.

    keep_images=False: a Mesh to be run once keeps no copy of the host arrays it wrote (nothing to compare the next
    run's with), which costs as much as encoding them; the run is the same. page_store: where the host arrays'
    encoded pages may be kept from an earlier process (tensix.host_images.PageStore; `tensix run`'s disk cache).

    trace=False: record no spans and no transfers (the trace is empty, `Trace.recorded` False); outputs, cycles
    and stats are the same. A trace holds ~40 B per transfer and per span: a 30-layer decoder at 4k tokens makes
    tens of millions of each. With no trace `max_transfers` bounds nothing; `max_cycles` still stops a run.
    """

    def __init__(self, device: str | MeshConfig | None = None, *, timing: TimingModel | None = None,
                 zero_skip: ZeroSkip | bool | None = None, max_cycles: int = DEFAULT_MAX_CYCLES,
                 max_transfers: int = DEFAULT_MAX_TRANSFERS, timing_only: bool = False, keep_images: bool = True,
                 trace: bool = True, page_store: PageStore | None = None):
        self.cfg = resolve(device)
        self.limits = Limits(max_cycles, max_transfers)  # a run past either stops with a LimitError
        self.timing = timing or TimingModel()
        self.zero_skip = ZeroSkip() if zero_skip is True else (zero_skip or None)
        self.timing_only = timing_only
        self.trace = trace
        if timing_only and self.zero_skip is not None and self.zero_skip.enabled:
            raise ConfigError("zero skipping decides by the data, and a timing-only run has none; run timing-only "
                              "dense (zero_skip=None) or run functionally")
        self._memory = MemoryPool()  # the L1s and DRAM banks of one run, for the next
        self._images = HostImages(keep_images, page_store)  # host arrays' device images, for runs writing the same
        self._state: dict[str, tuple[tuple, np.ndarray]] = {}  # state name -> (its buffer's form, its DRAM pages)
        self._dram_nbytes = 0  # per bank, the last run's DRAM: the next run reserves it up front (Dram.reserve)
        self._stats = StatsMemo(self.cfg)  # the device's description and the last run's stats parts, for the next
        self._fabric = Fabric(self.cfg)  # its routes (Paths) made once, for every run

    def run(self, program: Program, inputs: dict[str, np.ndarray] | None = None) -> RunResult:
        """Run `program` with host `inputs` (by buffer name); returns outputs of every 'output' buffer."""
        with paused():  # load, run and results: the cyclic collector would walk every event, span and transfer
            return self._run(program, inputs)

    def _run(self, program: Program, inputs: dict[str, np.ndarray] | None) -> RunResult:
        device = Device(self.cfg, self.timing, self.zero_skip, self._memory, self.limits, self.timing_only, self.trace,
                        self._fabric)
        device.dram.reserve(self._dram_nbytes)
        try:
            self._load(device, program, inputs or {})
            cycles = device.engine.run()
        except BaseException:
            device.abort()
            raise
        outputs = {b.name: None if self.timing_only else self._read(device, b.name)
                   for b in program.buffers if b.role == "output"}
        if not self.timing_only:  # a timing-only run holds no values to keep
            self._keep_state(device, program)
        flops = sum(getattr(k, "flops", 0) for k in device.kernels)
        self._dram_nbytes = device.dram.allocated_nbytes
        stats = build_stats(device, cycles, flops, self._stats)
        trace = Trace.from_device(device)
        device.release()
        return RunResult(outputs, cycles, trace, stats, program, inputs or {})

    def _load(self, device: Device, program: Program, inputs: dict[str, np.ndarray]) -> None:
        known = {b.source or b.name for b in program.buffers if b.role in ("input", "param")}
        unknown = sorted(set(inputs) - known)
        if unknown:
            raise ProgramError(f"unknown input(s) {', '.join(unknown)}; the program takes: {', '.join(sorted(known))}")
        written: dict[str, list] = {}  # host array name -> its buffers and values (a weight may have two layouts)
        for b in program.buffers:
            if b.memory == "l1":  # laid out in its cores' L1 below, once they hold their CBs
                continue
            buf = device.dram.allocate(b.name, b.shape, b.dtype, b.layout, b.role in ("input", "param", "state"),
                                       b.bank_cols, b.base)
            if b.role in ("input", "param", "state") and self.timing_only:
                device.dram.landed[b.name] = [0] * buf.npages  # written by the host before the run, as values would be
            elif b.role in ("input", "param"):
                written.setdefault(b.source or b.name, []).append((buf, self._host_array(b, inputs)))
            elif b.role == "state":
                device.dram.write_pages(buf, self._state_pages(buf))
        for name, held in written.items():
            images = self._images.encode(name, [buf for buf, _ in held], held[0][1])
            for (buf, _), image in zip(held, images, strict=True):
                device.dram.write_pages(buf, *image)
        by_core = {c: device.core(c) for c in program.cores()}  # (a decode step declares ~27k semaphores)
        # the semaphore region comes first, sized for the program's highest id, so semaphore k has one
        # L1 address on every core and a writer can signal any core with its own address of k
        if program.semaphores:
            count = 1 + max([s.sem_id for s in program.semaphores])
            for core in by_core.values():
                core.reserve_semaphores(count)
        for s in program.semaphores:
            by_core[s.core].add_semaphore(s.sem_id, s.initial)
        for b in program.l1_buffers:  # before CBs: cores declaring the same buffers hold them at one address
            device.core(b.core).add_l1_buffer(b.name, b.nbytes)
        for s in program.cbs:
            device.core(s.core).add_cb(s.cb_id, s.name, s.dtype, s.num_pages, s.page_nbytes)
        self._load_l1(device, program, inputs, written)
        self._images.retain(set(written))
        for k in sorted(
            program.kernels, key=lambda k: (k.core[1], k.core[0], ("reader", "compute", "writer").index(k.role))
        ):
            fn = k.resolve()
            if k.role == "compute":
                proc = ComputeKernel(device, k.core, k.role, fn, k.args, k.fidelity)
            else:
                proc = DataflowKernel(device, k.core, k.role, fn, k.args, k.noc)
            if k.label:
                proc.set_op(k.label, "")
            device.kernels.append(proc)
            device.engine.resume_at(0, proc.glet)

    def _load_l1(self, device: Device, program: Program, inputs: dict[str, np.ndarray], written: dict) -> None:
        """Lay out the shards of L1-resident tensors after each core's CBs, and have the host write the input and
        param ones straight into those shards (no DRAM buffer, no DRAM read), untimed as DRAM writes are. Their
        images come from HostImages as DRAM's do (a decode step's L1 weights are not encoded again); each host
        array written is added to `written`."""
        homes: dict[str, dict[int, tuple[int, int, int]]] = {}
        sizes: dict[str, int] = {}  # buffer name -> its page size (the first buffer of that name), looked up per shard
        for b in program.buffers:
            if b.name not in sizes:
                sizes[b.name] = tile_nbytes(b.dtype)
        for sh in program.shards:
            core = device.core(sh.core)
            size = sizes.get(sh.tensor)
            if size is None:
                raise ProgramError(f"core {sh.core} holds a shard of '{sh.tensor}', which the program does not "
                                   f"declare; declare it with dram_buffer(..., memory=\"l1\")")
            base = core.sram.allocate(sh.tensor, max(1, len(sh.pages)) * size, "tensor")
            mine = homes.setdefault(sh.tensor, {})
            x, y = core.noc_xy
            for i, page in enumerate(sh.pages):
                mine[page] = (x, y, base + i * size)
        for b in program.buffers:
            if b.memory != "l1":
                continue
            held = homes.get(b.name, {-1: None})
            buf = device.dram.place_l1(b.name, b.shape, b.dtype, tuple(held.get(p) for p in range(max(held) + 1)))
            if b.role in ("input", "param"):
                device.dram.landed[b.name] = [0] * buf.npages
                if not self.timing_only:
                    name = b.source or b.name
                    pages, faces, _ = self._images.encode(name, [buf], self._host_array(b, inputs))[0]
                    written.setdefault(name, [])
                    device.dram.live_faces[b.name] = faces.copy()  # (a kernel's write updates its copy in place)
                    for page, (x, y, addr) in enumerate(buf.homes):
                        device.by_noc[(x, y)].sram.data[addr:addr + buf.page_nbytes] = pages[page]
            elif b.role not in ("output", "scratch"):
                raise ProgramError(f"tensor '{b.name}' of role {b.role} cannot live in L1; only inputs, params, "
                                   f"outputs and scratch tensors can")

    def _state_pages(self, buf: DramBuffer) -> np.ndarray:
        """The pages state `buf` held at the end of the last run that updated it, or zeros."""
        kept = self._state.get(buf.name)
        if kept is not None and kept[0] == _form(buf):
            return kept[1]
        if kept is not None:
            raise ProgramError(f"state '{buf.name}' is {buf.fmt}{list(buf.shape)} ({buf.layout}) in this program but "
                               f"{kept[0][1]}{list(kept[0][0])} ({kept[0][2]}) on this Mesh; give it another name "
                               f"or run it on a new Mesh")
        return np.zeros((buf.npages, buf.page_nbytes), np.uint8)

    def _keep_state(self, device: Device, program: Program) -> None:
        """Keep each 'state_next' buffer's pages as its state's value for the next run (on hardware the two
        buffers would swap addresses; here the pages move between the runs' DRAM images, at no device time)."""
        for b in program.buffers:
            if b.role == "state_next":
                buf = device.dram.buffer(b.name)
                self._state[b.source] = _form(buf), device.dram.read_pages(buf)

    def reset_state(self) -> None:
        """Zero every state (a new sequence on the same Mesh, weights still resident)."""
        self._state.clear()

    @staticmethod
    def _host_array(b, inputs: dict[str, np.ndarray]) -> np.ndarray:
        name = b.source or b.name
        if name not in inputs:
            raise ProgramError(f"input '{name}' ({b.dtype}{list(b.shape)}) was not given")
        a = np.asarray(inputs[name], dtype=np.float32)
        if a.shape != b.shape:
            raise ProgramError(f"input '{b.name}' has shape {list(a.shape)}; the program expects {list(b.shape)}")
        return a.reshape(-1, b.shape[-1]) if a.ndim != 2 else a

    @staticmethod
    def _read(device: Device, name: str) -> np.ndarray:
        buf = device.dram.buffer(name)
        if buf.homes is not None:  # an L1 output: the host reads it back from its cores' shards
            n = buf.page_nbytes
            pages = np.stack([device.by_noc[(x, y)].sram.data[a:a + n] for x, y, a in buf.homes])
            return host_array(buf, pages)
        return host_array(buf, device.dram.read_pages(buf))


def _write_directly(path: Path, write) -> None:
    with open(path, "wb") as f:
        write(f)


def _form(buf: DramBuffer) -> tuple:
    return buf.shape, buf.fmt, buf.layout, buf.bank_cols
