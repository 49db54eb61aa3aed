"""A core running a k-blocked (multicast) matmul and a plain one: both fill its A CB, so one kernel moves both.

The decode plan multicasts `p0 @ x` (k-blocked: the writer moves its activation) and reads `p1 @ f` per core
(plain: the reader would move it) on the same two cores; with two kernels filling one CB in turn, the reader ran
ahead into pages the writer had reserved and both products came out wrong with zero skipping off.
"""

import numpy as np
import pytest

from tensix.lang.compiler import compile_source
from tensix.lang.driver import make_inputs, run_compiled
from tensix.mesh import Mesh
from tensix.programs.stages.layout import a_on_writer, k_blocked

TEXT = """input x: fp32[64, 64]
input f: fp32[10, 64]
input p0: fp32[10, 64]
input p1: fp32[6, 10]
output a = p0 @ x
output d = p1 @ f
"""


@pytest.mark.parametrize("skip", [False, True])
def test_mixed_matmuls_on_one_core_match_numpy(skip):
    compiled = compile_source(TEXT, "t.tdf")
    steps = {cs.core: [s for s in cs.steps] for cs in compiled.schedule.cores}
    mixed = [c for c, ss in steps.items() if a_on_writer(ss)]
    assert mixed, "the plans no longer mix k-blocked and plain matmuls on a core: pick shapes that do"
    assert {k_blocked(s) for s in steps[mixed[0]]} == {True, False}
    assert all(cs.units.a_mover == "writer" for cs in compiled.schedule.cores if cs.core in mixed)
    i = make_inputs(compiled.graph, 1)
    r, _ = run_compiled(compiled, i, check=False, mesh=Mesh(compiled.device, zero_skip=skip))
    np.testing.assert_allclose(r.outputs["a"], i["p0"] @ i["x"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(r.outputs["d"], i["p1"] @ i["f"], rtol=1e-5, atol=1e-5)
