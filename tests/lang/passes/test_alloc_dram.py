"""alloc_dram: a dead intermediate's DRAM is reused only where the schedule's synchronization orders every access of
it before the new tensor's writes (cores run ahead of each other), and runs give numpy's answer."""

from dataclasses import replace

import numpy as np
import pytest

from tensix.config import MeshConfig, TileKind
from tensix.errors import DramError
from tensix.lang import PlacementError
from tensix.lang.compiler import compile_source
from tensix.mesh import Mesh
from tensix.programs.stages import build
from tensix.schedule.text import parse, render

TILE = 4096  # one fp32 tile: one page in the single bank below

# two compute cores (0, 0) and (1, 0), one DRAM bank; every op hands its tile to the other core, so each tensor
# crosses the NoC through DRAM (none stays in L1)
PINGPONG = """input x: fp32[32, 32]
let a = relu(x) @cores(0, 0)
let b = a * 2.0 @cores(1, 0)
let c = b - x @cores(0, 0)
output y = c * c @cores(1, 0)
"""


def _mesh(bank_nbytes: int = 1 << 20) -> MeshConfig:
    return MeshConfig(width=3, height=1, tiles={(2, 0): TileKind.DRAM}, dram_bank_bytes=bank_nbytes)


def _x() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((32, 32)).astype(np.float32)


def test_a_tensor_is_reused_once_a_signal_chain_orders_its_last_reader_before_the_new_writer():
    # x, a (t0), b (t1) take one tile each, one after another. c is written on core 0 after b's writer on core 1
    # signalled it, which it did after reading a: a is dead, c takes its place. y is written on core 1 after c's
    # signal from core 0, sent after c read b: b is dead, y (an output) takes its place.
    c = compile_source(PINGPONG, "t.tdf", _mesh(3 * TILE))  # fits only with reuse: 5 tiles without
    meta = c.lowered.meta
    assert (meta["dram_nbytes"], meta["dram_unshared_nbytes"]) == (3 * TILE, 5 * TILE)
    assert {b.name: b.base for b in c.schedule.buffers} == {"x": None, "t0": None, "t1": None, "t2": TILE,
                                                             "y": 2 * TILE}
    text = render(c.schedule)  # the schedule text shows the offsets of the tensors laid over dead ones
    assert [line.split()[1] for line in text.splitlines() if " base=" in line] == ['name="t2"', 'name="y"']
    assert 'dram name="t2" shape=[32, 32] dtype="fp32" base=4096' in text and parse(text) == c.schedule
    x = _x()
    functional = Mesh(c.device).run(c.program, {"x": x})
    np.testing.assert_array_equal(functional.outputs["y"], (2 * np.maximum(x, 0) - x) ** 2)
    assert Mesh(c.device, timing_only=True).run(c.program).cycles == functional.cycles


def test_tensors_that_do_not_fit_even_with_reuse_are_refused_at_the_op_whose_output_does_not():
    # a is read by c, so a and b are both alive when c is written: x, a, b, c need 4 tiles, the bank holds 3
    src = "input x: fp32[32, 32]\nlet a = relu(x) @cores(0, 0)\nlet b = a * 2.0 @cores(1, 0)\n" \
          "output y = a + b @cores(0, 0)\n"
    with pytest.raises(PlacementError) as info:
        compile_source(src, "t.tdf", _mesh(3 * TILE))
    assert str(info.value) == ("t.tdf:4:12: DRAM tensor 'y' ends at 16,384 B in each bank, with every dead "
                               "intermediate's space reused (without reuse the tensors up to it take 16,384 B per "
                               "bank), but custom's banks hold 12,288 B each; use smaller shapes, bf16 or bfp8_b "
                               "tensors, or a device with more DRAM")


# Core (0, 0) runs a slow matmul before reading a; core (1, 0) reads a, then writes y from x alone (no wait). In
# program order y comes after every read of a, but nothing makes core (1, 0) wait for core (0, 0).
AHEAD = """input x: fp32[32, 64]
input w: fp32[256, 256]
let a = relu(x) @cores(2..3, 0)
output s = w @ w @cores(0, 0)
let r = a + a @cores(0..1, 0)
let y = x * x @cores(1, 0)
output out = r + y @cores(0..1, 0)
"""


def test_a_core_running_ahead_does_not_get_a_tensor_another_core_still_reads():
    c = compile_source(AHEAD, "t.tdf")
    bases = {b.name: b.base for b in c.schedule.buffers}
    assert bases["t3"] is None  # y is not laid over a (t0): nothing orders core (0, 0)'s read of a before it
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((32, 64), dtype=np.float32), rng.standard_normal((256, 256), dtype=np.float32)
    out = Mesh(c.device).run(c.program, {"x": x, "w": w}).outputs["out"]
    np.testing.assert_array_equal(out, 2 * np.maximum(x, 0) + x * x)
    # reuse by program order alone: y over a. Core (1, 0) writes y while core (0, 0) is still in the matmul, and
    # core (0, 0) then reads a's space: the device reports it
    at = 4096 + 6 * 4096  # after x (one page per bank) and w (64 pages over 12 banks: 6 per bank)
    naive = replace(c.schedule, buffers=tuple(replace(b, base=at) if b.name == "t3" else b
                                              for b in c.schedule.buffers))
    with pytest.raises(DramError, match="DRAM buffer 't0' is used after 't3' took its bank space"):
        Mesh(c.device).run(build.program(naive), {"x": x, "w": w})
