"""params.materialize: values from .npz / .safetensors by key, seeded random, fills; clear errors."""

import json
import struct

import ml_dtypes
import numpy as np
import pytest
from safetensors.numpy import save_file

from tensix.lang import ParamError, check_file, check_source, materialize
from tensix.lang.ir import RandomSpec
from tensix.lang.params import random_values, read_safetensors


def _graph(tdf, decl):
    return check_file(tdf(f"{decl}\ninput x: fp32[2, 3]\noutput y = x\n"))


def test_npz_by_key_relative_to_the_file(tdf, tmp_path):
    (tmp_path / "w").mkdir()
    np.savez(tmp_path / "w" / "weights.npz", **{"h0.mlp.w1": np.arange(6.0).reshape(2, 3)})
    graph = _graph(tdf, 'param w: bf16[2, 3] = load("w/weights.npz", "h0.mlp.w1")')
    values = materialize(graph)["w"]
    assert values.dtype == np.float32
    np.testing.assert_array_equal(values, np.arange(6.0).reshape(2, 3))


def test_key_defaults_to_the_full_param_name_and_templates_fill_in(tdf, tmp_path):
    np.savez(tmp_path / "w.npz", **{"h1.w": np.ones((2, 3)), "h0.w": np.zeros((2, 3)), "x1": np.full((2, 3), 2.0)})
    graph = _graph(tdf, 'const L = 1\nrepeat i in 0..2 {\n  param h{i}.w: fp32[2, 3] = load("w.npz")\n}\n'
                        'param v: fp32[2, 3] = load("w.npz", "x{L}")')
    assert [p.source.key for p in graph.params] == ["h0.w", "h1.w", "x1"]
    values = materialize(graph)
    assert [float(values[n][0, 0]) for n in ("h0.w", "h1.w", "v")] == [0.0, 1.0, 2.0]


def test_safetensors_f32_and_bf16(tmp_path):
    save_file({"a": np.arange(6, dtype=np.float32).reshape(2, 3)}, str(tmp_path / "m.safetensors"))
    assert read_safetensors(tmp_path / "m.safetensors")["a"]().tolist() == [[0, 1, 2], [3, 4, 5]]
    raw = np.array([1.5, -2.0, 3.25], dtype=ml_dtypes.bfloat16).tobytes()
    header = json.dumps({"b": {"dtype": "BF16", "shape": [3], "data_offsets": [0, len(raw)]}}).encode()
    (tmp_path / "b.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + raw)
    assert read_safetensors(tmp_path / "b.safetensors")["b"]().tolist() == [1.5, -2.0, 3.25]


def test_safetensors_through_a_program(tdf, tmp_path):
    save_file({"emb": np.ones((2, 3), dtype=np.float32)}, str(tmp_path / "m.safetensors"))
    graph = _graph(tdf, 'param e: fp32[2, 3] = load("m.safetensors", "emb")')
    np.testing.assert_array_equal(materialize(graph)["e"], np.ones((2, 3)))


@pytest.mark.parametrize("decl, message", [
    ('param w: fp32[2, 3] = load("none.npz", "w")', "cannot read 'none.npz' for param 'w': No such file or directory"),
    ('param w: fp32[2, 3] = load("w.npz", "wq")', "w.npz has no tensor 'wq' (did you mean 'w_q'?)"),
    ('param w: fp32[3, 2] = load("w.npz", "w_q")',
     "param 'w' is declared fp32[3, 2] but 'w_q' in w.npz has shape [2, 3]"),
    ('param w: fp32[2, 3] = load("w.bin", "w")', "load reads .npz or .safetensors files, not 'w.bin'"),
    ("param w: fp32[2, 3]", "param 'w' has no initializer and no value was supplied"),
])
def test_errors_point_at_the_param(tdf, tmp_path, decl, message):
    np.savez(tmp_path / "w.npz", w_q=np.zeros((2, 3)))
    graph = _graph(tdf, decl)
    with pytest.raises(ParamError) as info:
        materialize(graph)
    assert info.value.message == message
    assert info.value.pos.line == 1


def test_random_is_seeded_by_seed_and_name():
    spec = RandomSpec(seed=3, std=0.5)
    a, b = random_values("w", spec, (64, 64)), random_values("w", spec, (64, 64))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, random_values("v", spec, (64, 64)))
    assert abs(a.std() - 0.5) < 0.05


def test_fills_and_supplied_values():
    graph = check_source("param z: fp32[2] = zeros\nparam o: fp32[2] = ones\nparam f: fp32[2] = full(2.5)\n"
                         "param r: fp32[2] = random(seed=1)\ninput x: fp32[2]\noutput y = x + z + o + f + r\n", "t.tdf")
    values = materialize(graph, {"r": [7.0, 8.0]})
    assert [values[n].tolist() for n in "zofr"] == [[0, 0], [1, 1], [2.5, 2.5], [7, 8]]
    with pytest.raises(ParamError, match=r"param 'r' is declared fp32\[2\] but the supplied value has shape \[3\]"):
        materialize(graph, {"r": [1.0, 2.0, 3.0]})
    with pytest.raises(ParamError, match=r"no param named 'q' \(did you mean 'o'\?\)|no param named 'q'"):
        materialize(graph, {"q": [1.0, 2.0]})
