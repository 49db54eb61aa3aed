"""Every example in examples/ compiles, runs on the emulated mesh and matches its hand-written numpy reference.

Two references meet here: `examples/reference.py` (plain float64 formulas, one function per example) and the
language's own `tensix.lang.evaluate`. They must agree to float32 rounding; the device must agree with them
to the rounding of the example's narrowest data format.
"""

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from tensix.lang import evaluate, materialize
from tensix.lang.compiler import Compiled, compile_file
from tensix.lang.driver import make_inputs, run_compiled

from tensix.mesh import RunResult

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
FILES = sorted(EXAMPLES_DIR.glob("*.tdf"))
STEMS = [p.stem for p in FILES]
SEED = 0

# Machine epsilon (the gap between 1 and the next value) of each float format: 8 and 24 significant bits.
EPSILON = {"bf16": 2.0**-7, "fp32": 2.0**-23}
# How many epsilons of the output's largest magnitude M a device output may be off by, per narrowest format:
# - bf16: the device rounds inputs, weights, every stored intermediate and the output to bf16 (up to eps/2 each).
#   Layernorm, softmax and residual adds keep the values that reach an output near its scale, so its error is
#   a handful of such roundings; 4 eps is 3.1% of M. (The examples measure 0.4-0.8 eps; a missing bias row,
#   a misplaced tile or a dropped mask costs far more.)
# - fp32: formats round nothing extra; the error is float32 arithmetic against float64, where a sum of K terms
#   carries about log2(K) <= 10 eps of its terms' scale for the K <= 768 used here: 16 eps.
DEVICE_EPS = {"bf16": 4, "fp32": 16}
# The two numpy references both compute in float32 at worst (evaluate) and float64 (reference.py).
REFERENCES_EPS = 16


def _load_reference_module():
    spec = importlib.util.spec_from_file_location("examples_reference", EXAMPLES_DIR / "reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REFERENCE = _load_reference_module()


@dataclass
class ExampleRun:
    compiled: Compiled
    inputs: dict[str, np.ndarray]
    params: dict[str, np.ndarray]
    result: RunResult


@functools.cache
def _compiled(stem: str) -> Compiled:
    return compile_file(EXAMPLES_DIR / f"{stem}.tdf")


@functools.cache
def _run(stem: str) -> ExampleRun:
    """Compile and run one example once per session (several tests look at the same run)."""
    compiled = _compiled(stem)
    inputs = make_inputs(compiled.graph, SEED)
    result, _ = run_compiled(compiled, inputs)
    return ExampleRun(compiled, inputs, materialize(compiled.graph), result)


def _narrowest_format(compiled: Compiled) -> str:
    """The least precise float format of any value (a bfp8_b example would need a tolerance of its own)."""
    order = ("fp32", "bf16", "bfp8_b")
    return max((t.dtype for t in compiled.graph.types().values() if t.dtype in order), key=order.index)


def _reference(stem: str, inputs: dict[str, np.ndarray], params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return REFERENCE.EXAMPLES[stem](inputs, params)


def _max_error(actual: np.ndarray, expected: np.ndarray) -> tuple[float, float]:
    """(largest absolute difference, largest magnitude of `expected`)."""
    return float(np.max(np.abs(actual - expected))), float(np.max(np.abs(expected)))


# ---- coverage: the examples folder, the references and these tests line up ----


def test_examples_are_numbered_from_01_without_gaps():
    assert [stem[:3] for stem in STEMS] == [f"{i:02d}_" for i in range(1, len(STEMS) + 1)]
    assert len(STEMS) >= 7


def test_every_file_in_examples_is_covered():
    """Each .tdf has a reference function and is parametrized below; the only other files are reference.py and the
    __init__.py that makes the folder the installed package tensix.examples (and metal/, tt-metal's examples,
    covered by tests/tensix/metal/test_metal_examples.py)."""
    others = sorted(p.name for p in EXAMPLES_DIR.iterdir()
                    if p.suffix != ".tdf" and p.name not in ("__pycache__", "metal"))
    assert others == ["__init__.py", "reference.py"]
    assert sorted(REFERENCE.EXAMPLES) == STEMS
    for stem in STEMS:
        assert REFERENCE.EXAMPLES[stem].__name__ == f"ex{stem}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_example_opens_with_a_comment_saying_what_and_how_to_run(path):
    lines = path.read_text().splitlines()
    head = lines[:next(i for i, line in enumerate(lines) if not line.startswith("#"))]
    assert len(head) >= 3 and len(head[0]) > 20
    assert any(f"tensix run examples/{path.name}" in line for line in head)


# ---- correctness ----


@pytest.mark.parametrize("stem", STEMS)
def test_references_agree(stem):
    """The hand-written reference and the language's evaluate compute the same graph (float32 rounding)."""
    compiled = _compiled(stem)
    inputs = make_inputs(compiled.graph, SEED)
    params = materialize(compiled.graph)
    spec = evaluate(compiled.graph, inputs, params)
    mine = _reference(stem, inputs, params)
    assert sorted(mine) == sorted(spec) == sorted(o.name for o in compiled.graph.outputs)
    for name in spec:
        assert mine[name].shape == spec[name].shape
        error, magnitude = _max_error(spec[name], mine[name])
        assert error <= REFERENCES_EPS * EPSILON["fp32"] * magnitude, (name, error, magnitude)


@pytest.mark.parametrize("stem", STEMS)
def test_example_runs_on_the_mesh_and_matches_the_reference(stem):
    run = _run(stem)
    mine = _reference(stem, run.inputs, run.params)
    fmt = _narrowest_format(run.compiled)
    assert run.result.cycles > 0
    for name, expected in mine.items():
        got = run.result.outputs[name]
        assert got.shape == expected.shape
        error, magnitude = _max_error(got, expected)
        assert error <= DEVICE_EPS[fmt] * EPSILON[fmt] * magnitude, (name, fmt, error, magnitude)


@pytest.mark.parametrize("stem", STEMS)
def test_the_run_records_its_distance_from_the_reference(stem):
    run = _run(stem)
    stats = run.result.stats
    assert sorted(stats["reference"]) == sorted(o.name for o in run.compiled.graph.outputs)
    for entry in stats["reference"].values():
        assert 0 <= entry["max_abs_error"] < entry["max_abs_reference"]


def test_fp32_examples_are_exercised():
    """At least one example runs in fp32 and one in bf16, so both tolerances above are put to use."""
    assert {_narrowest_format(_compiled(stem)) for stem in STEMS} == {"bf16", "fp32"}


# ---- placement: the pipeline's layers run on their own regions of the grid, at the same time ----


def _work_spans(run: ExampleRun):
    """Compute spans that do work (not waits), with the source node each belongs to."""
    for span in run.result.trace.spans:
        if span.role == "compute" and span.op and not span.name.startswith("wait"):
            yield span, run.compiled.graph.node(span.op.split("%")[1])


def _sources(graph) -> dict[str, frozenset[str]]:
    """For each node, the graph inputs it depends on."""
    deps = {i.name: frozenset([i.name]) for i in graph.inputs} | {p.name: frozenset() for p in graph.params}
    for n in graph.nodes:
        deps[n.id] = frozenset().union(*(deps[i] for i in n.inputs))
    return deps


def test_pipeline_layers_run_on_disjoint_core_regions():
    run = _run("07_pipeline")
    cores: dict[str, set] = {}
    for span, node in _work_spans(run):
        cores.setdefault(node.annotations.region, set()).add(span.core)
    assert sorted(cores) == ["layer1", "layer2"]
    assert cores["layer1"] == {(x, y) for x in range(8) for y in range(0, 4)}
    assert cores["layer2"] == {(x, y) for x in range(8) for y in range(4, 8)}


def test_pipeline_overlaps_layer2_on_one_micro_batch_with_layer1_on_the_next():
    run = _run("07_pipeline")
    deps = _sources(run.compiled.graph)
    busy: dict[tuple[str, str], list[int]] = {}
    for span, node in _work_spans(run):
        (batch,) = deps[node.id]
        window = busy.setdefault((node.annotations.region, batch), [span.start, span.end])
        window[:] = [min(window[0], span.start), max(window[1], span.end)]
    l1_x0, l1_x1, l2_x0 = busy["layer1", "x0"], busy["layer1", "x1"], busy["layer2", "x0"]
    assert l2_x0[0] > l1_x0[1]  # layer 2 starts on micro-batch 0 once layer 1 has finished it
    assert l2_x0[0] < l1_x1[1] and l1_x1[0] < l2_x0[1]  # ... while layer 1 works on micro-batch 1
