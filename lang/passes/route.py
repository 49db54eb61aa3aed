"""route: decide how data and readiness travel between ops.

Each op's output gets a semaphore. A consumer core waits only for the producer cores that write pages it
reads (each step says which: Step.reads and Step.writes, tensix/schedule/contract.py), and each producer writer
signals exactly the cores that wait for it, so ops split alike hand over core to core. An `@noc(k)` annotation
makes the op's reads and writes use NoC k (default: reads on NoC 1, writes on NoC 0, as NCRISC/BRISC do). A
multicast grid matmul moves everything on NoC 0 unless annotated: its DRAM reads then go x first from the DRAM
columns; measured on 10 shapes on wormhole_n150 and blackhole_p150, 8 took 1.01-1.51x fewer cycles, 2 took 4-8%
more, and a GPT-2 block 24% fewer. A skipping decode matmul (`matmul_rows` on the dense decode plan's cores) does
the same, as the dense plan it is measured against: on its reader's NoC 1, sparse_down_proj at 0% sparsity
took 95,237 cycles against 44,648 on NoC 0 (measured on the plan before its per-k-step choice).
"""

from __future__ import annotations

from dataclasses import replace
from operator import itemgetter

from tensix.lang.ir import FIDELITIES, Graph
from tensix.programs.stages.layout import SLOTS, split_parts_nbytes
from tensix.schedule.contract import Mcast, Op, Signal, Wait
from tensix.schedule.split import MatmulSplit

Core = tuple[int, int]
_by_row = itemgetter(1, 0)  # cores in (y, x) order


def _through_views(graph: Graph) -> dict[str, str]:
    """Each value read through views (which have no steps) -> the value whose producer writes the pages."""
    real: dict[str, str] = {}
    for n in graph.nodes:
        if n.op == Op.VIEW:
            real[n.id] = real.get(n.inputs[0], n.inputs[0])
    return real


def _inputs(n, real: dict[str, str]) -> list[str]:
    """The node's inputs, views replaced by the values they read, each once."""
    return list(dict.fromkeys(real.get(i, i) for i in n.inputs))


def route(graph: Graph) -> Graph:
    producer = {n.id: n for n in graph.nodes}
    buffers = graph.meta["buffers"]
    real = _through_views(graph)
    sem = {n.id: i for i, n in enumerate(graph.nodes)}
    needs = _producers_needed(graph, producer, real)
    signals: dict[tuple[str, Core], list[Core]] = {}  # (producer value, its core) -> the cores waiting for it
    for (core, ref), cores in needs.items():
        for c in cores:
            signals.setdefault((ref, c), []).append(core)
    nodes = []
    next_sem = len(graph.nodes)  # multicast handshakes take ids after the one-per-op readiness semaphores
    parts_at = 0  # k-split matmuls: each op's partials in its own range of the `split_parts` L1 buffer
    for n in graph.nodes:
        steps = dict(n.attrs["_steps"])
        if any(_mcast(step) for step in steps.values()):
            _number_mcast(steps, next_sem)
            next_sem += 4 * SLOTS
        if any(isinstance(step, MatmulSplit) for step in steps.values()):  # its partials' semaphore and slots
            parts_at += _number_split(steps, next_sem, parts_at)
            next_sem += 1
        if any(getattr(step, "parts", None) and step.op == Op.ROW for step in steps.values()):  # partials landed
            steps = {core: replace(step, sem=next_sem) for core, step in steps.items()}
            next_sem += 1
        label, src = _label(n), str(n.pos) if n.pos else ""
        fidelity = FIDELITIES.get(n.annotations.fidelity or graph.fidelity)  # None: the device default
        refs = [ref for ref in _inputs(n, real) if ref in producer]
        for core, step in steps.items():
            waits = tuple(Wait(sem[ref], len(needs[core, ref]), "writer" if _spread_only(step, buffers[ref]) else "")
                          for ref in refs if needs.get((core, ref)))
            signal_to = sorted(signals.get((n.id, core), ()), key=_by_row)
            signal = (Signal(sem[n.id], tuple(signal_to)),) if signal_to else ()
            noc = step.noc
            if n.annotations.noc is not None:
                noc = n.annotations.noc
            elif noc is None and _mcast(step) and step.op in (Op.MATMUL, Op.MATMUL_ROWS):  # measured: module docstring
                noc = 0
            steps[core] = replace(step, wait=waits, signal=signal, label=label, src=src, noc=noc, fidelity=fidelity)
        nodes.append(replace(n, attrs={**n.attrs, "_steps": steps}))
    return replace(graph, nodes=tuple(nodes))


def _producers_needed(graph: Graph, producer: dict, real: dict[str, str]) -> dict[tuple[Core, str], set[Core]]:
    """(consumer core, producer value) -> the producer cores whose pages that core reads, over all the ops it
    runs (one semaphore per producer: a core consuming it twice waits for the union both times)."""
    buffers = graph.meta["buffers"]
    writer_of = {n.id: {p: core for core, step in n.attrs["_steps"].items() for p in step.writes()}
                 for n in graph.nodes}
    every = {n.id: set(n.attrs["_steps"]) for n in graph.nodes}
    needs: dict[tuple[Core, str], set[Core]] = {}
    for n in graph.nodes:
        refs = [ref for ref in _inputs(n, real) if ref in producer]
        for core, step in n.attrs["_steps"].items():
            reads = step.reads(core)
            for ref in refs:
                if buffers[ref] not in reads:
                    continue
                pages = reads[buffers[ref]]
                wrote = writer_of[ref]
                cores = every[ref] if pages is None else set(map(wrote.get, pages)) - {None}
                needs.setdefault((core, ref), set()).update(cores)
    return needs


def _spread_only(step, buffer: str) -> bool:
    """Whether `buffer` is only the spread activation row of a decode matmul step (Share.senders), which its writer
    moves: its reader then streams the weights without waiting for that row's producers."""
    m = _mcast(step)
    return bool(m and m.a and m.a.senders and buffer == step.a and buffer not in (step.b, step.bias))


def _label(n) -> str:
    return f"{n.attrs.get('source_op', n.op)} %{n.id.split('.')[0]}"


def _mcast(step) -> Mcast | None:
    return getattr(step, "mcast", None)


def _number_mcast(steps: dict, base: int) -> None:
    """Semaphore ids of one multicast matmul: per operand (activation rows, then weight columns) one `ready`
    and one `valid` semaphore for each of the SLOTS units its operand CB holds (stages/mcast.py)."""
    for core, step in steps.items():
        m = step.mcast
        shares = {key: replace(share, ready=tuple(base + 2 * SLOTS * i + j for j in range(SLOTS)),
                               valid=tuple(base + 2 * SLOTS * i + SLOTS + j for j in range(SLOTS)))
                  for i, (key, share) in enumerate((("a", m.a), ("b", m.b))) if share}
        steps[core] = replace(step, mcast=Mcast(**shares))


def _number_split(steps: dict, sem: int, parts_at: int) -> int:
    """A k-split matmul's semaphore (partials landed on a reducer) and its range of `split_parts`; its size."""
    for core, step in steps.items():
        steps[core] = replace(step, sem=sem, parts_at=parts_at)
    return max(split_parts_nbytes(s) for s in steps.values())
