"""`--zero-threshold` on the real models: per layer, the fraction of the matmul MACs threshold skipping skipped,
read from a run's zero-skip stats (each stats row names its op as the trace does; the weight param that op reads
names its layer, `layers.{i}.`), and how far the output moved from the dense run's."""

from __future__ import annotations

import re

import numpy as np

from tensix.lang.ir import Graph
from tensix.lang.passes.route import _label as op_label
from tensix.stats import Stats

__all__ = ["cosines", "fractions", "layer_of_ops", "macs_by_layer", "skipped_by_layer"]

_LAYER = re.compile(r"(?:^|\.)layers\.(\d+)\.")


def layer_of_ops(lowered: Graph) -> dict[str, int]:
    """Op label (`matmul %12`, as stats and trace name it) -> the layer of the weight param it reads."""
    params = {p.name for p in lowered.params}
    out = {}
    for n in lowered.nodes:
        layers = [int(m.group(1)) for ref in n.inputs if ref in params and (m := _LAYER.search(ref))]
        if layers:
            out[op_label(n)] = layers[0]
    return out


def macs_by_layer(stats: Stats, lowered: Graph) -> dict[int, tuple[int, int]]:
    """Layer -> (MACs skipped, MACs) of one run's ops that read that layer's weights."""
    layers = layer_of_ops(lowered)
    sums: dict[int, tuple[int, int]] = {}
    for op in stats.zero_skip.ops if stats.zero_skip else ():
        if op.op in layers:
            s, t = sums.get(layers[op.op], (0, 0))
            sums[layers[op.op]] = (s + op.macs_skipped, t + op.macs_total)
    return sums


def fractions(runs: list[dict[int, tuple[int, int]]]) -> dict[int, float]:
    """Layer -> MACs skipped / MACs over several runs' macs_by_layer."""
    sums: dict[int, list[int]] = {}
    for run in runs:
        for layer, (s, t) in run.items():
            row = sums.setdefault(layer, [0, 0])
            row[0] += s
            row[1] += t
    return {layer: s / t if t else 0.0 for layer, (s, t) in sorted(sums.items())}


def skipped_by_layer(stats: Stats, lowered: Graph) -> dict[int, float]:
    """Layer -> MACs skipped / MACs of one run."""
    return fractions([macs_by_layer(stats, lowered)])


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of each row of `a` with the same row of `b`."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return (a * b).sum(-1) / np.maximum(np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1), 1e-300)
