"""The Metalium host API: devices, semaphore ids, runtime args, CBs sharing memory, DPRINT logs, read-back."""

import numpy as np
import pytest

from tensix.errors import KernelError, ProgramError, SramError
from tensix.metal import *


def test_create_device_picks_the_preset(monkeypatch):
    assert CreateDevice(0).cfg.name == "wormhole_n150"
    assert CreateDevice(0, "blackhole_p150").cfg.name == "blackhole_p150"
    monkeypatch.setenv("TENSIX_DEVICE", "grayskull_e150")
    assert CreateDevice(0).cfg.name == "grayskull_e150"


def test_semaphore_ids_are_the_lowest_free_on_all_cores():
    program = CreateProgram()
    assert CreateSemaphore(program, CoreRange((0, 0), (1, 0)), 0) == 0
    assert CreateSemaphore(program, (1, 0), 5) == 1
    assert CreateSemaphore(program, (0, 0), 0) == 1
    assert CreateSemaphore(program, CoreRange((0, 0), (1, 0)), 0) == 2
    assert program.semaphores[(1, 0)] == {0: 0, 1: 5, 2: 0}


def _dprint_arg(ctx):
    ctx.DPRINT("arg ", ctx.get_arg_val(0))


def test_runtime_args_changed_in_place_between_runs(tmp_path):
    device = CreateDevice(0, run_dir=tmp_path)
    program = CreateProgram()
    k = CreateKernel(program, _dprint_arg, (2, 1), WriterDataMovementConfig())
    SetRuntimeArgs(program, k, (2, 1), [7])
    EnqueueProgram(device.command_queue(), program)
    GetRuntimeArgs(program, k, (2, 1))[0] = 9
    EnqueueProgram(device.command_queue(), program)
    log = (tmp_path / "dprint" / "core_2_1.log").read_text().splitlines()
    assert [line.split(None, 2)[1:] for line in log] == [["writer", "arg 7"], ["writer", "arg 9"]]
    assert [int(line.split()[0]) for line in log] == [0, 0]  # stamped with the kernel's cycle


def test_runtime_args_must_be_uint32():
    program = CreateProgram()
    k = CreateKernel(program, _dprint_arg, (0, 0), WriterDataMovementConfig())
    with pytest.raises(ProgramError, match=r"kernel '_dprint_arg' on core \(0, 0\): runtime arg 1 = -1 is not a "
                                           r"uint32"):
        SetRuntimeArgs(program, k, (0, 0), [1, -1])


def test_two_kernels_on_one_processor_is_an_error():
    program = CreateProgram()
    CreateKernel(program, _dprint_arg, (0, 0), WriterDataMovementConfig())
    with pytest.raises(ProgramError, match=r"both run on the writer processor of core \(0, 0\)"):
        CreateKernel(program, _dprint_arg, CoreRange((0, 0), (1, 0)), WriterDataMovementConfig())


def _cb_addresses(ctx):
    ctx.DPRINT(ctx.get_write_ptr(16), " ", ctx.get_write_ptr(24), " ", ctx.get_write_ptr(0))


def test_cb_indices_of_one_config_share_memory_and_cbs_align_across_cores():
    device = CreateDevice(0)
    program = CreateProgram()
    CreateCircularBuffer(program, (1, 0), CircularBufferConfig(4096, {0: DataFormat.Float16_b})
                         .set_page_size(0, 2048))
    CreateCircularBuffer(program, CoreRange((0, 0), (1, 0)), CircularBufferConfig(
        8192, {16: DataFormat.Float16_b, 24: DataFormat.Float16_b}).set_page_size(16, 2048).set_page_size(24, 2048))
    CreateCircularBuffer(program, (0, 0), CircularBufferConfig(4096, {0: DataFormat.Float16_b})
                         .set_page_size(0, 2048))
    k = CreateKernel(program, _cb_addresses, CoreRange((0, 0), (1, 0)), WriterDataMovementConfig())
    SetRuntimeArgs(program, k, CoreRange((0, 0), (1, 0)), [])
    EnqueueProgram(device.command_queue(), program)
    # core (1, 0) holds c_0 first (4096 B at 0), so c_16/c_24 start at 4096 on both cores; core (0, 0)'s c_0 after
    assert device.dprint[(0, 0)][0][2] == "4096 4096 12288"
    assert device.dprint[(1, 0)][0][2] == "4096 4096 0"


def test_cbs_overlapping_l1_buffers_are_an_sram_error():
    device = CreateDevice(0)
    CreateBuffer(InterleavedBufferConfig(device=device, size=64 * 1400 * 1024, page_size=1400 * 1024,
                                         buffer_type=BufferType.L1))
    program = CreateProgram()
    CreateCircularBuffer(program, (0, 0), CircularBufferConfig(128 * 1024, {0: DataFormat.Float16_b})
                         .set_page_size(0, 2048))
    CreateKernel(program, _dprint_arg, (0, 0), WriterDataMovementConfig())
    with pytest.raises(SramError, match=r"core \(0, 0\): circular buffers up to 0x20000 overlap the L1 buffers"):
        EnqueueProgram(device.command_queue(), program)


def test_read_back_needs_a_matching_preallocated_array():
    device = CreateDevice(0)
    buf = CreateBuffer(InterleavedBufferConfig(device=device, size=2048, page_size=2048))
    with pytest.raises(ProgramError, match="contiguous numpy array of 2048 B"):
        EnqueueReadBuffer(device.command_queue(), buf, np.zeros(10, np.float32))
    words = []
    EnqueueReadBuffer(device.command_queue(), buf, words)
    assert words == [0] * 512


def test_kernel_file_paths_resolve_from_the_host_file(tmp_path):
    (tmp_path / "kernels").mkdir()
    (tmp_path / "kernels" / "k.py").write_text("def kernel_main(ctx):\n    ctx.DPRINT('from file')\n")
    device = CreateDevice(0)
    program = CreateProgram()
    CreateKernel(program, str(tmp_path / "kernels" / "k.py"), (0, 0), WriterDataMovementConfig())
    EnqueueProgram(device.command_queue(), program)
    assert device.dprint[(0, 0)][0][2] == "from file"
    with pytest.raises(ProgramError, match="kernel file 'nope.py' not found"):
        CreateKernel(program, "nope.py", (0, 0), ReaderDataMovementConfig())


def test_split_work_to_cores_matches_tt_metal():
    n, all_cores, g1, g2, w1, w2 = split_work_to_cores(CoreCoord(8, 8), 400)
    assert (n, w1, w2, g1.num_cores(), g2.num_cores()) == (64, 7, 6, 16, 48)
    assert [c for c in g1][:9] == [CoreCoord(0, y) for y in range(8)] + [CoreCoord(1, 0)]  # column by column
    n, _, g1, g2, w1, w2 = split_work_to_cores(CoreCoord(8, 8), 20)
    assert (n, w1, g1.num_cores(), g2.num_cores()) == (20, 1, 20, 0)


def _defines(ctx):
    if ctx.defined("ADD"):
        ctx.DPRINT("op ", ctx.defines["ADD"])


def test_defines_reach_the_kernel():
    device = CreateDevice(0)
    program = CreateProgram()
    CreateKernel(program, _defines, (0, 0), DataMovementConfig(defines={"ADD": "add_tiles"}))
    CreateKernel(program, _defines, (1, 0), DataMovementConfig())
    EnqueueProgram(device.command_queue(), program)
    assert [t for _, _, t in device.dprint[(0, 0)]] == ["op add_tiles"]
    assert (1, 0) not in device.dprint


def _int_compute(ctx):
    ctx.init_sfpu(0, 16)
    ctx.cb_wait_front(0, 1)
    ctx.tile_regs_acquire()
    ctx.copy_tile(0, 0, 0)


def _push_int(ctx):
    ctx.cb_reserve_back(0, 1)
    ctx.cb_push_back(0, 1)


def test_tile_math_on_an_integer_cb_is_a_kernel_error():
    device = CreateDevice(0)
    program = CreateProgram()
    CreateCircularBuffer(program, (0, 0), CircularBufferConfig(4096, {0: DataFormat.UInt32}).set_page_size(0, 4096))
    CreateKernel(program, _push_int, (0, 0), ReaderDataMovementConfig())
    CreateKernel(program, _int_compute, (0, 0), ComputeConfig())
    with pytest.raises(KernelError, match=r"compute kernel '_int_compute' on core \(0, 0\): a tile op reads a CB of "
                                          r"format uint32"):
        EnqueueProgram(device.command_queue(), program)
