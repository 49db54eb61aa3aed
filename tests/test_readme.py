"""README's Python example runs as written and does what it says (a bf16 ReLU over two tiles)."""

import re
from pathlib import Path

import numpy as np

from tensix.formats import quantize

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_kernel_example_runs_and_computes_relu(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    code = next(b for b in blocks if "from tensix import Mesh" in b)  # the kernel example (not the models API)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    a, result = scope["a"], scope["result"]
    np.testing.assert_array_equal(result.outputs["B"], np.maximum(quantize(a, "bf16"), 0))
    assert (tmp_path / "runs" / "relu" / "trace.json").exists()


def test_ci_runs_exactly_the_readme_test_command_in_both_modes():
    """Compiled: everything, the model tests too (weights pulled first); plain Python: all but the slow tests."""
    command = re.search(r"\*\*The tests\*\*.*?```sh\n(.*?)\n```", README.read_text(), re.S).group(1)
    ci = (README.parent / ".ci" / "run").read_text().rstrip("\n").splitlines()
    assert ci[-1] == command
    assert command.endswith(" && tensix models pull && python -m pytest"
                            " && TENSIX_COMPILED=0 python -m pytest -m 'not slow'")
