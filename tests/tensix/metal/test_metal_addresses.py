"""Buffers, NoC addresses and address generators against hand-computed tt-metal layouts on wormhole_n150
(12 DRAM banks: bank 0 at NoC (0, 0), bank 1 at (0, 1); workers at NoC x 1-4, 6-9 and y 1-5, 7-9)."""

import numpy as np
import pytest

from tensix.errors import KernelError, NocError, SramError
from tensix.metal import *
from tensix.metal import addrgen


def run(kernel, args=(), compile_args=(), cores=(0, 0), device=None):
    """Run one reader kernel function on `cores`; returns the device."""
    device = device or CreateDevice(0)
    program = CreateProgram()
    k = CreateKernel(program, kernel, cores, ReaderDataMovementConfig(list(compile_args)))
    SetRuntimeArgs(program, k, cores, list(args))
    EnqueueProgram(device.command_queue(), program)
    return device


def test_noc_address_encoding_is_tt_metals():
    assert addrgen.noc_xy_addr(1, 1, 0x1000) == (65 << 36) | 0x1000
    assert addrgen.decode((65 << 36) | 0x1000) == (1, 1, 0x1000)
    mc = addrgen.noc_multicast_addr(2, 1, 9, 1, 0x20)
    assert mc == ((2 << 12 | 1 << 18 | 9 | 1 << 6) << 36) | 0x20
    assert addrgen.decode_multicast(mc) == (2, 1, 9, 1, 0x20)


def test_worker_core_from_logical_core():
    device = CreateDevice(0)
    assert device.worker_core_from_logical_core(CoreCoord(4, 5)) == CoreCoord(6, 7)
    assert device.compute_with_storage_grid_size() == CoreCoord(8, 8)


def test_interleaved_dram_pages_round_robin_over_banks():
    device = CreateDevice(0)
    a = CreateBuffer(InterleavedBufferConfig(device=device, size=50 * 2048, page_size=2048))
    b = CreateBuffer(InterleavedBufferConfig(device=device, size=30 * 100, page_size=100))
    assert a.address() == 0
    assert b.address() == 5 * 2048  # 50 pages over 12 banks: 5 slots of 2048 B per bank
    assert a.page_location(13) == (1, 2048)
    assert b.aligned_page_size() == 128  # DRAM pages align to 32 B
    assert b.page_location(25) == (1, 10240 + 2 * 128)


def test_write_then_read_round_trips_and_lands_in_its_bank():
    device = CreateDevice(0)
    buf = CreateBuffer(InterleavedBufferConfig(device=device, size=24 * 64, page_size=64))
    data = np.arange(24 * 16, dtype=np.uint32)
    EnqueueWriteBuffer(device.command_queue(), buf, data)
    assert np.array_equal(device.dram_mem[1][0:64].view(np.uint32), data[16:32])  # page 1 -> bank 1, slot 0
    assert np.array_equal(device.dram_mem[1][64:128].view(np.uint32), data[13 * 16:14 * 16])  # page 13
    out = np.zeros(24 * 16, dtype=np.uint32)
    EnqueueReadBuffer(device.command_queue(), buf, out)
    assert np.array_equal(out, data)


def test_sharded_l1_pages_shard_by_shard():
    device = CreateDevice(0)
    spec = ShardSpecBuffer(CoreRange((0, 0), (1, 1)), (64, 32), ShardOrientation.ROW_MAJOR, (32, 32), (4, 2))
    buf = CreateBuffer(ShardedBufferConfig(device=device, size=8 * 2048, page_size=2048,
                                           buffer_type=BufferType.L1,
                                           buffer_layout=TensorMemoryLayout.BLOCK_SHARDED, shard_parameters=spec))
    top = device.cfg.l1_bytes
    assert buf.address() == top - 2 * 2048  # a shard of 2x1 pages, allocated from the top of L1
    # pages (row, col) of the 4x2-page tensor: shard (row // 2, col) on core (x0 + col, y0 + row // 2)
    assert buf.page_location(0) == ((0, 0), buf.address())
    assert buf.page_location(3) == ((1, 0), buf.address() + 2048)
    assert buf.page_location(6) == ((0, 1), buf.address() + 2048)


def _reader_by_hand(ctx):
    addr, page, is_dram = ctx.get_arg_val(0), ctx.get_arg_val(1), ctx.get_arg_val(2)
    s = ctx.InterleavedAddrGen(is_dram=bool(is_dram), bank_base_address=addr, page_size=2048)
    fast = ctx.InterleavedAddrGenFast(is_dram=bool(is_dram), bank_base_address=addr, page_size=2048,
                                      data_format=DataFormat.Float16_b)
    acc = ctx.TensorAccessor(ctx.TensorAccessorArgs(0), addr, 2048)
    got = {ctx.get_noc_addr(page, s), fast.get_noc_addr(page), ctx.get_noc_addr(page, acc)}
    ctx.DPRINT(*got)
    # bank 1 (NoC (0, 1) on wormhole_n150), slot page // 12
    ctx.DPRINT(ctx.get_noc_addr_from_bank_id(page % 12, addr + (page // 12) * 2048))


def test_address_generators_agree_with_bank_and_offset():
    device = CreateDevice(0)
    buf = CreateBuffer(InterleavedBufferConfig(device=device, size=40 * 2048, page_size=2048))
    run(_reader_by_hand, [buf.address(), 25, 1], TensorAccessorArgs(buf).get_compile_time_args(), device=device)
    lines = [text for _, _, text in device.dprint[(0, 0)]]
    expected = str(((1 << 6 | 0) << 36) | (buf.address() + 2 * 2048))
    assert lines == [expected, expected]


def _logical_coords(ctx):
    ctx.get_noc_addr(0, 3, 0x100)  # logical core (0, 3): NoC (0, 3) is neither a worker nor a DRAM bank


def test_logical_coordinates_are_a_noc_error_naming_kernel_core_and_value():
    with pytest.raises(NocError, match=r"reader kernel '_logical_coords' on core \(0, 0\): get_noc_addr uses NoC "
                                       r"coordinates \(0, 3\)"):
        run(_logical_coords)


def _read_too_far(ctx):
    ctx.noc_async_read(ctx.get_noc_addr(1, 1, 1 << 30), 0x10000, 64)
    ctx.noc_async_read_barrier()


def test_out_of_range_address_names_kernel_and_core():
    with pytest.raises(SramError, match=r"kernel '_read_too_far'.*core \(0, 0\).*0x40000000"):
        run(_read_too_far)


def _arg_beyond(ctx):
    ctx.get_arg_val(3)


def test_missing_runtime_arg_is_a_kernel_error(monkeypatch):
    monkeypatch.setenv("TENSIX_METAL_ARG_CHECK", "error")
    with pytest.raises(KernelError, match=r"reader kernel '_arg_beyond' on core \(0, 0\): get_arg_val\(3\) but 2 "
                                          r"runtime args were set"):
        run(_arg_beyond, [1, 2])


def _print_arg_beyond(ctx):
    ctx.DPRINT(ctx.get_arg_val(3), ctx.get_arg_val(4))


def test_missing_runtime_arg_warns_once_and_reads_zero():
    """As on hardware without tt-metal's watcher (a C++ kernel that never uses the value does not even load it)."""
    with pytest.warns(MetalArgWarning, match=r"'_print_arg_beyond' on core \(0, 0\): get_arg_val\(3\)") as record:
        device = run(_print_arg_beyond, [1, 2])
    assert [t for _, _, t in device.dprint[(0, 0)]] == ["00"]
    assert len([w for w in record if w.category is MetalArgWarning]) == 1


def _compile_and_runtime(ctx):
    ctx.DPRINT(ctx.get_compile_time_arg_val(0), ctx.get_arg_val(0))


def test_compile_time_and_runtime_args_are_separate():
    device = run(_compile_and_runtime, [7], [3])
    assert [t for _, _, t in device.dprint[(0, 0)]] == ["37"]


def _experimental_copy(ctx):
    """loopback with tt-metal's experimental Noc: DRAM page i -> CB -> DRAM page i, then one page by bank id."""
    src, dst, n = ctx.get_arg_val(0), ctx.get_arg_val(1), ctx.get_arg_val(2)
    noc = ctx.experimental.Noc()
    cb = ctx.experimental.CircularBuffer(0)
    s_in = ctx.TensorAccessor(ctx.TensorAccessorArgs(0), src, 2048)
    s_out = ctx.TensorAccessor(ctx.TensorAccessorArgs(1), dst, 2048)
    for i in range(n):
        cb.reserve_back(1)
        noc.async_read(s_in, cb, cb.get_tile_size(), {"page_id": i}, {"offset_bytes": 0})
        noc.async_read_barrier()
        cb.push_back(1)
        cb.wait_front(1)
        noc.async_write(cb, s_out, 2048, {}, {"page_id": i})
        noc.async_write_barrier()
        cb.pop_front(1)
    bank = ctx.experimental.AllocatorBank(ctx.experimental.AllocatorBankType.DRAM)
    noc.async_read(bank, 0x10000, 2048, {"bank_id": 1, "addr": src}, {})  # page 1 of src: bank 1, slot 0
    noc.async_read_barrier()
    ctx.DPRINT(int(ctx.l1_ptr(0x10000)[0]))


def test_experimental_noc_moves_pages_like_the_classic_calls():
    device = CreateDevice(0)
    cq = device.command_queue()
    src = CreateBuffer(InterleavedBufferConfig(device=device, size=14 * 2048, page_size=2048))
    dst = CreateBuffer(InterleavedBufferConfig(device=device, size=14 * 2048, page_size=2048))
    data = np.arange(14 * 512, dtype=np.uint32)
    EnqueueWriteBuffer(cq, src, data)
    program = CreateProgram()
    CreateCircularBuffer(program, (0, 0), CircularBufferConfig(4096, {0: DataFormat.Float16_b}).set_page_size(0, 2048))
    args = TensorAccessorArgs(src).get_compile_time_args() + TensorAccessorArgs(dst).get_compile_time_args()
    k = CreateKernel(program, _experimental_copy, (0, 0), ReaderDataMovementConfig(args))
    SetRuntimeArgs(program, k, (0, 0), [src.address(), dst.address(), 14])
    EnqueueProgram(cq, program)
    out = np.zeros_like(data)
    EnqueueReadBuffer(cq, dst, out)
    assert np.array_equal(out, data)
    assert device.dprint[(0, 0)][0][2] == "512"  # the first word of page 1
