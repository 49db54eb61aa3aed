"""A Mesh keeps the device images of the host arrays it wrote and reuses them for the same values: held to
the encoding done afresh, bit for bit, including arrays changed in place between runs and -0.0."""

import numpy as np
import pytest

from tensix import Mesh
from tensix.dram import Dram
from tensix.formats import live_faces_pages
from tensix.host_images import HostImages, _same_bits, frozen
from tensix.host_layout import host_pages
from tensix.lang.compiler import compile_source
from tensix.lang.driver import device_feed
from tensix.lang.params import materialize
from tensix.presets import resolve


def _buffer(layout: str):
    return Dram(resolve("wormhole_n150")).allocate("w", (64, 96), "bf16", layout)


def test_same_values_reuse_the_image_and_new_values_are_encoded_afresh():
    images = HostImages()
    for layout in ("tiles", "rows"):
        buf = _buffer(layout)
        w = np.random.default_rng(0).standard_normal((64, 96)).astype(np.float32)
        [(pages, faces, token)] = images.encode("w", [buf], w)
        assert np.array_equal(pages, host_pages(buf, w))
        assert (faces is None) == (layout == "rows")
        if faces is not None:
            assert np.array_equal(faces, live_faces_pages(pages, "bf16"))
        [(again, _, same)] = images.encode("w", [buf], w.copy())  # another array, the same values
        assert again is pages and not again.flags.writeable and same is token
        w[5, 7] = 3.0  # changed in place: the same array object, new values
        [(changed, _, new)] = images.encode("w", [buf], w)
        assert changed is not pages and np.array_equal(changed, host_pages(buf, w)) and new is not token


def test_one_array_in_two_layouts_gets_both_images_and_both_change_with_it():
    images, tiles, rows = HostImages(), _buffer("tiles"), _buffer("rows")
    w = np.random.default_rng(2).standard_normal((64, 96)).astype(np.float32)
    (t1, _, _), (r1, _, _) = images.encode("w", [tiles, rows], w)
    assert np.array_equal(t1, host_pages(tiles, w)) and np.array_equal(r1, host_pages(rows, w))
    w[63, 95] = -1.0
    (t2, _, _), (r2, _, _) = images.encode("w", [tiles, rows], w)
    assert np.array_equal(t2, host_pages(tiles, w)) and np.array_equal(r2, host_pages(rows, w))
    assert not np.array_equal(t1, t2) and not np.array_equal(r1, r2)


def test_negative_zero_is_not_positive_zero():
    images, buf = HostImages(), _buffer("tiles")
    zeros = np.zeros((64, 96), np.float32)
    [(plus, _, _)] = images.encode("w", [buf], zeros)
    [(minus, _, _)] = images.encode("w", [buf], -zeros)
    assert not np.array_equal(plus, minus)
    assert np.array_equal(minus, host_pages(buf, -zeros))


SRC = """\
input x: bf16[32, 64]
param w: bf16[64, 64] = random(seed=1, std=0.1)
output y = relu(x @ w)
"""


def test_a_weight_changed_between_runs_of_one_mesh_gives_the_fresh_mesh_result():
    compiled = compile_source(SRC, "t.tdf", "wormhole_n150")
    params = {k: v.copy() for k, v in materialize(compiled.graph).items()}  # writable: materialize's are frozen
    x = np.random.default_rng(1).standard_normal((32, 64)).astype(np.float32)
    feed = device_feed(compiled, {"x": x}, params)
    mesh = Mesh(compiled.device)
    first = mesh.run(compiled.program, feed).outputs["y"]
    params["w"] *= -1.0  # in place: the feed holds the same array
    second = mesh.run(compiled.program, feed).outputs["y"]
    fresh = Mesh(compiled.device).run(compiled.program, feed).outputs["y"]
    assert np.array_equal(second, fresh) and not np.array_equal(first, second)


def test_only_the_last_runs_arrays_are_kept():
    images, buf = HostImages(), _buffer("tiles")
    w = np.ones((64, 96), np.float32)
    [(first, _, _)] = images.encode("w", [buf], w)
    images.encode("v", [buf], w)
    images.retain({"v"})
    [(again, _, _)] = images.encode("w", [buf], w)
    assert again is not first and np.array_equal(again, first)  # encoded afresh: "w" was let go


def test_a_mesh_run_once_keeps_nothing_and_runs_the_same():
    compiled = compile_source("input a: bf16[64, 64]\nparam w: bf16[64, 96] = random(seed=1)\noutput y = a @ w\n",
                              "p.tdf", "wormhole_n150")
    feed = device_feed(compiled, {"a": np.random.default_rng(1).standard_normal((64, 64)).astype(np.float32)},
                       materialize(compiled.graph))
    kept, once = Mesh(compiled.device), Mesh(compiled.device, keep_images=False)
    a, b = kept.run(compiled.program, feed), once.run(compiled.program, feed)
    assert np.array_equal(a.outputs["y"], b.outputs["y"]) and a.cycles == b.cycles
    assert once._images._values == {} and once._images._pages == {} and kept._images._values
    images, buf = HostImages(keep=False), _buffer("tiles")
    w = np.random.default_rng(3).standard_normal((64, 96)).astype(np.float32)
    [(pages, faces, _)] = images.encode("w", [buf], w)
    assert np.array_equal(pages, host_pages(buf, w)) and np.array_equal(faces, live_faces_pages(pages, "bf16"))
    [(again, _, _)] = images.encode("w", [buf], w)
    assert again is not pages  # encoded afresh: nothing was kept


@pytest.mark.parametrize("size", [1, 2, 3, (1 << 17) + 3, 1 << 18])  # odd sizes compare 4-byte words, even 8-byte
def test_the_bit_comparison_finds_one_changed_word_wherever_it_is(size):
    a = np.random.default_rng(3).standard_normal(size).astype(np.float32)
    assert _same_bits(a, a.copy())
    assert not _same_bits(a, a[:-1].copy())  # another shape
    chunk = 1 << 16  # words a chunk of the comparison: a change on either side of its boundaries (in floats)
    for i in sorted({min(size - 1, i) for i in (0, size - 1, size // 2, chunk - 1, chunk, 2 * chunk - 1, 2 * chunk)}):
        b = a.copy()
        b.view(np.uint32)[i] ^= 1  # the lowest mantissa bit
        assert not np.array_equal(a.view(np.uint32), b.view(np.uint32))
        assert not _same_bits(a, b), i


def test_a_frozen_array_cannot_be_written_through_any_view():
    f = frozen(np.arange(12, dtype=np.float32).reshape(3, 4))
    assert frozen(f) is f and np.array_equal(f, np.arange(12).reshape(3, 4))
    for view in (f, f.reshape(-1), f[1:], f.base):
        with pytest.raises(ValueError):
            view.flags.writeable = True
        with pytest.raises(ValueError):
            view[0] = 1.0


def test_materialized_params_are_frozen():
    compiled = compile_source(SRC, "t.tdf", "wormhole_n150")
    w = materialize(compiled.graph)["w"]
    with pytest.raises(ValueError):
        w[0, 0] = 1.0
    assert frozen(w) is w


def _counting(monkeypatch) -> list:
    import tensix.host_images as hi

    compared = []
    real = hi._same_bits
    monkeypatch.setattr(hi, "_same_bits", lambda x, y: compared.append(x.shape) or real(x, y))
    return compared


def test_the_same_frozen_array_is_reused_without_comparing_and_another_one_is_compared(monkeypatch):
    compared = _counting(monkeypatch)
    images, buf = HostImages(), _buffer("tiles")
    w = frozen(np.random.default_rng(3).standard_normal((64, 96)).astype(np.float32))
    [(pages, _, token)] = images.encode("w", [buf], w)
    [(again, _, same)] = images.encode("w", [buf], w.reshape(64, 96))  # a new view of the same frozen values
    assert again is pages and same is token and compared == []
    other = frozen(w.copy())  # equal values in other bytes: compared, found equal, reused
    [(equal, _, _)] = images.encode("w", [buf], other)
    assert equal is pages and compared == [(64, 96)]
    [(still, _, _)] = images.encode("w", [buf], other)  # now the kept one: no second comparison
    assert still is pages and compared == [(64, 96)]
    changed = frozen(np.where(np.arange(96) == 7, 2.5, w).astype(np.float32))
    [(new, _, new_token)] = images.encode("w", [buf], changed)
    assert new_token is not token and np.array_equal(new, host_pages(buf, changed))


def test_a_view_of_other_frozen_bytes_is_not_taken_for_the_kept_one(monkeypatch):
    images, buf = HostImages(), _buffer("tiles")
    big = frozen(np.random.default_rng(4).standard_normal((128, 96)).astype(np.float32))
    [(top, _, _)] = images.encode("w", [buf], big[:64])
    [(bottom, _, _)] = images.encode("w", [buf], big[64:])  # the same bytes object, another place in it
    assert np.array_equal(bottom, host_pages(buf, np.ascontiguousarray(big[64:])))
    assert not np.array_equal(top, bottom)


def test_rerunning_frozen_params_compares_nothing_and_matches_a_fresh_mesh(monkeypatch):
    compared = _counting(monkeypatch)
    compiled = compile_source(SRC, "t.tdf", "wormhole_n150")
    x = np.random.default_rng(1).standard_normal((32, 64)).astype(np.float32)
    feed = device_feed(compiled, {"x": x}, materialize(compiled.graph))
    mesh = Mesh(compiled.device)
    runs = [mesh.run(compiled.program, feed) for _ in range(3)]
    assert compared == [(32, 64), (32, 64)]  # the input x (writable) only, on the second and third runs
    fresh = Mesh(compiled.device).run(compiled.program, feed)
    for r in runs:
        assert np.array_equal(r.outputs["y"], fresh.outputs["y"]) and r.cycles == fresh.cycles
        assert r.stats.json_text() == fresh.stats.json_text()


def test_new_frozen_params_on_the_same_mesh_give_the_fresh_mesh_result():
    compiled = compile_source(SRC, "t.tdf", "wormhole_n150")
    x = np.random.default_rng(1).standard_normal((32, 64)).astype(np.float32)
    mesh = Mesh(compiled.device)
    first = mesh.run(compiled.program, device_feed(compiled, {"x": x}, materialize(compiled.graph))).outputs["y"]
    other = materialize(compiled.graph, {"w": -np.asarray(materialize(compiled.graph)["w"])})
    feed = device_feed(compiled, {"x": x}, other)
    second = mesh.run(compiled.program, feed).outputs["y"]
    fresh = Mesh(compiled.device).run(compiled.program, feed).outputs["y"]
    assert np.array_equal(second, fresh) and not np.array_equal(first, second)
