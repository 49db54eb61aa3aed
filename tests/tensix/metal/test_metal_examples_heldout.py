"""tt-metal programming examples beyond the first conformance set (contributed/, vecadd_multi_core, distributed/,
named kernel args, the tensor-API labs), transliterated by the documented rules: each passes its own check."""

import importlib

import pytest

PKG = "tensix.examples.metal"


def _main(module: str):
    return importlib.import_module(f"{PKG}.{module}").main


def test_contributed_vecadd():
    assert _main("contributed.vecadd.vecadd")(n_tiles=8, seed=3) is True


def test_contributed_multicast():
    assert _main("contributed.multicast.multicast")() is True


def test_vecadd_multi_core_splits_uneven_work():
    assert _main("vecadd_multi_core.vecadd_multi_core")(n_tiles=70) is True  # 6 cores of 2 tiles, 58 of 1


@pytest.mark.parametrize("module", ["named_kernel_args_legacy.named_kernel_args_legacy"])
def test_dprint_examples(module):
    assert _main(module)() is True


def test_distributed_program_dispatch():
    assert _main("distributed.1_distributed_program_dispatch.distributed_program_dispatch")() is True


def test_distributed_buffer_rw():
    assert _main("distributed.2_distributed_buffer_rw.distributed_buffer_rw")(tiles=(8, 16)) is True


def test_distributed_eltwise_add():
    assert _main("distributed.3_distributed_eltwise_add.distributed_eltwise_add")() is True


def test_lab_eltwise_binary_through_tensors():
    assert _main("lab_eltwise_binary.lab_eltwise_binary")(M=64, N=96) is True


def test_matmul_single_core_tensor():
    assert _main("matmul.matmul_single_core_tensor.matmul_single_core_tensor")(M=64, N=96, K=96) > 0.97


def test_named_kernel_args_spec_api():
    assert _main("named_kernel_args.named_kernel_args")() is True


def test_distributed_trace_and_events():
    """The example's kernels read a runtime arg its host does not set (dead on hardware): a MetalArgWarning."""
    from tensix.metal import MetalArgWarning
    with pytest.warns(MetalArgWarning) as record:
        ok = _main("distributed.4_distributed_trace_and_events.distributed_trace_and_events")(num_tiles_per_device=3)
    assert ok is True
    assert any("'eltwise_binary' on core (0, 0): get_arg_val(2) but 2 runtime args" in str(w.message) for w in record)


def test_core_map():
    assert _main("core_map.core_map")() == 0
