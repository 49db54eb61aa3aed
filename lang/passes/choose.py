"""Choosing between matmul plans the tile pass can run, by their cost estimates (lang/passes/costs.py): per-core
reads or the multicast grid matmul (and its k step), interleaved or DRAM-sharded decode weights.
"""

from __future__ import annotations

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


def cheapest(options: list[dict], lays: dict[str, Layout], cfg: MeshConfig, fid: str) -> tuple[int, list[Estimate]]:
    """The index of the plan ({core: step}) with the lowest estimate (the first on a tie), and every estimate."""
    costs = [estimate(steps, lays, cfg, fidelity=fid) for steps in options]
    return min(range(len(options)), key=lambda i: costs[i].cycles), costs
