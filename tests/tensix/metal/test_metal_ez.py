"""The experimental::ez host API (tensix.metal.ez): buffers, typed reads, ProgramBuilder's CB and kernel calls with
their core overrides, per-core runtime args, and its typed errors."""

import numpy as np
import pytest

from tensix.errors import ProgramError
from tensix.metal import *
from tensix.metal.ez import *


def _record_args(ctx):
    ctx.DPRINT(ctx.get_arg_val(0), " ", ctx.get_named_compile_time_arg_val("k"), " ", ctx.get_compile_time_arg_val(0))


def test_program_builder_on_overrides_the_next_kernel_only_and_runtime_args_per_core():
    ctx = DeviceContext(0)
    b = ProgramBuilder(CoreRange((0, 0), (1, 0)))
    b.named_args({"k": 5}).reader(_record_args, [], [9]).runtime_args(lambda core: [10 * core.x + core.y])
    b.on(CoreCoord(3, 2)).named_args({"k": 6}).writer(_record_args, [], [8]).runtime_args([77])
    ctx.run(b.build())
    dprint = ctx.device().dprint
    assert sorted(dprint) == [(0, 0), (1, 0), (3, 2)]
    assert [t for _, _, t in dprint[(0, 0)]] == ["0 5 9"]
    assert [t for _, _, t in dprint[(1, 0)]] == ["10 5 9"]
    assert [t for _, _, t in dprint[(3, 2)]] == ["77 6 8"]


def test_dram_tile_buffer_round_trips_through_typed_write_and_read():
    ctx = DeviceContext(0)
    buf = ctx.dram_tile_buffer(3)
    assert buf.size() == 3 * 2048 and buf.page_size() == 2048
    data = np.arange(3 * 1024, dtype=np.float32).astype(bfloat16)
    ctx.write(buf, data)
    got = ctx.read[bfloat16](buf)
    assert got.dtype == bfloat16 and np.array_equal(got, data)
    assert ctx.read[np.uint32](buf).size == 3 * 512


def test_cb_forms_take_tt_metals_sizes():
    ctx = DeviceContext(0)
    l1 = ctx.l1_buffer(4 * 2048, 2048)
    program = (ProgramBuilder(CoreCoord(0, 0)).cb(CBIndex.c_0).cb(CBIndex.c_1, DataFormat.Float32, 3, 4096)
               .cb(CBIndex.c_2, 1, DataFormat.Bfp8_b).build())
    sizes = {index: e.config.total_size for e in program.cbs for index in e.config.data_formats}
    assert sizes == {0: 2 * 2048, 1: 3 * 4096, 2: 1088}
    assert l1.aligned_size_per_bank() == 2048  # one page on each of the first 4 L1 banks


def test_ez_misuse_is_a_typed_error():
    ctx = DeviceContext(0)
    with pytest.raises(ProgramError, match=r"ctx.read<T>\(buf\) is ctx.read\[T\]\(buf\)"):
        ctx.read(ctx.dram_tile_buffer(1))
    b = ProgramBuilder(CoreCoord(0, 0))
    b.build()
    with pytest.raises(TTFatalError, match="can only be called once"):
        b.build()
    with pytest.raises(ProgramError, match="multi-device meshes are not provided"):
        DeviceContext(2, 4)
