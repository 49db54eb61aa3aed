"""`embedding` of 2-D ids (batch x seq): [B, S, D] rows of the table, on the device as numpy's `table[ids]`."""

import numpy as np
import pytest

from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs, run_compiled


@pytest.mark.parametrize("batch, seq", [(2, 32), (3, 5)])
def test_two_d_ids_gather_batch_by_seq_rows(batch, seq):
    text = f"input ids: int32[{batch}, {seq}]\ninput table: fp32[50, 64]\noutput y = relu(embedding(ids, table))\n"
    compiled = compile_source(text, "e.tdf")
    inputs = make_inputs(compiled.graph, 2)
    assert inputs["ids"].max() < 50 and len(np.unique(inputs["ids"])) > 3
    result, _ = run_compiled(compiled, inputs, check=False)
    np.testing.assert_array_equal(result.outputs["y"], np.maximum(inputs["table"][inputs["ids"]], 0))
    ops = [n.op for n in compiled.lowered.nodes]
    assert ops[:2] == (["gather_rows", "view"] if seq % 32 == 0 else ["gather_rows", "matmul"])
