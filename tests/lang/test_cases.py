"""The case files: every good program checks and runs; every bad one fails with exactly its `# error:` lines."""

import os
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import BAD, GOOD, HERE

from tensix.lang import ErrorList, check_file, check_placement, evaluate, verify

GOLDEN = HERE / "golden"
_EXPECTED = re.compile(r"# error: (?:(?P<where>\S+:\d+:\d+|\d+:\d+): )?(?P<message>.*)")


def _expected(path: Path) -> list[str]:
    lines = []
    for line in path.read_text().splitlines():
        match = _EXPECTED.fullmatch(line)
        if not match:
            break
        lines.append(f"{match['where']}: {match['message']}" if match["where"] else match["message"])
    return lines


def _actual(path: Path, e: ErrorList) -> list[str]:
    out = []
    for err in e.errors:
        if err.pos is None:
            out.append(err.message)
            continue
        where = f"{err.pos.line}:{err.pos.col}"
        if Path(err.pos.path) != path:
            where = f"{os.path.relpath(err.pos.path, path.parent)}:{where}"
        out.append(f"{where}: {err.message}")
    return out


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_case_checks(path):
    graph = verify(check_file(path), after="test")
    assert graph.outputs
    check_placement(graph, 8, 8)


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_case_evaluates(path):
    graph = check_file(path)
    rng = np.random.default_rng(0)
    inputs = {}
    for i in graph.inputs:
        if i.type.dtype == "int32":
            inputs[i.name] = rng.integers(0, i.type.shape[-1], size=i.type.shape)
        else:
            inputs[i.name] = rng.normal(size=i.type.shape)
    outputs = evaluate(graph, inputs)
    for o in graph.outputs:
        assert outputs[o.name].shape == o.type.shape
        assert np.isfinite(outputs[o.name]).all()


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_case_reports_expected_errors(path):
    expected = _expected(path)
    assert expected, f"{path.name} has no '# error:' header"
    with pytest.raises(ErrorList) as info:
        check_placement(check_file(path), 8, 8)
    assert _actual(path, info.value) == expected
    for err in info.value.errors:
        head = err.format().splitlines()[0]
        assert head.endswith(f"error: {err.message}")
        if err.pos is not None:
            assert head.startswith(f"{err.pos.path}:{err.pos.line}:{err.pos.col}: error: ")
            assert "^" in err.format()


GOLDEN_CASES = ["eltwise", "mlp", "attention_multi", "moe", "pipeline", "shapes_misc"]


@pytest.mark.parametrize("name", GOLDEN_CASES)
def test_golden_ir(name):
    rendered = check_file(HERE / "cases" / "good" / f"{name}.tdf").render()
    golden = GOLDEN / f"{name}.ir"
    if os.environ.get("TENSIX_UPDATE_GOLDEN"):
        golden.write_text(rendered)
    assert rendered == golden.read_text()
