"""Malformed weight files give a ParamError at the param that names the file and what is wrong, never a traceback."""

import json
import struct

import numpy as np
import pytest

from tensix.lang import ParamError, check_file, materialize


def _safetensors(path, header, data: bytes, raw_header: bytes | None = None) -> None:
    head = raw_header if raw_header is not None else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(head)) + head + data)


def _npz_strings(path):
    np.savez(path, w=np.array([["a", "b", "c"], ["d", "e", "f"]]))


def _npz_objects(path):
    np.savez(path, w=np.array([[{}, 1, 2], [3, 4, 5]], dtype=object))


def _npz_truncated(path):
    np.savez(path, w=np.zeros((2, 3)))
    path.write_bytes(path.read_bytes()[:-40])  # the zip's central directory cut off


def _npz_truncated_member(path):
    np.savez_compressed(path, w=np.random.default_rng(0).normal(size=(64, 64)))
    data = path.read_bytes()
    path.write_bytes(data[:200] + data[-200:])  # a member's compressed bytes cut out, the directory kept


F32_23 = {"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}
CASES = {
    "npz_strings": ("w.npz", _npz_strings, "'w' in w.npz holds strings (U1); a param needs numbers"),
    "npz_objects": ("w.npz", _npz_objects,
                    "cannot read 'w.npz' for param 'w': Object arrays cannot be loaded when allow_pickle=False"),
    "npz_truncated": ("w.npz", _npz_truncated, "cannot read 'w.npz' for param 'w': File is not a zip file"),
    "st_short_data": ("w.safetensors", lambda p: _safetensors(p, F32_23, bytes(20)),
                      "cannot read 'w.safetensors' for param 'w': tensor 'w' spans bytes 0..24 but the file holds "
                      "20 bytes of data"),
    "st_offsets_vs_shape": ("w.safetensors",
                            lambda p: _safetensors(p, {"w": {**F32_23["w"], "data_offsets": [0, 20]}}, bytes(24)),
                            "cannot read 'w.safetensors' for param 'w': tensor 'w' is F32[2, 3] (24 bytes) but its "
                            "data_offsets span 20 bytes"),
    "st_bad_json": ("w.safetensors", lambda p: _safetensors(p, None, bytes(24), raw_header=b"{not json"),
                    "cannot read 'w.safetensors' for param 'w': its header is not JSON"),
    "st_header_too_long": ("w.safetensors", lambda p: p.write_bytes(struct.pack("<Q", 10**9) + b"{}"),
                           "cannot read 'w.safetensors' for param 'w': its header length 1000000000 runs past the "
                           "end of the file (10 bytes)"),
    "st_header_not_object": ("w.safetensors", lambda p: _safetensors(p, [1, 2], bytes(24)),
                             "cannot read 'w.safetensors' for param 'w': its header is not a JSON object of tensors"),
    "st_entry_missing_fields": ("w.safetensors", lambda p: _safetensors(p, {"w": {"dtype": "F32"}}, bytes(24)),
                                "cannot read 'w.safetensors' for param 'w': tensor 'w' needs dtype, shape and "
                                "data_offsets"),
    "st_unsupported_dtype": ("w.safetensors",
                             lambda p: _safetensors(p, {"w": {**F32_23["w"], "dtype": "F8_E4M3"}}, bytes(24)),
                             "cannot read 'w.safetensors' for param 'w': unsupported safetensors dtype F8_E4M3"),
    "st_tiny_file": ("w.safetensors", lambda p: p.write_bytes(b"\x01\x02"),
                     "cannot read 'w.safetensors' for param 'w': it is 2 bytes long, shorter than a safetensors "
                     "header"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_malformed_weight_file_is_a_param_error(tdf, tmp_path, case):
    name, make, message = CASES[case]
    make(tmp_path / name)
    graph = check_file(tdf(f'param w: fp32[2, 3] = load("{name}", "w")\ninput x: fp32[2, 3]\noutput y = x + w\n'))
    with pytest.raises(ParamError) as info:
        materialize(graph)
    assert info.value.message == message
    assert (info.value.pos.line, info.value.pos.col) == (1, 1)


def test_truncated_npz_member_is_a_param_error(tdf, tmp_path):
    _npz_truncated_member(tmp_path / "w.npz")
    graph = check_file(tdf('param w: fp32[64, 64] = load("w.npz", "w")\ninput x: fp32[64, 64]\noutput y = x + w\n'))
    with pytest.raises(ParamError) as info:
        materialize(graph)
    assert info.value.message.startswith("cannot read 'w.npz' for param 'w': ")
