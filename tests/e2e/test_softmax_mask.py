"""softmax(x, mask=m): 1 keeps a score, 0 drops it; the mask broadcasts over heads. On the device as in the
reference, against numpy written out here."""

import numpy as np
import pytest

from tensix.lang import check_source
from tensix.lang.compiler import compile_source
from tensix.lang.driver import run_compiled
from tensix.lang.errors import ErrorList


def _masked_softmax(x, keep, causal=False):
    keep = np.broadcast_to(keep, x.shape).astype(bool)
    if causal:
        rows, cols = x.shape[-2:]
        keep = keep & np.tril(np.ones((rows, cols), bool), cols - rows)  # the last query sees every key
    e = np.where(keep, np.exp(x - np.where(keep, x, -np.inf).max(-1, keepdims=True)), 0.0)
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize("mask_shape, causal", [
    ((64,), False),          # a key-padding row for every head and query
    ((32, 64), True),        # one [queries, keys] matrix for every head, with the causal mask too
    ((2, 1, 32, 64), False),  # per batch, copied over the heads
    ((2, 3, 32, 64), False),  # the full shape
])
def test_masked_softmax_matches_numpy(mask_shape, causal):
    dims = ", ".join(map(str, mask_shape))
    source = (f"input x: fp32[2, 3, 32, 64]\ninput m: fp32[{dims}]\n"
              f"output y = softmax(x, causal={str(causal).lower()}, mask=m)\n")
    rng = np.random.default_rng(len(mask_shape))
    x = rng.standard_normal((2, 3, 32, 64)).astype(np.float32)
    keep = (rng.random(mask_shape) < 0.7).astype(np.float32)
    keep[..., 0] = 1.0  # every row keeps a key
    result, expected = run_compiled(compile_source(source, "mask.tdf"), {"x": x, "m": keep})
    want = _masked_softmax(x.astype(np.float64), keep, causal)
    np.testing.assert_allclose(expected["y"], want, atol=1e-6)
    np.testing.assert_allclose(result.outputs["y"], want, atol=1e-5)


def test_a_mask_that_does_not_broadcast_is_a_shape_error():
    with pytest.raises(ErrorList, match=r"softmax: mask fp32\[32, 32\] does not broadcast to fp32\[3, 32, 64\]"):
        check_source("input x: fp32[3, 32, 64]\ninput m: fp32[32, 32]\noutput y = softmax(x, mask=m)\n")
