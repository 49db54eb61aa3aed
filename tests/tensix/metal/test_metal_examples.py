"""Every transliterated tt-metal programming example in examples/metal runs and passes its own check (its
numpy reference and tt-metal's PCC threshold): small sizes here, the examples' own sizes marked slow."""

import importlib
from pathlib import Path

import pytest

PKG = "tensix.examples.metal"
METAL_DIR = Path(__file__).resolve().parents[3] / "examples" / "metal"
TESTED = {"loopback.loopback", "add_2_integers_in_compute.add_2_integers_in_compute",
          "NoC_tile_transfer.noc_tile_transfer", "sharding.shard_data_rm", "pad.pad_multi_core",
          "eltwise_binary.eltwise_binary", "eltwise_sfpu.eltwise_sfpu", "vecadd_sharding.vecadd_sharding",
          "matmul.matmul_single_core.matmul_single_core", "matmul.matmul_multi_core.matmul_multi_core",
          "matmul.matmul_multicore_reuse.matmul_multicore_reuse",
          "matmul.matmul_multicore_reuse_mcast.matmul_multicore_reuse_mcast",
          # run by test_metal_examples_heldout.py
          "contributed.vecadd.vecadd", "contributed.multicast.multicast", "vecadd_multi_core.vecadd_multi_core",
          "named_kernel_args_legacy.named_kernel_args_legacy",
          "distributed.1_distributed_program_dispatch.distributed_program_dispatch",
          "distributed.2_distributed_buffer_rw.distributed_buffer_rw",
          "distributed.3_distributed_eltwise_add.distributed_eltwise_add",
          "lab_eltwise_binary.lab_eltwise_binary", "named_kernel_args.named_kernel_args",
          "matmul.matmul_single_core_tensor.matmul_single_core_tensor",
          "distributed.4_distributed_trace_and_events.distributed_trace_and_events", "core_map.core_map"} | {
    f"{name}.{name}" for name in (  # tested in test_metal_examples_more.py
        "hello_world_compute_kernel", "hello_world_datamovement_kernel", "hello_world_datatypes_kernel",
        "add_2_integers_in_riscv", "custom_sfpi_add", "custom_sfpi_smoothstep", "custom_sfpu_kernel_add",
        "sfpu_eltwise_chain", "eltwise_fpu_chain", "eltwise_ternary")} | {
    f"{name}.{name}_ez" for name in (  # the experimental::ez hosts of tt-metal's newest sources
        "hello_world_compute_kernel", "hello_world_datamovement_kernel", "hello_world_datatypes_kernel",
        "add_2_integers_in_riscv", "custom_sfpi_add", "custom_sfpi_smoothstep", "sfpu_eltwise_chain")}


def _main(module: str):
    return importlib.import_module(f"{PKG}.{module}").main


@pytest.mark.parametrize("module", ["loopback.loopback", "add_2_integers_in_compute.add_2_integers_in_compute",
                                    "NoC_tile_transfer.noc_tile_transfer",
                                    "sharding.shard_data_rm", "pad.pad_multi_core"])
def test_data_movement_examples(module):
    assert _main(module)() is True


def test_eltwise_binary():
    assert _main("eltwise_binary.eltwise_binary")(n_tiles=8) is True


@pytest.mark.parametrize("approx", [False, True])
def test_eltwise_sfpu(approx):
    assert _main("eltwise_sfpu.eltwise_sfpu")(n_tiles=4, math_approx_mode=approx) is True


@pytest.mark.parametrize("sharding_type", ["height", "width", "block"])
def test_vecadd_sharding(sharding_type):
    assert _main("vecadd_sharding.vecadd_sharding")(sharding_type=sharding_type) is True


@pytest.mark.parametrize("module, m, n, k", [
    ("matmul.matmul_single_core.matmul_single_core", 64, 96, 64),
    ("matmul.matmul_multi_core.matmul_multi_core", 96, 160, 64),
    ("matmul.matmul_multicore_reuse.matmul_multicore_reuse", 256, 128, 128),
    ("matmul.matmul_multicore_reuse_mcast.matmul_multicore_reuse_mcast", 2048, 1024, 128),
])
def test_matmul_examples_small(module, m, n, k):
    threshold = 0.98 if module.endswith("mcast") else 0.97
    assert _main(module)(m=m, n=n, k=k) > threshold


@pytest.mark.slow
@pytest.mark.parametrize("module", ["matmul.matmul_single_core.matmul_single_core",
                                    "matmul.matmul_multi_core.matmul_multi_core",
                                    "matmul.matmul_multicore_reuse.matmul_multicore_reuse"])
def test_matmul_examples_own_size(module):
    assert _main(module)() > 0.97


@pytest.mark.slow
def test_matmul_multicore_reuse_mcast_own_size():
    """3584 x 768 x 3072 on 8 x 7 cores of wormhole_n150's 8x8 grid, as tt-metal's example sizes it."""
    assert _main("matmul.matmul_multicore_reuse_mcast.matmul_multicore_reuse_mcast")() > 0.98


def test_every_host_program_in_examples_metal_is_tested():
    hosts = {".".join(p.relative_to(METAL_DIR).with_suffix("").parts) for p in METAL_DIR.rglob("*.py")
             if "def main(" in p.read_text()}
    assert hosts == TESTED


@pytest.mark.parametrize("preset", ["blackhole_p150", "grayskull_e150"])
def test_examples_run_on_other_presets(preset, monkeypatch):
    monkeypatch.setenv("TENSIX_DEVICE", preset)
    assert _main("NoC_tile_transfer.noc_tile_transfer")() is True
    assert _main("vecadd_sharding.vecadd_sharding")(sharding_type="block") is True
    assert _main("matmul.matmul_multicore_reuse_mcast.matmul_multicore_reuse_mcast")(m=2048, n=1024, k=64) > 0.98
