"""route: decide how data and readiness travel between ops.

Each op's output gets a semaphore; consumer cores wait until every producer core has signalled, and
producer writers signal exactly the cores that consume their output. An `@noc(k)` annotation makes the
op's reads and writes use NoC k (default: reads on NoC 1, writes on NoC 0, as NCRISC/BRISC do).
"""

from __future__ import annotations

from dataclasses import replace

from tensix.lang.ir import Graph


def route(graph: Graph) -> Graph:
    producer = {n.id: n for n in graph.nodes}
    sem = {n.id: i for i, n in enumerate(graph.nodes)}
    consumers: dict[str, set] = {}
    for n in graph.nodes:
        for ref in n.inputs:
            if ref in producer:
                consumers.setdefault(ref, set()).update(n.attrs["_steps"])
    nodes = []
    next_sem = len(graph.nodes)  # multicast handshakes take ids after the one-per-op readiness semaphores
    for n in graph.nodes:
        if any(step.get("mcast") for step in n.attrs["_steps"].values()):
            _number_mcast(n.attrs["_steps"], next_sem)
            next_sem += 4
        waits = [[sem[ref], len(producer[ref].attrs["_steps"])] for ref in dict.fromkeys(n.inputs) if ref in producer]
        signal_to = [list(c) for c in sorted(consumers.get(n.id, ()), key=lambda c: (c[1], c[0]))]
        signal = [[sem[n.id], signal_to]] if signal_to else None
        label, src = _label(n), str(n.pos) if n.pos else ""
        steps = {}
        for core, step in n.attrs["_steps"].items():
            step = {**step, "wait": waits, "label": label, "src": src}
            if signal:
                step["signal"] = signal
            if n.annotations.noc is not None:
                step["noc"] = n.annotations.noc
            steps[core] = step
        nodes.append(replace(n, attrs={**n.attrs, "_steps": steps}))
    return replace(graph, nodes=tuple(nodes))


def _label(n) -> str:
    return f"{n.attrs.get('source_op', n.op)} %{n.id.split('.')[0]}"


def _number_mcast(steps: dict, base: int) -> None:
    """Semaphore ids of one multicast matmul: (ready, valid) for the activation rows, then the weight columns."""
    for step in steps.values():
        m = step["mcast"]
        step["mcast"] = {key: {**m[key], "ready": base + 2 * i, "valid": base + 2 * i + 1}
                         for i, key in enumerate(("a", "b")) if m.get(key)}
