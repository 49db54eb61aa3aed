"""compile_graph around the passes: a DRAM budget check before them, source text on every error they raise."""

import pytest

from tensix.config import MeshConfig, TileKind
from tensix.lang import PlacementError, ShapeError
from tensix.lang.compiler import compile_source


def test_a_program_too_big_for_dram_is_refused_before_any_pass_runs():
    text = "input x: bf16[65536, 64]\nlet s = x @ transpose(x)\noutput y = softmax(s, causal=true)\n"
    with pytest.raises(PlacementError) as info:
        compile_source(text, "t.tdf")  # the causal mask alone would be 65536 x 65536
    # input x: 2048 x 2 tiles and output y: 2048 x 2048 tiles keep their DRAM, and the largest intermediate, s
    # (2048 x 2048 tiles), needs its own at least (transpose(x) may reuse space), 2048 B a tile
    total = (4096 + 2 * 2048 * 2048) * 2048
    assert str(info.value) == (f"t.tdf:2:9: the program's inputs, params and outputs with its largest intermediate "
                               f"need {total:,} B of DRAM but wormhole_n150 has 12,884,901,888 B; the largest tensor, "
                               f"bf16[65536, 65536], needs 8,589,934,592 B")
    assert info.value.format().splitlines()[1:] == ["let s = x @ transpose(x)", "        ^~~~~~~~~~~~~~~~"]


@pytest.mark.parametrize("bank_nbytes, fits", [(4096, True), (4095, False)])
def test_the_budget_is_every_bank_of_the_device(bank_nbytes, fits):
    # two banks; x and y are two bf16 tiles each: 8192 B in all
    mesh = MeshConfig(width=3, height=2, tiles={(2, 0): TileKind.DRAM, (2, 1): TileKind.DRAM},
                      dram_bank_bytes=bank_nbytes)
    text = "input x: bf16[32, 64]\noutput y = relu(x)\n"
    if fits:
        assert compile_source(text, "t.tdf", mesh).program.buffers
        return
    with pytest.raises(PlacementError) as info:
        compile_source(text, "t.tdf", mesh)
    assert str(info.value) == ("t.tdf:1:1: the program's inputs, params and outputs with its largest intermediate "
                               "need 8,192 B of DRAM but custom has 8,190 B; the largest tensor, bf16[32, 64], needs "
                               "4,096 B")


def test_errors_raised_inside_passes_print_their_source_line():
    with pytest.raises(ShapeError) as info:
        compile_source("input x: fp32[32, 96]\noutput y = split_heads(x, 2)\n", "t.tdf")
    assert info.value.format() == ("t.tdf:2:12: error: split_heads: split_heads of fp32[32, 96] into 2 heads needs a "
                                   "head dim that is a multiple of 32 (the device moves whole 32x32 tiles)\n"
                                   "output y = split_heads(x, 2)\n"
                                   "           ^~~~~~~~~~~~~~~~~")
