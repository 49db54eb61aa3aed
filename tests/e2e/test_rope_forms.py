"""rope on the device in every form: explicit positions, the interleaved layout, head dims that are not whole
tile pairs; against the reference semantics and against numpy written out here."""

import numpy as np
import pytest

from tensix.lang.compiler import compile_source
from tensix.lang.driver import run_compiled


def _numpy_rope(x, positions, theta, interleaved):
    d = x.shape[-1]
    angles = positions[:, None] * theta ** (-np.arange(0, d, 2) / d)[None, :]
    cos, sin = np.cos(angles), np.sin(angles)
    a, b = (x[..., 0::2], x[..., 1::2]) if interleaved else (x[..., : d // 2], x[..., d // 2:])
    ra, rb = a * cos - b * sin, b * cos + a * sin
    if interleaved:
        return np.stack([ra, rb], axis=-1).reshape(x.shape)
    return np.concatenate([ra, rb], axis=-1)


@pytest.mark.parametrize("heads, dim, interleaved, explicit", [
    (3, 64, True, True),     # GGUF's layout at decode positions
    (2, 64, False, True),    # Hugging Face's layout at decode positions
    (2, 32, False, False),   # a head dim of one tile
    (1, 48, True, False),    # a head dim that is not whole tiles
])
def test_rope_matches_numpy(heads, dim, interleaved, explicit):
    source = (f"input x: fp32[{heads}, 32, {dim}]\n" + ("input pos: int32[32]\n" if explicit else "") +
              f"output y = rope(x{', positions=pos' if explicit else ''}, theta=100000.0, "
              f"interleaved={str(interleaved).lower()})\n")
    compiled = compile_source(source, "rope.tdf")
    # the half-split form with whole tile pairs swaps its halves by moving pages; the others rotate by a matmul
    assert any(n.op == "matmul" for n in compiled.lowered.nodes) == (interleaved or dim % 64 != 0)
    rng = np.random.default_rng(dim)
    x = rng.standard_normal((heads, 32, dim)).astype(np.float32)
    pos = (rng.permutation(8000)[:32] if explicit else np.arange(32)).astype(np.int32)
    result, expected = run_compiled(compiled, {"x": x, "pos": pos} if explicit else {"x": x})
    want = _numpy_rope(x.astype(np.float64), pos.astype(np.float64), 100000.0, interleaved)
    np.testing.assert_allclose(expected["y"], want, atol=1e-5)
    np.testing.assert_allclose(result.outputs["y"], want, atol=2e-5)
