"""emit: the placed, routed, allocated graph as a Schedule: tensors (in DRAM, or in L1 shards where reside put
them) plus each core's schedule (alloc's, with reside's shards).

Every core runs its steps in the same global order, which is a topological order, so no core can wait
on a step that waits on it.
"""

from __future__ import annotations

from dataclasses import replace

from tensix.lang.ir import Graph
from tensix.lang.passes.alloc import device_dtype
from tensix.lang.passes.tile import rows_name
from tensix.ops import Op
from tensix.schedule.contract import DramBuffer, Schedule


def emit(graph: Graph, device: str) -> Schedule:
    bases = graph.meta.get("dram", {})  # bank offsets (passes/alloc.py alloc_dram)
    buffers = [replace(b, base=bases.get(b.name)) for b in dram_buffers(graph)]
    source = next(iter(graph.meta.get("sources", {})), "")
    return Schedule(graph.name, device, source, graph.meta["semaphores"], tuple(buffers), graph.meta["cores"])


def dram_buffers(graph: Graph) -> list[DramBuffer]:
    """Every tensor of the program, in the order the device allocates them: inputs, params (and their row-major
    copies), then every op's output in program order; those reside keeps in L1 marked so."""
    names = graph.meta["buffers"]
    outputs = {o.value for o in graph.outputs}
    state = graph.meta.get("state", {})  # state name -> its update output
    updates = {o.value: s for s, name in state.items() for o in graph.outputs if o.name == name}
    buffers = [DramBuffer(i.name, i.type.shape, device_dtype(i.type.dtype), "state" if i.name in state else "input")
               for i in graph.inputs]
    rows = graph.meta.get("layouts", {})
    sharded = graph.meta.get("sharded", {})  # weights of DRAM-sharded decode matmuls: a column band per bank
    buffers += [DramBuffer(p.name, p.type.shape, device_dtype(p.type.dtype), "param",
                           **({"layout": "sharded", "bank_cols": sharded[p.name]} if p.name in sharded else {}))
                for p in graph.params]
    buffers += [DramBuffer(rows_name(p.name), p.type.shape, device_dtype(p.type.dtype), "param", "rows", p.name)
                for p in graph.params if p.name in rows]
    buffers += [DramBuffer(names[n.id], n.type.shape, device_dtype(n.type.dtype), "state_next", source=updates[n.id])
                if n.id in updates else
                DramBuffer(names[n.id], n.type.shape, device_dtype(n.type.dtype),
                           "output" if n.id in outputs else "scratch") for n in graph.nodes if n.op != Op.VIEW]
    l1 = graph.meta.get("l1", {})  # tensors living in L1 shards (passes/reside.py)
    return [replace(b, memory="l1") if b.name in l1 else b for b in buffers]
