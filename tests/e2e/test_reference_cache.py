"""`tensix run` keeps the numpy reference's outputs in the run directory: the next run of the same program on the same
inputs and params into it reads them instead of evaluating the graph, and any change evaluates it afresh."""

import zlib

import numpy as np
import pytest

from tensix.lang import driver, refcache
from tensix.lang.driver import run_file
from tensix.lang.reference import evaluate

SRC = "input x: fp32[32, 64]\nparam w: fp32[64, 32] = random(seed=1, std=0.1)\noutput y = relu(x @ w) * 2.0\n"


@pytest.fixture
def evaluations(monkeypatch) -> list:
    """Every reference evaluation run_file starts (the real evaluator still runs)."""
    calls = []

    def counted(*args, **kwargs):
        calls.append(args[1])
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(driver, "evaluate", counted)
    return calls


def _numpy(x: np.ndarray, factor: float) -> np.ndarray:
    """relu(x @ w) * factor in numpy, w as `random(seed=1, std=0.1)` makes it (seeded by (seed, crc32(name)))."""
    w = np.random.default_rng([1, zlib.crc32(b"w")]).normal(0.0, 0.1, (64, 32)).astype(np.float32)
    return np.maximum(x @ w, 0) * np.float32(factor)


def _reference_errors(result) -> list:
    return [(e.name, e.max_abs_error, e.max_abs_reference) for e in result.stats.reference]


def test_a_second_run_into_the_same_directory_reads_the_reference(tmp_path, evaluations):
    prog = tmp_path / "p.tdf"
    prog.write_text(SRC)
    first, out = run_file(str(prog), out=str(tmp_path / "run"))
    assert len(evaluations) == 1 and (out / refcache.FILE).is_file()
    np.testing.assert_allclose(np.load(out / refcache.FILE)["y"], _numpy(evaluations[0]["x"], 2.0), rtol=1e-5,
                               atol=1e-6)
    again, _ = run_file(str(prog), out=str(tmp_path / "run"))
    assert len(evaluations) == 1  # read, not evaluated
    assert _reference_errors(again) == _reference_errors(first) and first.stats.reference


@pytest.mark.parametrize("change", ["seed", "source", "directory", "damaged"])
def test_any_change_evaluates_the_reference_again(tmp_path, evaluations, change):
    prog = tmp_path / "p.tdf"
    prog.write_text(SRC)
    _, out = run_file(str(prog), out=str(tmp_path / "run"))
    seed, where = 0, "run"
    if change == "seed":  # other inputs
        seed = 1
    elif change == "source":
        prog.write_text(SRC.replace("* 2.0", "* 3.0"))
    elif change == "directory":
        where = "other"
    else:
        (out / refcache.FILE).write_bytes(b"not an npz")
    second, out2 = run_file(str(prog), out=str(tmp_path / where), seed=seed)
    assert len(evaluations) == 2
    saved = np.load(out2 / refcache.FILE)["y"]  # the new reference, not the old one
    np.testing.assert_allclose(saved, _numpy(evaluations[1]["x"], 3.0 if change == "source" else 2.0), rtol=1e-5,
                               atol=1e-6)
    assert second.stats.reference[0].max_abs_reference == pytest.approx(float(np.abs(saved).max()))


def test_no_check_keeps_no_reference(tmp_path, evaluations):
    prog = tmp_path / "p.tdf"
    prog.write_text(SRC)
    result, out = run_file(str(prog), out=str(tmp_path / "run"), check=False)
    assert not evaluations and not (out / refcache.FILE).exists() and result.stats.reference is None
