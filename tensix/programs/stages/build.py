"""A Program from a Schedule: DRAM buffers, and per core its semaphores, L1 buffers, CBs, shards of L1-resident
tensors (as the schedule lays them out) and one reader/compute/writer triple running its steps."""

from __future__ import annotations

from tensix.formats import tile_nbytes
from tensix.presets import resolve
from tensix.program import BufferSpec, Program, function_ref
from tensix.programs.stages.compute import compute
from tensix.programs.stages.layout import core_schedules
from tensix.programs.stages.reader import reader
from tensix.programs.stages.writer import writer
from tensix.schedule.contract import DramBuffer, Schedule, Step
from tensix.schedule.plain import decode


def program(schedule: Schedule) -> Program:
    """The Program that runs `schedule`: nothing is laid out again."""
    p = Program(name=schedule.name, device=schedule.device or None)
    for b in schedule.buffers:
        p.dram_buffer(b.name, b.shape, b.dtype, b.role, b.layout, b.source, b.memory, b.bank_cols, b.base)
    for cs in schedule.cores:
        for sem_id in cs.semaphores:  # the semaphores this core waits on
            p.semaphore(cs.core, sem_id)
        for buf in cs.buffers:  # first, so they sit at one L1 address on every core
            p.l1_buffer(cs.core, buf.name, buf.nbytes)
        for cb in cs.cbs:
            page = None if cb.page_nbytes == tile_nbytes(cb.fmt) else cb.page_nbytes
            p.circular_buffer(cs.core, cb.id, cb.fmt, cb.pages, cb.name, page)
        for sh in cs.shards:  # laid out after the CBs, as the schedule's addresses say
            p.shard(cs.core, sh.tensor, sh.pages)
        for role, fn in (("reader", reader), ("compute", compute), ("writer", writer)):
            p.kernel(cs.core, role, function_ref(fn), {"steps": cs.steps, "units": cs.units})  # by name: JSON-able
    return p


def build_program(name: str, buffers: list[BufferSpec], steps: dict[tuple[int, int], list[Step | dict]], *,
                  device: str | None = None) -> Program:
    """A Program from hand-written per-core step lists (typed, or in their plain JSON form), laid out as the
    compiler's alloc pass lays them."""
    steps = {core: [s if isinstance(s, Step) else decode(Step, s) for s in core_steps]
             for core, core_steps in steps.items()}
    formats = {b.name: b.dtype for b in buffers}
    count, cores = core_schedules(steps, formats, resolve(device).l1_alignment)
    dram = tuple(DramBuffer(b.name, b.shape, b.dtype, b.role, b.layout, b.source, b.memory, b.bank_cols, b.base)
                 for b in buffers)
    return program(Schedule(name, device or "", "", count, dram, tuple(cores)))
