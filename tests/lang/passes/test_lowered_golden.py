"""Golden text of the lowered IR (after every pass) of the smallest examples: any change in the passes shows here.

Regenerate after an intended change with `TENSIX_UPDATE_GOLDEN=1 python -m pytest tests/lang/passes`.
"""

import os
from pathlib import Path

import pytest

from tensix.lang.compiler import compile_file

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "tests" / "lang" / "golden"


@pytest.mark.parametrize("name", ["02_matmul", "03_mlp"])
def test_lowered_ir_matches_golden(name):
    rendered = compile_file(ROOT / "examples" / f"{name}.tdf").lowered.render()
    golden = GOLDEN / f"{name}.lowered.ir"
    if os.environ.get("TENSIX_UPDATE_GOLDEN"):
        golden.write_text(rendered)
    assert rendered == golden.read_text()


def test_lowered_render_is_stable():
    path = ROOT / "examples" / "03_mlp.tdf"
    assert compile_file(path).lowered.render() == compile_file(path).lowered.render()
