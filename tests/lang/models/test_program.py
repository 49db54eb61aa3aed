"""Model programs: consts set per call, fp32 retyped to bf16, the shipped files compile."""

import pytest

from tensix.errors import TensixError
from tensix.lang.check import check_source
from tensix.lang.models.program import retype, set_consts

SOURCE = """const N = 64            # rows
const D = 32
input x: fp32[N, D]
input ids: int32[N]
param w: fp32[D, D]
output y = x @ w
"""


def test_set_consts_replaces_values_and_keeps_comments():
    text = set_consts(SOURCE, {"N": 96, "D": 1e-12})
    assert text.splitlines()[:2] == ["const N = 96            # rows", "const D = 1e-12"]


def test_set_consts_needs_the_const_line():
    with pytest.raises(TensixError, match=r"m.tdf: expected one line `const S = ...`, found 0"):
        set_consts(SOURCE, {"S": 3}, "m.tdf")


def test_retype_changes_float_inputs_params_and_every_value_not_ids():
    graph = retype(check_source(set_consts(SOURCE, {"N": 32})), "bf16")
    assert {i.name: i.type.render() for i in graph.inputs} == {"x": "bf16[32, 32]", "ids": "int32[32]"}
    assert graph.params[0].type.render() == "bf16[32, 32]"
    assert graph.nodes[-1].type.render() == "bf16[32, 32]" and graph.outputs[0].type.render() == "bf16[32, 32]"
