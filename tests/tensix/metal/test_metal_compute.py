"""The Metalium compute context: init calls checked, acquire_dst, matmul_tiles' transpose, DST precision and
capacity under fp32_dest_acc_en, and math_approx_mode's exp; each against numpy."""

import ml_dtypes
import numpy as np
import pytest

from tensix.errors import KernelError
from tensix.metal import *

T = constants.TILE_HW


def _reader(ctx):
    """Push the tiles of the DRAM buffer at arg 0 (arg 1 tiles) into c_0, then c_1 likewise from arg 2."""
    for cb, addr, n in ((0, ctx.get_arg_val(0), ctx.get_arg_val(1)), (1, ctx.get_arg_val(2), ctx.get_arg_val(3))):
        page = ctx.get_tile_size(cb)
        s = ctx.InterleavedAddrGenFast(is_dram=True, bank_base_address=addr, page_size=page)
        for i in range(n):
            ctx.cb_reserve_back(cb, 1)
            ctx.noc_async_read_tile(i, s, ctx.get_write_ptr(cb))
            ctx.noc_async_read_barrier()
            ctx.cb_push_back(cb, 1)


def _writer(ctx):
    page = ctx.get_tile_size(16)
    s = ctx.InterleavedAddrGenFast(is_dram=True, bank_base_address=ctx.get_arg_val(0), page_size=page)
    ctx.cb_wait_front(16, 1)
    ctx.noc_async_write_tile(0, s, ctx.get_read_ptr(16))
    ctx.noc_async_write_barrier()
    ctx.cb_pop_front(16, 1)


def _pack(ctx):
    ctx.tile_regs_commit()
    ctx.tile_regs_wait()
    ctx.cb_reserve_back(16, 1)
    ctx.pack_tile(0, 16)
    ctx.cb_push_back(16, 1)
    ctx.tile_regs_release()


def compute_add_no_init(ctx):
    ctx.binary_op_init_common(0, 1, 16)
    ctx.cb_wait_front(0, 1)
    ctx.cb_wait_front(1, 1)
    ctx.tile_regs_acquire()
    ctx.add_tiles(0, 1, 0, 0, 0)
    _pack(ctx)


def compute_matmul_transposed(ctx):
    ctx.mm_init(0, 1, 16)
    ctx.cb_wait_front(0, 1)
    ctx.cb_wait_front(1, 1)
    ctx.acquire_dst()
    ctx.matmul_tiles(0, 1, 0, 0, 0, True)
    _pack(ctx)


def compute_add(ctx):
    ctx.binary_op_init_common(0, 1, 16)
    ctx.add_tiles_init(0, 1)
    ctx.cb_wait_front(0, 1)
    ctx.cb_wait_front(1, 1)
    ctx.tile_regs_acquire()
    ctx.add_tiles(0, 1, 0, 0, 0)
    _pack(ctx)


def compute_exp(ctx):
    ctx.init_sfpu(0, 16)
    ctx.cb_wait_front(0, 1)
    ctx.tile_regs_acquire()
    ctx.copy_tile(0, 0, 0)
    ctx.exp_tile_init()
    ctx.exp_tile(0)
    _pack(ctx)


def compute_dst_index(ctx):
    ctx.init_sfpu(0, 16)
    ctx.cb_wait_front(0, 1)
    ctx.tile_regs_acquire()
    ctx.copy_tile(0, 0, ctx.get_arg_val(0))


def run(compute, a, b, *, fmt=DataFormat.Float16_b, out_fmt=None, config=None, compute_args=()):
    """c_16 <- compute(c_0 = a, c_1 = b) on core (0, 0); returns the output tile as float32 (32, 32)."""
    out_fmt = out_fmt or fmt
    dtype = {DataFormat.Float16_b: ml_dtypes.bfloat16, DataFormat.Float32: np.float32}
    device = CreateDevice(0)
    cq = device.command_queue()
    program = CreateProgram()
    bufs = []
    for data, f in ((a, fmt), (b, fmt), (np.zeros((32, 32)), out_fmt)):
        buf = CreateBuffer(InterleavedBufferConfig(device=device, size=f.tile_nbytes, page_size=f.tile_nbytes))
        EnqueueWriteBuffer(cq, buf, tilize(np.asarray(data, np.float32).astype(dtype[f]), 32, 32))
        bufs.append(buf)
    for index, f in ((0, fmt), (1, fmt), (16, out_fmt)):
        CreateCircularBuffer(program, (0, 0), CircularBufferConfig(2 * f.tile_nbytes, {index: f})
                             .set_page_size(index, f.tile_nbytes))
    r = CreateKernel(program, _reader, (0, 0), ReaderDataMovementConfig())
    w = CreateKernel(program, _writer, (0, 0), WriterDataMovementConfig())
    c = CreateKernel(program, compute, (0, 0), config or ComputeConfig())
    SetRuntimeArgs(program, r, (0, 0), [bufs[0].address(), 1, bufs[1].address(), 1])
    SetRuntimeArgs(program, w, (0, 0), [bufs[2].address()])
    SetRuntimeArgs(program, c, (0, 0), list(compute_args))
    EnqueueProgram(cq, program)
    out = np.zeros(T, dtype=dtype[out_fmt])
    EnqueueReadBuffer(cq, bufs[2], out)
    return untilize(out, 32, 32).reshape(32, 32).astype(np.float32)


RNG = np.random.default_rng(0)
A = RNG.uniform(-1, 1, (32, 32)).astype(np.float32)
B = RNG.uniform(-1, 1, (32, 32)).astype(np.float32)


def bf16(x):
    return np.asarray(x, np.float32).astype(ml_dtypes.bfloat16).astype(np.float32)


def test_tile_op_without_its_init_warns_once_and_still_computes():
    with pytest.warns(MetalInitWarning, match=r"compute kernel 'compute_add_no_init' on core \(0, 0\): add_tiles "
                                              r"runs without add_tiles_init"):
        out = run(compute_add_no_init, A, B)
    assert np.array_equal(out, bf16(bf16(A) + bf16(B)))


def test_init_check_as_error(monkeypatch):
    monkeypatch.setenv("TENSIX_METAL_INIT_CHECK", "error")
    with pytest.raises(KernelError, match="add_tiles runs without add_tiles_init"):
        run(compute_add_no_init, A, B)


def test_with_its_init_no_warning(recwarn):
    run(compute_add, A, B)
    assert not [w for w in recwarn if issubclass(w.category, MetalInitWarning)]


def test_matmul_tiles_transpose_multiplies_by_b_transposed():
    out = run(compute_matmul_transposed, A, B)
    assert np.allclose(out, bf16(A) @ bf16(B).T, rtol=1e-2, atol=2e-2)
    assert not np.allclose(out, bf16(A) @ bf16(B), rtol=1e-2, atol=2e-2)


def test_fp32_dest_acc_keeps_fp32_in_dst():
    """A fp32 sum packed to a fp32 CB: exact with fp32_dest_acc_en, bf16-rounded (16-bit DST) without."""
    a = np.full((32, 32), 1.0, np.float32)
    b = np.full((32, 32), 2.0**-10, np.float32)
    wide = run(compute_add, a, b, fmt=DataFormat.Float32, config=ComputeConfig(fp32_dest_acc_en=True))
    narrow = run(compute_add, a, b, fmt=DataFormat.Float32)
    assert np.all(wide == np.float32(1 + 2.0**-10))
    assert np.all(narrow == np.float32(1.0))


@pytest.mark.parametrize("fp32, full_sync, capacity", [(False, False, 8), (True, False, 4), (False, True, 16),
                                                      (True, True, 8)])
def test_dst_capacity(fp32, full_sync, capacity):
    cfg = ComputeConfig(fp32_dest_acc_en=fp32, dst_full_sync_en=full_sync)
    with pytest.raises(KernelError, match=rf"DST index {capacity} outside 0..{capacity - 1}"):
        run(compute_dst_index, A, B, config=cfg, compute_args=[capacity])


def test_math_approx_mode_takes_the_approximate_exp():
    exact = run(compute_exp, A, B)
    approx = run(compute_exp, A, B, config=ComputeConfig(math_approx_mode=True))
    ref = np.exp(bf16(A))
    assert np.allclose(exact, ref, rtol=1e-2)
    assert np.allclose(approx, ref, rtol=8e-2)
    assert np.abs(approx - ref).max() > 4 * np.abs(exact - ref).max()
