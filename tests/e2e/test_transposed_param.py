"""`@transposed` params: the stored array is the type's transpose (a Hugging Face linear [out, in] declared
[in, out]); the host swaps it once when it loads it, so the device program has no transpose at all."""

import numpy as np
import pytest

from tensix.lang import ErrorList
from tensix.lang.compiler import compile_source
from tensix.lang.driver import run_compiled, run_file
from tensix.lang.errors import ParamError
from tensix.lang.rerun import rerun
from tensix.ops import Op


def test_a_transposed_param_is_swapped_on_the_host_and_never_moved_on_the_device(tmp_path):
    rng = np.random.default_rng(4)
    out_in = rng.standard_normal((32, 64)).astype(np.float32)  # as a checkpoint stores a linear: [out, in]
    np.savez(tmp_path / "w.npz", lin=out_in)
    text = ('input x: fp32[40, 64]\nparam w: fp32[64, 32] = load("w.npz", "lin") @transposed\n'
            'param v: fp32[64, 32] @transposed\noutput y = x @ w\noutput z = x @ v\n')
    (tmp_path / "m.tdf").write_text(text)
    compiled = compile_source(text, str(tmp_path / "m.tdf"))
    assert {n.op for n in compiled.lowered.nodes} == {Op.MATMUL}  # no copy: nothing is transposed per run
    assert "param %w : fp32[64, 32] = load(\"w.npz\", \"lin\")  @transposed" in compiled.graph.render()
    x = rng.standard_normal((40, 64)).astype(np.float32)
    result, _ = run_compiled(compiled, {"x": x}, {"v": 2 * out_in})
    np.testing.assert_allclose(result.outputs["y"], x @ out_in.T, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(result.outputs["z"], x @ (2 * out_in).T, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", [(32, 32), (32, 64)])
def test_tensix_run_swaps_a_loaded_transposed_param_once(tmp_path, shape):
    """`tensix run` materializes the params once and runs on them: a square one was swapped back (y = x @ stored,
    checked against a reference fed the same weights, so the check passed) and any other one refused."""
    out_in = np.random.default_rng(5).standard_normal(shape).astype(np.float32)  # [out, in]
    np.savez(tmp_path / "w.npz", lin=out_in)
    n_out, n_in = shape
    (tmp_path / "m.tdf").write_text(f'input x: fp32[32, {n_in}]\nparam w: fp32[{n_in}, {n_out}] = load("w.npz", "lin") '
                                    f"@transposed\noutput y = x @ w\n")
    result, out = run_file(str(tmp_path / "m.tdf"), out=str(tmp_path / "run"))
    x = np.load(out / "inputs.npz")["x"]
    np.testing.assert_allclose(result.outputs["y"], x @ out_in.T, rtol=1e-5, atol=1e-5)
    assert result.stats.reference[0].max_abs_error < 1e-4
    assert rerun(out).differences == ()


def test_a_value_in_the_declared_shape_is_refused_at_the_param():
    compiled = compile_source("input x: fp32[32, 64]\nparam w: fp32[64, 32] @transposed\noutput y = x @ w\n", "m.tdf")
    with pytest.raises(ParamError, match=r"param 'w' is declared fp32\[64, 32\] @transposed, so the supplied value "
                                         r"must have shape \[32, 64\] \(the transpose\), but it has \[64, 32\]"):
        run_compiled(compiled, {"x": np.zeros((32, 64), np.float32)}, {"w": np.zeros((64, 32), np.float32)})


def test_transposed_is_for_params_only():
    with pytest.raises(ErrorList, match=r"@transposed marks a param stored transposed .* not input"):
        compile_source("input x: fp32[32, 64] @transposed\noutput y = relu(x)\n", "m.tdf")
