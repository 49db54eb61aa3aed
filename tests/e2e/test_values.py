"""Values the device computes agree with the reference, and a disagreement in NaN or inf is never hidden."""

import numpy as np
import pytest

from tensix.lang import compile_source
from tensix.lang.driver import reference_error, run_compiled
from tensix.stats import OutputError


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast")  # the reference casting NaN, as numpy does
def test_cast_to_int32_truncates_on_the_device_as_the_reference_does():
    compiled = compile_source("input x: fp32[32, 32]\noutput y = cast(x * 3.0, int32)\n", "cast.tdf")
    x = np.random.default_rng(0).normal(size=(32, 32)).astype(np.float32)
    x[0, :6] = [2.9, -2.9, 0.5, -0.5, 1e10, np.nan]
    result, expected = run_compiled(compiled, {"x": x})
    y = result.outputs["y"]
    # 8.7 -> 8, -8.7 -> -8, 1.5 -> 1, -1.5 -> -1; out of range and NaN as numpy's int32 cast on x86
    np.testing.assert_array_equal(y[0, :6], [8, -8, 1, -1, -2**31, -2**31])
    np.testing.assert_array_equal(y, expected["y"].astype(np.float32))
    assert result.stats.reference == (OutputError("y", 0.0, 2.0**31, 0),)


@pytest.mark.parametrize("out, expected, error", [
    ([1.0, 2.0], [1.5, 2.0], OutputError("y", 0.5, 2.0, 0)),
    ([1.0, np.nan], [1.5, 2.0], OutputError("y", 0.5, 2.0, 1)),
    ([np.nan, np.inf], [np.nan, np.inf], OutputError("y", 0.0, 0.0, 0)),
    ([np.inf, -np.inf], [1.0, np.inf], OutputError("y", 0.0, 1.0, 2)),
])
def test_a_nan_or_inf_that_differs_from_the_reference_is_a_mismatch(out, expected, error):
    assert reference_error("y", np.array(out), np.array(expected)) == error
