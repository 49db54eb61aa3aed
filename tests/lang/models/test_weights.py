"""The converted-weights cache: keyed by the source file's content, one file per model (older ones removed)."""

import os

import numpy as np

from tensix.lang.models.weights import LAYOUT_VERSION, cached, content_key


def test_the_key_follows_the_bytes_not_the_time(tmp_path):
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"weights" * 100)
    b.write_bytes(b"weights" * 100)
    os.utime(b, ns=(1, 1))  # a reinstall: same bytes, another time
    assert content_key(a) == content_key(b) == "700-" + content_key(a).split("-")[1]
    b.write_bytes(b"weightz" * 100)
    assert content_key(a) != content_key(b)


def test_a_conversion_is_read_back_and_replaces_older_cache_files(tmp_path, monkeypatch):
    monkeypatch.setenv("TENSIX_CACHE", str(tmp_path / "cache"))
    source = tmp_path / "model.bin"
    source.write_bytes(b"\x01" * 64)
    models = tmp_path / "cache" / "models"
    models.mkdir(parents=True)
    stale = [models / "m-v1-64-1796564495615932981.npz", models / f"m-v{LAYOUT_VERSION}-64-0123456789abcdef.npz"]
    other = models / "other-v1-64-0123456789abcdef.npz"
    for path in (*stale, other):
        path.write_bytes(b"old")
    calls = []

    def convert(path):
        calls.append(path)
        return {"w": np.arange(6, dtype=np.float32).reshape(2, 3)}

    first = cached("m", source, convert)
    again = cached("m", source, convert)
    assert len(calls) == 1 and np.array_equal(again["w"], first["w"])
    assert sorted(p.name for p in models.iterdir()) == [f"m-v{LAYOUT_VERSION}-{content_key(source)}.npz", other.name]
