"""emit: the placed, routed graph as a Program: DRAM buffers plus each core's step list, in graph order.

Every core runs its steps in the same global order, which is a topological order, so no core can wait
on a step that waits on it.
"""

from __future__ import annotations

from tensix.lang.ir import Graph
from tensix.lang.passes.alloc import device_dtype
from tensix.lang.passes.tile import rows_name
from tensix.program import BufferSpec, Program
from tensix.programs.stages.build import build_program


def emit(graph: Graph, device: str | None = None) -> Program:
    names = graph.meta["buffers"]
    outputs = {o.value for o in graph.outputs}
    buffers = [BufferSpec(i.name, i.type.shape, device_dtype(i.type.dtype), "input") for i in graph.inputs]
    rows = graph.meta.get("layouts", {})
    buffers += [BufferSpec(p.name, p.type.shape, device_dtype(p.type.dtype), "param") for p in graph.params]
    buffers += [BufferSpec(rows_name(p.name), p.type.shape, device_dtype(p.type.dtype), "param", "rows", p.name)
                for p in graph.params if p.name in rows]
    buffers += [BufferSpec(names[n.id], n.type.shape, device_dtype(n.type.dtype),
                           "output" if n.id in outputs else "scratch") for n in graph.nodes]
    steps: dict[tuple[int, int], list[dict]] = {}
    for n in graph.nodes:
        for core, step in n.attrs["_steps"].items():
            steps.setdefault(core, []).append(step)
    return build_program(graph.name, buffers, steps, cbs=graph.meta.get("cbs"), device=device)
