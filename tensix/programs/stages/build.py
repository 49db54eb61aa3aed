"""Assemble a Program from per-core step lists: DRAM buffers, CBs sized for the steps, semaphores, kernels."""

from __future__ import annotations

from tensix.program import BufferSpec, Program, function_ref
from tensix.programs.stages.compute import compute
from tensix.programs.stages.layout import CB_CTRL, MATMULS, core_layouts, el_unit, staging_sizes
from tensix.programs.stages.reader import reader
from tensix.programs.stages.writer import writer

_SLOTS = ("mm_a", "mm_b", "mm_bias", "el_a", "el_b", "mm_out", "el_out")


_FIXED = {28: "ids", 29: "ctrl", 30: "row_mid", 31: "row_stat"}


def _cb_name(cb_id: int, fmt: str) -> str:
    return f"{_SLOTS[cb_id // 4]}_{fmt}" if cb_id < 28 else _FIXED[cb_id]


def build_program(name: str, buffers: list[BufferSpec], steps: dict[tuple[int, int], list[dict]], *,
                  cbs: dict[tuple[int, int], dict[int, tuple[str, int]]] | None = None,
                  device: str | None = None, labels: dict[tuple[int, int], str] | None = None) -> Program:
    """One reader/compute/writer triple per core running that core's steps (see stages/__init__.py)."""
    p = Program(name=name, device=device)
    staging = staging_sizes(steps, {b.name: b.dtype for b in buffers})
    for b in buffers:
        p.dram_buffer(b.name, b.shape, b.dtype, b.role, b.layout, b.source)
    formats = {b.name: b.dtype for b in buffers}
    layouts = core_layouts(steps, formats)
    for core in sorted(steps, key=lambda c: (c[1], c[0])):
        block, unit = layouts[core][0], el_unit(steps[core])
        core_steps = [{**s, "cb_block": block} if s["op"] in MATMULS else {**s, "el_unit": unit} if unit > 1 else s
                      for s in steps[core]]
        for sem_id in sorted(_waited_semaphores(core_steps)):
            p.semaphore(core, sem_id)  # the semaphores this core waits on
        for buf, nbytes in staging.get(core, {}).items():  # first, so they sit at one L1 address on every core
            p.l1_buffer(core, buf, nbytes)
        need = cbs[core] if cbs is not None else layouts[core][1]
        for cb_id, (fmt, pages) in sorted(need.items()):
            p.circular_buffer(core, cb_id, fmt, pages, _cb_name(cb_id, fmt), 32 if cb_id == CB_CTRL else None)
        label = (labels or {}).get(core, "")
        for role, fn in (("reader", reader), ("compute", compute), ("writer", writer)):
            p.kernel(core, role, function_ref(fn), {"steps": core_steps}, label=label)  # by name: JSON-able
    return p


def _waited_semaphores(steps: list[dict]) -> set[int]:
    ids = {w[0] for s in steps for w in s.get("wait", ())}
    for s in steps:
        for m in (s.get("mcast") or {}).values():
            if m:
                ids |= {*m["ready"], *m["valid"]}
    return ids
