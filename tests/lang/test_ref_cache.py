"""The reference cache (lang/ref_cache.py): a run of a graph on inputs and params it ran on before reads the numpy
reference's outputs back (bit for bit what evaluating gives, so the same stats.json); other inputs, params, source
or code evaluate again, as does a damaged entry; TENSIX_COMPILE_CACHE=0 turns it off."""

import numpy as np
import pytest

from tensix.lang import ref_cache
from tensix.lang.compiler import check_file
from tensix.lang.driver import run_file
from tensix.lang.reference import evaluate

SOURCE = "input x: bf16[64, 64]\nparam w: bf16[64, 64] = random(seed=1, std=0.1)\noutput y = relu(x @ w)\n"


@pytest.fixture
def evaluations(tmp_path, monkeypatch):
    monkeypatch.setenv("TENSIX_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TENSIX_DEBUG", "0")  # tests verify every pass (conftest), which turns the caches off
    monkeypatch.delenv("TENSIX_COMPILE_CACHE", raising=False)
    calls = []

    def counting(graph, inputs, params, stored=True):
        calls.append(graph.name)
        return evaluate(graph, inputs, params, stored=stored)

    monkeypatch.setattr(ref_cache, "evaluate", counting)
    return calls


def _run(tmp_path, name, source=SOURCE, **options):
    path = tmp_path / "p.tdf"
    path.write_text(source)
    result, d = run_file(str(path), out=str(tmp_path / name), **options)
    return result, (d / "stats.json").read_text()


def _entries(tmp_path):
    return sorted((tmp_path / "cache" / "reference").glob("*.npz"))


def test_a_second_run_reads_the_reference_back_with_the_same_stats(evaluations, tmp_path, monkeypatch):
    first, stats = _run(tmp_path, "a")
    again, stats_again = _run(tmp_path, "b")
    assert len(evaluations) == 1 and len(_entries(tmp_path)) == 1
    assert stats_again == stats and first.stats.reference == again.stats.reference
    assert first.stats.reference and first.stats.reference[0].max_abs_error > 0  # bf16 against float32: not zero
    with np.load(_entries(tmp_path)[0]) as kept:  # what evaluating gives, bit for bit
        x = np.load(tmp_path / "a" / "inputs.npz")["x"]
        w = np.load(tmp_path / "a" / "params.npz")["w"]
        assert np.allclose(kept["y"], np.maximum(x @ w, 0), rtol=1e-5, atol=1e-6)
        assert kept["y"].tobytes() == evaluate(check_file(str(tmp_path / "p.tdf")), {"x": x}, {"w": w},
                                               stored=False)["y"].tobytes()
    monkeypatch.setenv("TENSIX_COMPILE_CACHE", "0")  # off: evaluated afresh, the same stats
    assert _run(tmp_path, "c")[1] == stats and len(evaluations) == 2


def test_other_inputs_params_source_or_code_evaluate_again(evaluations, tmp_path, monkeypatch):
    _run(tmp_path, "a")
    _run(tmp_path, "b", seed=1)  # other inputs
    assert len(evaluations) == 2
    _run(tmp_path, "c", source=SOURCE.replace("std=0.1", "std=0.2"))  # other params, same inputs
    assert len(evaluations) == 3
    _, gelu = _run(tmp_path, "d", source=SOURCE.replace("relu", "gelu"))  # same inputs and params, other graph
    assert len(evaluations) == 4
    monkeypatch.setattr(ref_cache, "code_fingerprint", lambda: "edited")  # an edited reference.py
    _, edited = _run(tmp_path, "e", source=SOURCE.replace("relu", "gelu"))
    assert len(evaluations) == 5 and edited == gelu and len(_entries(tmp_path)) == 5


def test_a_damaged_entry_is_evaluated_again(evaluations, tmp_path):
    _, stats = _run(tmp_path, "a")
    entry = _entries(tmp_path)[0]
    entry.write_bytes(entry.read_bytes()[:40])  # cut off
    assert _run(tmp_path, "b")[1] == stats and len(evaluations) == 2
    assert _run(tmp_path, "c")[1] == stats and len(evaluations) == 2  # written whole again


def test_off_keeps_nothing(evaluations, tmp_path, monkeypatch):
    monkeypatch.setenv("TENSIX_COMPILE_CACHE", "0")
    _run(tmp_path, "a")
    _run(tmp_path, "b")
    assert len(evaluations) == 2 and not _entries(tmp_path)


def test_the_most_recently_used_entries_stay_within_max_bytes(evaluations, tmp_path, monkeypatch):
    _run(tmp_path, "a")
    size = _entries(tmp_path)[0].stat().st_size
    monkeypatch.setattr(ref_cache, "MAX_BYTES", size)  # room for one entry (each here is of the same size)
    _run(tmp_path, "b", seed=1)
    assert len(_entries(tmp_path)) == 1 and len(evaluations) == 2
    _run(tmp_path, "c", seed=1)  # the newest stayed: read back
    _run(tmp_path, "d")  # the first went: evaluated again
    assert len(evaluations) == 3
