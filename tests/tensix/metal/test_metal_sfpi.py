"""SFPI on the emulator (tensix.metal.sfpi, tensix.metal.llk_sfpu): the Dst lane map of dst_reg, lane predication
by v_if / v_elseif / v_else / v_endif against numpy, the LLK wrappers' face walk and base tile, the typed errors,
and the instruction count charged (hand-counted)."""

from pathlib import Path

import numpy as np
import pytest

from tensix.errors import KernelError
from tensix.metal import *
from tensix.metal.sfpi import LANE_MAP
from tensix.timing import TimingModel

SFPU_EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "metal" / "eltwise_sfpu" / "kernels" / "dataflow"


def _run(face_call, tiles: list[np.ndarray], timing: TimingModel | None = None):
    """Tiles (fp32) -> DST 0..n-1; face_call(ctx) runs the SFPU; DST 0 comes back. Returns (tile, sfpu cycles)."""
    device = CreateDevice(0, timing=timing)
    cq = device.command_queue()
    program = CreateProgram()
    n = len(tiles)
    tile_bytes = 4096
    config = InterleavedBufferConfig(device=device, size=n * tile_bytes, page_size=tile_bytes,
                                     buffer_type=BufferType.DRAM)
    src, dst = CreateBuffer(config), CreateBuffer(config)
    EnqueueWriteBuffer(cq, src, np.concatenate([tilize_nfaces(t.astype(np.float32), 32, 32) for t in tiles]))
    for index in (CBIndex.c_0, CBIndex.c_16):
        CreateCircularBuffer(program, (0, 0), CircularBufferConfig(n * tile_bytes, {index: DataFormat.Float32})
                             .set_page_size(index, tile_bytes))
    spans = []

    def compute(ctx):
        ctx.init_sfpu(CBIndex.c_0, CBIndex.c_16)
        ctx.cb_wait_front(CBIndex.c_0, n)
        ctx.tile_regs_acquire()
        for i in range(n):
            ctx.copy_tile(CBIndex.c_0, i, i)
        t0 = ctx.t
        face_call(ctx)
        spans.append(ctx.t - t0)
        ctx.cb_reserve_back(CBIndex.c_16, 1)
        ctx.pack_tile(0, CBIndex.c_16)
        ctx.cb_push_back(CBIndex.c_16, 1)
        ctx.tile_regs_release()

    reader_args, writer_args = [], []
    TensorAccessorArgs(src).append_to(reader_args)
    TensorAccessorArgs(dst).append_to(writer_args)
    r = CreateKernel(program, str(SFPU_EXAMPLE / "read_tile.py"), (0, 0), ReaderDataMovementConfig(reader_args))
    w = CreateKernel(program, str(SFPU_EXAMPLE / "write_tile.py"), (0, 0), WriterDataMovementConfig(writer_args))
    CreateKernel(program, compute, (0, 0), ComputeConfig(fp32_dest_acc_en=True))
    SetRuntimeArgs(program, r, (0, 0), [src.address(), n])
    SetRuntimeArgs(program, w, (0, 0), [dst.address(), 1])
    EnqueueProgram(cq, program)
    out = np.zeros(n * 1024, dtype=np.float32)
    EnqueueReadBuffer(cq, dst, out)
    CloseDevice(device)
    return untilize_nfaces(out[:1024], 32, 32).reshape(32, 32), spans[0]


def _tile(seed: int, lo: float = -2.0, hi: float = 2.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(lo, hi, (32, 32)).astype(np.float32)


def test_dst_reg_rows_cover_each_element_of_a_tile_once_as_sfpload_addresses_them():
    assert sorted(LANE_MAP.reshape(-1).tolist()) == list(range(1024))
    # dst_reg[0]: raw rows 0..3, even columns of face 0; dst_reg[1]: the odd columns (ISA SFPLOAD.md)
    assert LANE_MAP[0].tolist() == [r * 32 + c for r in range(4) for c in range(0, 16, 2)]
    assert LANE_MAP[1].tolist() == [r * 32 + c for r in range(4) for c in range(1, 16, 2)]
    assert LANE_MAP[2, 0] == 4 * 32  # rows 4..7
    assert LANE_MAP[8, 0] == 16 and LANE_MAP[16, 0] == 16 * 32 and LANE_MAP[24, 0] == 16 * 32 + 16  # faces 1, 2, 3


def _clamp_face(ctx):
    for i in range(8):
        x = vFloat(dst_reg[i])
        with v_if(x < -1.0):
            x[...] = -1.0
        with v_elseif(x > 1.0):
            x[...] = 1.0
        with v_else():
            x += 10.0
        v_endif()
        dst_reg[i] = x


def test_v_if_elseif_else_enable_each_lane_in_one_branch():
    a = _tile(1)
    got, _ = _run(lambda ctx: ctx._llk_math_eltwise_unary_sfpu_params_(_clamp_face, 0), [a])
    np.testing.assert_array_equal(got, np.where(a < -1, -1.0, np.where(a > 1, 1.0, a + np.float32(10))))


def _nested_face(ctx):
    for i in range(8):
        x = vFloat(dst_reg[i])
        y = vFloat(0.0)
        with v_if(x > 0.0):
            with v_if((x < 1.0) & (x > 0.5)):
                y[...] = 2.0
            with v_else():
                y[...] = 1.0
            v_endif()
        v_endif()
        dst_reg[i] = y


def test_nested_v_if_stays_within_the_outer_lanes():
    a = _tile(2)
    got, _ = _run(lambda ctx: ctx._llk_math_eltwise_unary_sfpu_params_(_nested_face, 0), [a])
    np.testing.assert_array_equal(got, np.where(a > 0, np.where((a < 1) & (a > 0.5), 2.0, 1.0), 0.0))


def _add_face(dst_index_in0, dst_index_in1, dst_index_out):
    for i in range(8):
        a = vFloat(dst_reg[dst_index_in0 * 32 + i])
        b = vFloat(dst_reg[dst_index_in1 * 32 + i])
        dst_reg[dst_index_out * 32 + i] = a + b


def test_binary_wrapper_walks_four_faces_from_tile_0_and_charges_one_cycle_per_instruction():
    a, b = _tile(3), _tile(4)
    got, cycles = _run(lambda ctx: ctx._llk_math_eltwise_binary_sfpu_params_(_add_face, 0, 1, 0), [a, b])
    np.testing.assert_array_equal(got, a + b)
    assert cycles == 4 * 8 * (2 + 1 + 1)  # 4 faces x 8 rows x (2 SFPLOAD, 1 SFPADD, 1 SFPSTORE)
    _, doubled = _run(lambda ctx: ctx._llk_math_eltwise_binary_sfpu_params_(_add_face, 0, 1, 0), [a, b],
                      TimingModel(sfpi_instruction_cycles=2))
    assert doubled == 2 * cycles


def test_vector_mode_r_runs_the_top_two_faces_only():
    a, b = _tile(5), _tile(6)
    got, _ = _run(lambda ctx: ctx._llk_math_eltwise_binary_sfpu_params_(_add_face, 0, 1, 0, VectorMode.R), [a, b])
    np.testing.assert_array_equal(got[:16], (a + b)[:16])
    np.testing.assert_array_equal(got[16:], a[16:])


def _negate_face(ctx):
    for i in range(8):
        dst_reg[i] = -vFloat(dst_reg[i])


def test_unary_wrapper_counts_dst_reg_from_its_tile():
    a, b = _tile(7), _tile(8)

    def call(ctx):
        ctx._llk_math_eltwise_unary_sfpu_params_(_negate_face, 1)  # DST 1 only
        ctx._llk_math_eltwise_binary_sfpu_params_(_add_face, 0, 1, 0)

    got, _ = _run(call, [a, b])
    np.testing.assert_array_equal(got, a - b)


def test_library_my_add_tile_face_through_the_sfpu_binary_call_macro():
    a, b = _tile(9), _tile(10)
    got, _ = _run(lambda ctx: ctx.SFPU_BINARY_CALL_NO_TEMPLATE_ARGS(
        DST_SYNC_MODE, DST_ACCUM_MODE, my_add_tile_face, 0, 1, 0, VectorMode.RC), [a, b])
    np.testing.assert_array_equal(got, a + b)


def _unclosed_face(ctx):
    with v_if(vFloat(dst_reg[0]) > 0.0):
        pass


def _python_and_face(ctx):
    x = vFloat(dst_reg[0])
    with v_if(x > 0.0 and x < 1.0):
        pass
    v_endif()


@pytest.mark.parametrize("call, message", [
    (lambda ctx: ctx._llk_math_eltwise_unary_sfpu_params_(_unclosed_face, 0),
     "_unclosed_face left 1 v_if without v_endif"),
    (lambda ctx: ctx._llk_math_eltwise_unary_sfpu_params_(_python_and_face, 0),
     "an SFPI lane condition has no single truth value"),
    (lambda ctx: _negate_face(ctx), "SFPI (dst_reg, v_if) used outside an SFPU call"),
    (lambda ctx: ctx._llk_math_eltwise_binary_sfpu_params_(_add_face, 0, 9, 0), "DST index 9 outside 0..3"),
])
def test_sfpi_misuse_is_a_kernel_error(call, message):
    with pytest.raises(KernelError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _run(call, [_tile(11)])


def test_library_smoothstep_tile_face_clamps_out_of_range_lanes():
    a = _tile(12, -1.0, 3.0)
    got, _ = _run(lambda ctx: ctx.SFPU_UNARY_CALL_NO_TEMPLATE_ARGS(
        DST_SYNC_MODE, DST_ACCUM_MODE, smoothstep_tile_face, 0, VectorMode.RC, -0.5, 1.5, 0.5), [a])
    t = np.clip((a + np.float32(0.5)) * np.float32(0.5), 0, 1)
    np.testing.assert_allclose(got, t * t * (3 - 2 * t), rtol=0, atol=1e-6)


def _clamp_call_face(ctx):
    for i in range(8):
        dst_reg[i] = sfpi.clamp(vFloat(dst_reg[i]), -0.25, 0.75)


def test_sfpi_clamp():
    a = _tile(13)
    got, _ = _run(lambda ctx: ctx._llk_math_eltwise_unary_sfpu_params_(_clamp_call_face, 0), [a])
    np.testing.assert_array_equal(got, np.clip(a, -0.25, 0.75))


def _increment_face(ctx):
    for _ in range(8):
        x = vFloat(dst_reg[0])
        dst_reg[0] = x * 2.0
        sfpi.dst_reg += 1


def test_dst_reg_increment_walks_a_face_and_each_face_starts_afresh():
    a = _tile(14)
    got, cycles = _run(lambda ctx: ctx._llk_math_eltwise_unary_sfpu_params_(_increment_face, 0), [a])
    np.testing.assert_array_equal(got, a * 2)
    assert cycles == 4 * 8 * 3  # load, multiply, store per row; the increment is address arithmetic
