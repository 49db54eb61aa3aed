"""Named kernel args: named_compile_args, the experimental KernelSpec / ProgramRunArgs host API (named values also
fill the positional slots in schema order), TT_KERNEL entries with generated kernel_main, and their errors."""

import pytest

from tensix.errors import KernelError, ProgramError
from tensix.metal import *


def _run(program):
    device = CreateDevice(0)
    EnqueueProgram(device.command_queue(), program)
    return [t for _, _, t in device.dprint.get((0, 0), [])]


def _named_ct(ctx):
    ctx.DPRINT(ctx.get_named_compile_time_arg_val("cb"), " ", ctx.get_compile_time_arg_val(0))


def test_named_compile_args_beside_positional_ones():
    p = CreateProgram()
    CreateKernel(p, _named_ct, (0, 0), WriterDataMovementConfig([7], named_compile_args={"cb": 3}))
    assert _run(p) == ["3 7"]


def _missing_named(ctx):
    ctx.get_named_compile_time_arg_val("nope")


def test_missing_named_compile_arg_names_kernel_and_core():
    p = CreateProgram()
    CreateKernel(p, _missing_named, (0, 0), WriterDataMovementConfig(named_compile_args={"cb": 3}))
    with pytest.raises(KernelError, match=r"kernel '_missing_named' on core \(0, 0\).*'nope'.*\['cb'\]"):
        _run(p)


def test_named_compile_arg_must_be_uint32():
    with pytest.raises(ProgramError, match="'cb' = -1 is not a uint32"):
        CreateKernel(CreateProgram(), _named_ct, (0, 0), WriterDataMovementConfig(named_compile_args={"cb": -1}))


@TT_KERNEL
def _entry(ctx, a, b, *, n):
    ctx.DPRINT(f"a={a} b={b} n={n} arg0={ctx.get_arg_val(0)} common1={ctx.get_common_arg_val(1)}")


def _spec_program(values, common):
    spec = experimental.KernelSpec(unique_id="k", source="unused", compile_time_args={"n": 5},
                                   runtime_arg_schema={"runtime_arg_names": ["a", "b"],
                                                       "common_runtime_arg_names": ["c0", "c1"]})
    program = CreateProgram()
    kid = CreateKernel(program, named_generated(_entry), (0, 0), WriterDataMovementConfig(named_compile_args={"n": 5}))
    program.kernels[kid].spec, program.spec_kernels = spec, {"k": kid}
    params = experimental.ProgramRunArgs()
    params.kernel_run_args = [experimental.ProgramRunArgs.KernelRunArgs(
        kernel="k", runtime_arg_values={experimental.NodeCoord(0, 0): values}, common_runtime_arg_values=common)]
    experimental.SetProgramRunArgs(program, params)
    return program


def named_generated(fn):
    from tensix.metal.named_args import generated_main
    return generated_main(fn)


def test_generated_kernel_main_passes_args_by_name_and_fills_positions():
    program = _spec_program({"b": 2, "a": 1}, {"c1": 9, "c0": 8})
    assert _run(program) == ["a=1 b=2 n=5 arg0=1 common1=9"]


def test_run_args_must_match_the_schema():
    with pytest.raises(ProgramError, match=r"runtime args \['b'\] not set and \['z'\] not in its schema"):
        _spec_program({"a": 1, "z": 2}, {"c0": 1, "c1": 2})


def _bad_get_arg(ctx):
    ctx.get_arg(args.missing)


def test_get_arg_of_an_unknown_name():
    p = CreateProgram()
    CreateKernel(p, _bad_get_arg, (0, 0), WriterDataMovementConfig(named_compile_args={"n": 1}))
    with pytest.raises(KernelError, match=r"get_arg\('missing'\).*named args: n"):
        _run(p)


def test_make_program_from_spec_checks_names():
    spec = experimental.ProgramSpec(name="p", kernels=[], work_units=[{"name": "wu", "kernels": ["ghost"],
                                                                       "target_nodes": experimental.NodeCoord(0, 0)}])
    with pytest.raises(ProgramError, match="names kernel 'ghost'"):
        experimental.MakeProgramFromSpec(CreateDevice(0), spec)
