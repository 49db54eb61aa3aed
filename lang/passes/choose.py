"""Choosing between matmul plans the tile pass can run, by their cost estimates (lang/passes/costs.py): per-core
reads or the multicast grid matmul (and its k step), interleaved or DRAM-sharded decode weights.
"""

from __future__ import annotations

from dataclasses import fields
from functools import cache

from tensix.config import MeshConfig
from tensix.lang import pages
from tensix.lang.ir import FIDELITIES, Graph, Node
from tensix.lang.passes.costs import Estimate, Layout, estimate


def layouts(graph: Graph, names: dict, sharded: dict[str, tuple[int, ...]]) -> dict[str, Layout]:
    """Every DRAM buffer's layout for the estimates: interleaved, or the bands of a DRAM-sharded param."""
    out = {}
    for v, t in graph.types().items():
        out[names[v]] = Layout(pages.tiles(t.shape[-1]) if t.shape else 1, "fp32" if t.dtype == "int32" else t.dtype,
                               sharded.get(v, ()))
    return out


def fidelity(graph: Graph, n: Node) -> str:
    return FIDELITIES.get(n.annotations.fidelity or graph.fidelity) or "HiFi4"


def cheapest(options: list[dict], lays: dict[str, Layout], cfg: MeshConfig, fid: str,
             memo: dict | None = None) -> tuple[int, list[Estimate]]:
    """The index of the plan ({core: step}) with the lowest estimate (the first on a tie), and every estimate.
    `memo`: estimates already made in this compile, by what they depend on (a 12-layer model repeats each layer's
    matmuls with other buffer names but the same shapes and layouts: estimated once, not twelve times)."""
    costs = []
    for steps in options:
        key = None if memo is None else (_key(steps, lays), fid)
        if key is None or key not in memo:
            cost = estimate(steps, lays, cfg, fidelity=fid)
            if key is None:
                costs.append(cost)
                continue
            memo[key] = cost
        costs.append(memo[key])
    return min(range(len(options)), key=lambda i: costs[i].cycles), costs


def _key(steps: dict, lays: dict[str, Layout]) -> tuple:
    """What an estimate reads of a plan: every step with its buffers' layouts in place of their names, and none of
    its fused chain, handshakes or source position (costs.estimate reads none of them)."""
    def canon(s):
        kept = _kept(type(s))
        return (type(s), *(lays[v] if f in _NAMED and v is not None else v for f in kept for v in (getattr(s, f),)))
    return tuple((core, canon(s)) for core, s in steps.items())


_NAMED = frozenset(("a", "b", "out", "bias"))  # buffer names: the key holds their layouts
_IGNORED = frozenset(("chain", "wait", "signal", "label", "src", "at"))


@cache
def _kept(kind: type) -> tuple[str, ...]:
    """A step type's fields an estimate may read (a tuple per step, not a dataclasses.replace: that was a third of
    the tile pass on a 12-layer GPT-2)."""
    return tuple(f.name for f in fields(kind) if f.name not in _IGNORED)
