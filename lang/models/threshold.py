"""`--zero-threshold` on the real models: per layer, the fraction of the matmul MACs threshold skipping skipped,
read from a run's zero-skip stats (each stats row names its op as the trace does; the weight param that op reads
names its layer, `layers.{i}.`), and how far the output moved from the dense run's."""

from __future__ import annotations

import re

import numpy as np

from tensix.lang.ir import Graph
from tensix.lang.passes.route import _label as op_label
from tensix.stats import Stats

__all__ = ["cosines", "layer_of_ops", "skipped_by_layer"]

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


def skipped_by_layer(stats: list[Stats], lowered: Graph) -> dict[int, float]:
    """Layer -> MACs skipped / MACs, summed over the runs' ops that read that layer's weights."""
    layers = layer_of_ops(lowered)
    sums: dict[int, list[int]] = {}
    for st in stats:
        for op in st.zero_skip.ops if st.zero_skip else ():
            if op.op in layers:
                row = sums.setdefault(layers[op.op], [0, 0])
                row[0] += op.macs_skipped
                row[1] += op.macs_total
    return {layer: s / t if t else 0.0 for layer, (s, t) in sorted(sums.items())}


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of each row of `a` with the same row of `b`."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return (a * b).sum(-1) / np.maximum(np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1), 1e-300)
