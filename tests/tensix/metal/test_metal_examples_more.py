"""tt-metal's hello-world, RISC-V, SFPI and eltwise-chain programming examples, transliterated by the rules of
docs/metalium.md, run and pass their own checks; the hello worlds print what tt-metal's comments say they print."""

import importlib

import pytest

from tensix.errors import NocError

PKG = "tensix.examples.metal"


def _main(name: str, host: str = ""):
    return importlib.import_module(f"{PKG}.{name}.{host or name}").main


@pytest.mark.parametrize("name", ["custom_sfpi_add", "custom_sfpi_smoothstep", "custom_sfpu_kernel_add",
                                  "eltwise_ternary", "eltwise_fpu_chain"])
def test_eltwise_examples_pass_their_checks(name):
    assert _main(name)(n_tiles=2) is True


def test_sfpu_eltwise_chain_pcc():
    assert _main("sfpu_eltwise_chain")() > 0.999


def test_add_2_integers_in_riscv(monkeypatch, capsys):
    monkeypatch.setenv("TT_METAL_DPRINT_CORES", "0,0")
    assert _main("add_2_integers_in_riscv")() is True
    out = capsys.readouterr().out.splitlines()
    assert out == ["0:(x=0,y=0):BR: Adding integers: 14 + 7", "Success: Result is 21"]


def test_hello_world_compute_kernel_prints_from_each_trisc(monkeypatch, capsys):
    monkeypatch.setenv("TT_METAL_DPRINT_CORES", "0,0")
    assert sorted(_main("hello_world_compute_kernel")()) == [
        ("TR0", "Hello, I am the UNPACK core running the compute kernel"),
        ("TR1", "Hello, I am the MATH core running the compute kernel"),
        ("TR2", "Hello, I am the PACK core running the compute kernel")]
    assert capsys.readouterr().out.splitlines() == [  # the host's lines, and the device's as tt-metal's comment shows
        "Hello, Core {0, 0} on Device 0, I am sending you a compute kernel. Standby awaiting communication.",
        "0:(x=0,y=0):TR0: Hello, I am the UNPACK core running the compute kernel",
        "0:(x=0,y=0):TR1: Hello, I am the MATH core running the compute kernel",
        "0:(x=0,y=0):TR2: Hello, I am the PACK core running the compute kernel",
        "Thank you, Core {0, 0} on Device 0, for the completed task."]


def test_hello_world_datamovement_kernel_data0_and_data1_print_on_their_core_only(monkeypatch, capsys):
    monkeypatch.setenv("TT_METAL_DPRINT_CORES", "(0,0)")
    _main("hello_world_datamovement_kernel")()
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("0:")]
    assert printed == [  # as tt-metal's example says it prints
        "0:(x=0,y=0):NC: My logical coordinates are 0,0",
        "0:(x=0,y=0):NC: Hello, host, I am running a void data movement kernel on Data Movement core 1.",
        "0:(x=0,y=0):BR: My logical coordinates are 0,0",
        "0:(x=0,y=0):BR: Hello, host, I am running a void data movement kernel on Data Movement core 0."]


def test_hello_world_datatypes_kernel_reads_grayskulls_dram_bank(monkeypatch):
    """Its kernel hard-codes NoC (1, 0): Grayskull's DRAM bank 0, an Ethernet tile on Wormhole."""
    monkeypatch.setenv("TENSIX_DEVICE", "grayskull_e150")
    line = ("writer", "Master, I have retrieved the value stored on Device 0 DRAM. Here we go.  It is: 1.23")
    assert _main("hello_world_datatypes_kernel")() == [line]
    assert _main("hello_world_datatypes_kernel", "hello_world_datatypes_kernel_ez")() == [line]
    monkeypatch.setenv("TENSIX_DEVICE", "wormhole_n150")
    with pytest.raises(NocError, match=r"NoC coordinates \(1, 0\), which are not a worker core or DRAM bank"):
        _main("hello_world_datatypes_kernel")()


@pytest.mark.parametrize("name", ["custom_sfpi_add", "custom_sfpi_smoothstep"])
def test_ez_hosts_pass_their_checks(name):
    assert _main(name, f"{name}_ez")(n_tiles=2) is True


def test_ez_sfpu_eltwise_chain_and_add_2_integers_in_riscv():
    assert _main("sfpu_eltwise_chain", "sfpu_eltwise_chain_ez")() > 0.999
    assert _main("add_2_integers_in_riscv", "add_2_integers_in_riscv_ez")() is True


@pytest.mark.parametrize("name", ["hello_world_compute_kernel", "hello_world_datamovement_kernel"])
def test_ez_hello_worlds_print_as_the_mesh_hosts_do(name):
    assert _main(name, f"{name}_ez")() == _main(name)()
