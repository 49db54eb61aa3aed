"""The param cache (lang/param_cache.py): large random params read back from disk are bit for bit what drawing them
gives, for every seed, mean, std, shape and name; a damaged entry is drawn again; small params are not kept."""

import json

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


def test_each_entry_keeps_the_hash_of_its_values_and_a_damaged_hash_is_taken_again(cache):
    from tensix.rundir import array_hash

    entries, draws = cache
    graph = _graph()
    drawn, read = {}, {}
    first = param_cache.random_params(graph, 0, drawn)
    assert drawn == {name: array_hash(v) for name, v in first.items()}
    sidecar = next(iter(entries.glob("*.npy.sha256")))
    sidecar.write_text("not a hash")
    again = param_cache.random_params(graph, 0, read)
    assert read == drawn and draws == ["a", "b", "c"] and len(sidecar.read_text()) == 64
    assert {name: array_hash(v) for name, v in again.items()} == read


def test_a_runs_record_holds_the_same_param_hashes_with_the_cache_and_without(cache, tmp_path, monkeypatch):
    from tensix.lang.driver import run_file

    path = tmp_path / "p.tdf"
    path.write_text(SOURCE.replace(" + tiny[0:0]", ""))
    outs = [run_file(str(path), out=str(tmp_path / name), seed=2)[1] for name in ("drawn", "read")]
    monkeypatch.setenv("TENSIX_COMPILE_CACHE", "0")
    outs.append(run_file(str(path), out=str(tmp_path / "off"), seed=2)[1])
    records = [json.loads((d / "run.json").read_text()) for d in outs]
    assert records[0]["params"] == records[1]["params"] == records[2]["params"]
    assert sorted(records[0]["params"]) == ["a", "b", "c", "tiny"]  # tiny: too small to keep, hashed as drawn


def _params(d):
    with np.load(d / "params.npz") as f:
        return {k: f[k] for k in f.files}


def test_a_run_of_params_saved_before_copies_that_runs_file_and_one_rewritten_since_is_not_copied(cache, tmp_path):
    from tensix.lang.driver import run_file
    from tensix.lang.param_cache import write_params_file
    from tensix.lang.rerun import rerun

    path = tmp_path / "p.tdf"
    path.write_text(SOURCE.replace(" + tiny[0:0]", ""))
    first = run_file(str(path), out=str(tmp_path / "first"), seed=1)[1]
    kept = next((tmp_path / "cache" / "run_params").glob("*.npz"))
    assert kept.stat().st_ino == (first / "params.npz").stat().st_ino  # the cache links the file written
    second = run_file(str(path), out=str(tmp_path / "second"), seed=1)[1]
    assert (second / "params.npz").stat().st_ino != (first / "params.npz").stat().st_ino  # a copy: no sharing
    assert (second / "params.npz").read_bytes() == (first / "params.npz").read_bytes()
    assert rerun(second).differences == ()
    other = run_file(str(path), out=str(tmp_path / "other"), seed=2)[1]  # b draws other values: its own file
    assert not np.array_equal(_params(other)["b"], _params(first)["b"])
    edited = _params(first) | {"a": _params(first)["a"] + 1}
    np.savez(first / "params.npz", **edited)  # rewritten in place through the first run's directory
    assert all(np.array_equal(v, _params(second)[k]) for k, v in _params(tmp_path / "second").items())
    third = run_file(str(path), out=str(tmp_path / "third"), seed=1)[1]
    assert all(np.array_equal(v, _params(second)[k]) for k, v in _params(third).items())
    assert rerun(third).differences == () and rerun(first).differences != ()
    record = json.loads((third / "run.json").read_text())
    write_params_file(tmp_path / "again.npz", _params(third), record["params"])  # copied from third's, kept now
    assert (tmp_path / "again.npz").read_bytes() == (third / "params.npz").read_bytes()


def test_device_images_are_read_back_bit_for_bit_and_a_damaged_one_is_encoded_again(cache, tmp_path, monkeypatch):
    """A second run reads the params' encoded pages from images/ instead of tilizing them (the same pages: the same
    outputs, trace and stats); an entry cut off is encoded and written again."""
    from tensix import host_images
    from tensix.lang.driver import run_file

    encoded = []
    real = host_images.host_pages
    monkeypatch.setattr(host_images, "host_pages", lambda buf, a: encoded.append(buf.name) or real(buf, a))
    kept_params = {"a", "b", "c"}  # the input x and the small tiny are encoded every run
    path = tmp_path / "p.tdf"
    path.write_text(SOURCE.replace(" + tiny[0:0]", ""))
    images = tmp_path / "cache" / "images"
    first = run_file(str(path), out=str(tmp_path / "first"), seed=4)[1]
    kept = sorted(images.glob("*.npy"))
    assert len(kept) == len(kept_params & set(encoded)) == 3
    encoded.clear()
    second = run_file(str(path), out=str(tmp_path / "second"), seed=4)[1]
    assert not kept_params & set(encoded) and sorted(images.glob("*.npy")) == kept
    for entry in kept:
        entry.write_bytes(entry.read_bytes()[:100])
    third = run_file(str(path), out=str(tmp_path / "third"), seed=4)[1]
    assert sorted(kept_params & set(encoded)) == sorted(kept_params) and all(e.stat().st_size > 100 for e in kept)
    for name in ("outputs.npz", "trace.json", "stats.json"):
        assert len({(d / name).read_bytes() for d in (first, second, third)}) == 1, name


def test_device_images_serve_only_arrays_viewing_a_known_params_bytes(cache):
    from tensix.dram import DramBuffer
    from tensix.host_images import frozen
    from tensix.host_layout import host_pages
    from tensix.rundir import array_hash

    w = frozen(np.arange(64 * 96, dtype=np.float32).reshape(64, 96) / 7)
    buf = DramBuffer("w", (64, 96), "bf16", (2, 3), 2048, 0)
    store = param_cache.DeviceImages({"w": w}, {"w": array_hash(w)})
    made = []

    def make(a):
        return lambda: made.append(1) or host_pages(buf, a)

    first = store.pages(buf, w, make(w))
    again = store.pages(buf, w.reshape(64, 96)[:], make(w))  # another view of the same bytes: read back
    assert made == [1] and again.tobytes() == first.tobytes() == host_pages(buf, w).tobytes()
    assert not again.flags.writeable
    copy = w.copy()  # the same values elsewhere: not known to be the param's, encoded
    assert store.pages(buf, copy, make(copy)).tobytes() == first.tobytes() and made == [1, 1]
    half = frozen(w[:32])
    small = DramBuffer("w", (32, 96), "bf16", (1, 3), 2048, 0)
    assert store.pages(small, half, lambda: made.append(2) or host_pages(small, half)).shape == (3, 2048)
    assert made == [1, 1, 2]
