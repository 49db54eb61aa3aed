"""EnqueueProgram on the emulator: build a tensix Device over the MetalDevice's memories, place semaphores and
circular buffers as tt-metal does (a CB at one address on every core of its range), start one Metalium context
per kernel and core, run, and keep the cycles, stats, trace and DPRINT logs."""

from __future__ import annotations

import numpy as np

from tensix.cb import CircularBuffer
from tensix.collector import paused
from tensix.device import Device
from tensix.errors import ProgramError, SramError
from tensix.metal.buffers import L1_ALIGNMENT
from tensix.metal.compute import MetalCompute
from tensix.metal.dataflow import MetalDataflow
from tensix.metal.device import MetalDevice, MetalRun, queue_device
from tensix.metal.program import Program
from tensix.metal.sharded_cb import ShardedCB
from tensix.stats import Buffer, build_stats
from tensix.trace import Trace

CB_ALIGNMENT = 32
ROLE_ORDER = ("reader", "compute", "writer")


def EnqueueProgram(cq, program: Program, blocking: bool = False) -> None:
    """Run `program` on the device to completion (its cycles, stats and trace land in device.last_run). Here, not
    in device.py, so that the device module does not import the launcher that imports it."""
    mdev = queue_device(cq)
    run_program(mdev, program)
    if blocking:
        mdev.flush_dprint()


def run_program(mdev: MetalDevice, program: Program) -> MetalRun:
    with paused():
        device = Device(mdev.cfg, mdev.timing)
        _attach_memories(mdev, device, program)
        _place_semaphores(device, program)
        _place_cbs(mdev, device, program)
        try:
            _start_kernels(mdev, device, program)
            cycles = device.engine.run()
        except BaseException:  # a failed run (kernel error, deadlock, limit) frees the device at once
            device.abort()
            raise
        flops = sum(getattr(k, "flops", 0) for k in device.kernels)
        run = mdev.last_run = MetalRun(cycles, build_stats(device, cycles, flops), Trace.from_device(device))
        if mdev.record is not None:
            mdev.record.log.ran("", cycles, run.trace)
        for c, core in device.cores.items():
            mdev.l1_zeroed[c] = core.sram.zeroed
        device.release()
    if mdev.record is not None:
        mdev.record.save(mdev)
    return run


def _attach_memories(mdev: MetalDevice, device: Device, program: Program) -> None:
    """The device's DRAM banks and L1s are the MetalDevice's (kept across programs)."""
    for bank, mem in zip(device.dram.banks, mdev.dram_mem, strict=True):
        bank.data, bank.size = mem, mdev.dram_top
    cores = set(program.core_list()) | set(mdev.l1_mem) | mdev.l1_cores
    for c in sorted(cores, key=lambda c: (c[1], c[0])):
        core = device.core(c)
        mem = mdev.l1(c)
        core.sram.data, core.sram.zeroed = mem, mdev.l1_zeroed[c]
        core._words = mem[:mdev.cfg.l1_bytes // 4 * 4].view(np.uint32)
        if c in mdev.l1_cores:
            core.sram.allocations.append(Buffer("l1 buffers", "l1", mdev.l1_low, mdev.cfg.l1_bytes - mdev.l1_low))


def _place_semaphores(device: Device, program: Program) -> None:
    if not program.semaphores:
        return
    count = 1 + max(i for sems in program.semaphores.values() for i in sems)
    for c in program.core_list():
        device.core(c).reserve_semaphores(count)
    for c, sems in program.semaphores.items():
        for sid, initial in sems.items():
            device.core(c).add_semaphore(sid, initial)


def _place_cbs(mdev: MetalDevice, device: Device, program: Program) -> None:
    """Each CB at the lowest address free on all its cores; its indices share that memory."""
    tops = {c: device.core(c).sram.top for c in program.core_list()}
    for entry in program.cbs:
        cfg = entry.config
        if cfg.globally_allocated is not None:
            addr = cfg.globally_allocated.get_backing_buffer().address()
        else:
            addr = -(-max(tops[c] for c in entry.cores) // CB_ALIGNMENT) * CB_ALIGNMENT
            for c in entry.cores:
                tops[c] = addr + cfg.total_size
                if tops[c] > mdev.l1_low:
                    raise SramError(f"core {c}: circular buffers up to 0x{tops[c]:x} overlap the L1 buffers from "
                                    f"0x{mdev.l1_low:x}; use smaller CBs or L1 buffers")
        for c in entry.cores:
            core = device.core(c)
            core.sram.check(addr, cfg.total_size, f"CB {sorted(cfg.data_formats)}")  # cleared before use
            name = "+".join(f"c_{i}" for i in cfg.data_formats)
            if cfg.globally_allocated is None:
                core.sram.allocations.append(Buffer(name, "cb", addr, cfg.total_size))
                core.sram.top = max(core.sram.top, addr + cfg.total_size)
                core.sram.high_water = max(core.sram.high_water, core.sram.top)
            for index, fmt in cfg.data_formats.items():
                page = cfg.page_size(index)
                if index in core.cbs:
                    raise ProgramError(f"core {c}: CB index {index} is created twice")
                pages = cfg.total_size // page
                if pages < 1:
                    raise ProgramError(f"core {c}: CB {index} of {cfg.total_size} B holds no page of {page} B")
                kind = CircularBuffer if cfg.globally_allocated is None else ShardedCB
                core.cbs[index] = kind(core=c, cb_id=index, name=f"c_{index}", fmt=fmt.fmt,
                                       page_nbytes=page, num_pages=pages, address=addr, memory=core.sram.data)


def _start_kernels(mdev: MetalDevice, device: Device, program: Program) -> None:
    procs = []
    for k in program.kernels:
        for c in k.cores:
            if k.role == "compute":
                proc = MetalCompute(device, c, "compute", k.fn, {}, k.config.math_fidelity.value)
            else:
                proc = MetalDataflow(device, c, k.role, k.fn, {}, int(k.config.noc))
            proc.metal_setup(k, mdev)
            proc.label = k.name
            procs.append(proc)
    for proc in sorted(procs, key=lambda p: (p.core[1], p.core[0], ROLE_ORDER.index(p.role))):
        device.kernels.append(proc)
        device.engine.resume_at(0, proc.glet)


__all__ = ["run_program", "L1_ALIGNMENT"]
