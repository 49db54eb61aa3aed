"""The param cache (lang/param_cache.py): large random params read back from disk are bit for bit what drawing them
gives, for every seed, mean, std, shape and name; a damaged entry is drawn again; small params are not kept."""

import numpy as np
import pytest

from tensix.lang import param_cache
from tensix.lang.check import check_source
from tensix.lang.params import materialize

SOURCE = ("input x: fp32[32, 64]\nparam a: fp32[64, 64] = random(seed=1, std=0.5, mean=0.25)\n"
          "param b: fp32[64, 64] = random(std=0.1)\nparam c: fp32[64, 128] = random(seed=1, std=0.5, mean=0.25)\n"
          "param tiny: fp32[64] = random(seed=1)\noutput y = (x @ a + x @ b) @ c + tiny[0:0]\n")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TENSIX_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TENSIX_DEBUG", "0")
    monkeypatch.delenv("TENSIX_COMPILE_CACHE", raising=False)
    monkeypatch.setattr(param_cache, "MIN_VALUES", 64 * 64)
    draws = []
    real = param_cache.random_values

    def counting(name, spec, shape):
        draws.append(name)
        return real(name, spec, shape)

    monkeypatch.setattr(param_cache, "random_values", counting)
    return tmp_path / "cache" / "params", draws


def _graph(text=SOURCE):
    return check_source(text.replace(" + tiny[0:0]", ""), "p.tdf")


@pytest.mark.parametrize("seed", [0, 5])
def test_cached_params_are_bit_identical_to_drawn_ones(cache, seed):
    entries, draws = cache
    graph = _graph()
    drawn = materialize(graph, seed=seed)
    first = param_cache.random_params(graph, seed)
    again = param_cache.random_params(graph, seed)
    assert sorted(first) == ["a", "b", "c"] and draws == ["a", "b", "c"]  # the second call read them all
    for name in first:
        assert again[name].dtype == np.float32 and again[name].tobytes() == drawn[name].tobytes()
    assert len(list(entries.glob("*.npy"))) == 3


def test_each_key_has_its_own_entry(cache):
    entries, draws = cache
    param_cache.random_params(_graph(), 0)
    for change in ("std=0.5", "std=0.25"), ("mean=0.25", "mean=0.5"), ("param a", "param a2"):
        graph = _graph(SOURCE.replace(*change, 1).replace("x @ a +", "x @ a2 +" if "a2" in change[1] else "x @ a +"))
        values = param_cache.random_params(graph, 0)
        assert all(values[n].tobytes() == v.tobytes() for n, v in materialize(graph).items() if n in values)
    param_cache.random_params(_graph(), 7)  # b has no seed of its own: the run's seed is part of its key
    assert draws == ["a", "b", "c", "a", "a", "a2", "b"]  # c, declared as a but named apart, kept its entry


def test_a_damaged_entry_is_drawn_again(cache):
    entries, draws = cache
    graph = _graph()
    param_cache.random_params(graph, 0)
    for entry in entries.glob("*.npy"):
        entry.write_bytes(entry.read_bytes()[:200])
    values = param_cache.random_params(graph, 0)
    assert len(draws) == 6 and values["a"].tobytes() == materialize(graph)["a"].tobytes()


def test_off_nothing_is_kept(cache, monkeypatch):
    entries, _ = cache
    monkeypatch.setenv("TENSIX_COMPILE_CACHE", "0")
    assert param_cache.random_params(_graph(), 0) == {} and not entries.exists()


def test_runs_with_cached_params_save_what_runs_without_the_cache_save(cache, tmp_path, monkeypatch):
    from tensix.lang.driver import run_file

    entries, draws = cache
    path = tmp_path / "p.tdf"
    path.write_text(SOURCE.replace(" + tiny[0:0]", ""))
    outs = [run_file(str(path), out=str(tmp_path / name), seed=3)[1] for name in ("drawn", "read")]
    monkeypatch.setenv("TENSIX_COMPILE_CACHE", "0")
    outs.append(run_file(str(path), out=str(tmp_path / "off"), seed=3)[1])
    assert draws == ["a", "b", "c"]
    for name in ("params.npz", "outputs.npz", "trace.json", "stats.json"):
        assert len({(d / name).read_bytes() for d in outs}) == 1, name


def test_a_param_of_64k_values_is_kept_by_default(tmp_path, monkeypatch):
    """The default threshold keeps params far smaller than a GPT-2 weight (drawing 64K values takes several times
    as long as reading them back); a 64-value one is drawn each time."""
    monkeypatch.setenv("TENSIX_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TENSIX_DEBUG", "0")
    monkeypatch.delenv("TENSIX_COMPILE_CACHE", raising=False)
    graph = check_source("input x: fp32[32, 256]\nparam w: fp32[256, 256] = random(seed=3, std=0.1)\n"
                         "param t: fp32[64] = random(seed=4)\noutput y = x @ w\n", "p.tdf")
    values = param_cache.random_params(graph, 0)
    assert list(values) == ["w"] and len(list((tmp_path / "cache" / "params").glob("*.npy"))) == 1
    assert np.array_equal(values["w"], materialize(graph)["w"])
