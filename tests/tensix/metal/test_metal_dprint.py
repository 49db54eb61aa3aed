"""DPRINT per processor as tt-metal prints it: DPRINT_DATA0/1 only on their data movement core, a compute kernel's
DPRINT once per TRISC, and the TT_METAL_DPRINT_CORES echo (which cores, when, in which order)."""

from tensix.metal import *


def _compute(ctx):
    ctx.DPRINT("all ", 1)
    ctx.DPRINT_PACK("pack")


def _dm(ctx):
    ctx.DPRINT_DATA0("data0")
    ctx.DPRINT_DATA1("data1")


def _run(cores, monkeypatch, env: str | None):
    if env is None:
        monkeypatch.delenv("TT_METAL_DPRINT_CORES", raising=False)
    else:
        monkeypatch.setenv("TT_METAL_DPRINT_CORES", env)
    device = CreateDevice(0)
    program = CreateProgram()
    CreateKernel(program, _compute, cores, ComputeConfig())
    CreateKernel(program, _dm, cores, ReaderDataMovementConfig())
    EnqueueProgram(device.command_queue(), program, False)
    return device


def test_processor_prints(monkeypatch, capsys):
    device = _run(CoreCoord(1, 0), monkeypatch, None)
    assert [(p, t) for _, p, t in device.dprint[(1, 0)]] == [  # the reader starts first
        ("reader", "data1"), ("TR0", "all 1"), ("TR1", "all 1"), ("TR2", "all 1"), ("TR2", "pack")]
    Finish(device.command_queue())
    assert capsys.readouterr().out == ""  # not asked for


def test_echo_waits_for_finish_and_lists_only_the_cores_asked_for(monkeypatch, capsys):
    device = _run(CoreRange((0, 0), (1, 0)), monkeypatch, "(1,0)")
    assert capsys.readouterr().out == ""  # the host sees nothing before Finish
    Finish(device.command_queue())
    assert capsys.readouterr().out.splitlines() == [
        "0:(x=1,y=0):NC: data1", "0:(x=1,y=0):TR0: all 1", "0:(x=1,y=0):TR1: all 1", "0:(x=1,y=0):TR2: all 1",
        "0:(x=1,y=0):TR2: pack"]
    device = _run(CoreRange((0, 0), (1, 0)), monkeypatch, "all")
    CloseDevice(device)
    assert len(capsys.readouterr().out.splitlines()) == 10
