"""tt-metal's experimental named-argument host API (Metal 2.0: experimental::KernelSpec, ProgramSpec,
MakeProgramFromSpec, ProgramRunArgs, SetProgramRunArgs): kernels declared with named compile-time args and a
schema of named runtime / common runtime args, whose values are then set by name. Named runtime args also fill
the positional slots in schema order, so get_arg_val(i) sees them too."""

from __future__ import annotations

from dataclasses import dataclass, field

from tensix.errors import ProgramError
from tensix.metal.coords import cores_of
from tensix.metal.enums import NOC, DataMovementProcessor, MathFidelity
from tensix.metal.named_args import check_names
from tensix.metal.program import ComputeConfig, CreateKernel, DataMovementConfig, Program


class KernelSpecName(str):
    """experimental::KernelSpecName{"name"}: a kernel's unique id."""


@dataclass(frozen=True, slots=True)
class NodeCoord:
    x: int
    y: int

    def __iter__(self):
        return iter((self.x, self.y))


@dataclass(frozen=True, slots=True, kw_only=True)
class _Gen1Config:
    processor: DataMovementProcessor = DataMovementProcessor.RISCV_0
    noc: int = NOC.RISCV_0_default


@dataclass(frozen=True, slots=True, kw_only=True)
class _Gen2Config:
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class DataMovementHardwareConfig:
    gen1_config: _Gen1Config = field(default_factory=_Gen1Config)
    gen2_config: _Gen2Config = field(default_factory=_Gen2Config)


DataMovementHardwareConfig.Gen1Config = _Gen1Config
DataMovementHardwareConfig.Gen2Config = _Gen2Config


@dataclass(frozen=True, slots=True, kw_only=True)
class ComputeHardwareConfig:
    math_fidelity: MathFidelity = MathFidelity.HiFi4
    fp32_dest_acc_en: bool = False
    dst_full_sync_en: bool = False
    math_approx_mode: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RuntimeArgSchema:
    runtime_arg_names: list = field(default_factory=list)
    common_runtime_arg_names: list = field(default_factory=list)


def _pairs(values) -> dict:
    """A C++ brace list of {name, value} pairs: a dict, or a list of pairs."""
    return dict(values.items() if isinstance(values, dict) else values or [])


@dataclass(kw_only=True)
class KernelSpec:
    unique_id: str
    source: str
    num_threads: int = 1
    compile_time_args: dict = field(default_factory=dict)
    runtime_arg_schema: object = field(default_factory=RuntimeArgSchema)
    hw_config: object = field(default_factory=DataMovementHardwareConfig)

    def schema(self) -> RuntimeArgSchema:
        s = self.runtime_arg_schema
        return RuntimeArgSchema(**s) if isinstance(s, dict) else s


@dataclass(kw_only=True)
class WorkUnitSpec:
    name: str = ""
    kernels: list = field(default_factory=list)
    target_nodes: object = None


@dataclass(kw_only=True)
class ProgramSpec:
    name: str = ""
    kernels: list = field(default_factory=list)
    work_units: list = field(default_factory=list)


@dataclass(kw_only=True)
class _KernelRunArgs:
    kernel: str
    runtime_arg_values: object = field(default_factory=dict)
    common_runtime_arg_values: object = field(default_factory=dict)


@dataclass
class ProgramRunArgs:
    kernel_run_args: list = field(default_factory=list)


ProgramRunArgs.KernelRunArgs = _KernelRunArgs


def _config(spec: KernelSpec, names: dict):
    hw = spec.hw_config
    if isinstance(hw, ComputeHardwareConfig):
        return ComputeConfig(math_fidelity=hw.math_fidelity, fp32_dest_acc_en=hw.fp32_dest_acc_en,
                             dst_full_sync_en=hw.dst_full_sync_en, math_approx_mode=hw.math_approx_mode,
                             named_compile_args=names)
    if isinstance(hw, DataMovementHardwareConfig):
        g = hw.gen1_config
        return DataMovementConfig(processor=g.processor, noc=g.noc, named_compile_args=names)
    raise ProgramError(f"kernel '{spec.unique_id}': hw_config {hw!r} is not a DataMovementHardwareConfig or "
                       f"ComputeHardwareConfig")


def MakeProgramFromSpec(device, spec: ProgramSpec) -> Program:
    """A Program with each work unit's kernels on its target nodes, compile-time args baked in by name."""
    specs = {}
    for k in spec.kernels:
        if k.unique_id in specs:
            raise ProgramError(f"ProgramSpec '{spec.name}': two kernels named '{k.unique_id}'")
        specs[k.unique_id] = k
    program = Program()
    program.spec_kernels = {}
    for wu in spec.work_units:
        wu = WorkUnitSpec(**wu) if isinstance(wu, dict) else wu
        cores = cores_of(wu.target_nodes)
        for name in wu.kernels:
            if name not in specs:
                raise ProgramError(f"work unit '{wu.name}' names kernel '{name}', which the ProgramSpec does not "
                                   f"declare (kernels: {', '.join(specs)})")
            ks = specs[name]
            names = check_names(f"kernel '{name}'", _pairs(ks.compile_time_args), "compile-time arg")
            kid = CreateKernel(program, ks.source, cores, _config(ks, names))
            program.kernels[kid].spec = ks
            program.spec_kernels[str(name)] = kid
    return program


def SetProgramRunArgs(program: Program, params: ProgramRunArgs) -> None:
    """Runtime and common runtime args by name; every name of the kernel's schema must be given, and only those."""
    table = getattr(program, "spec_kernels", None)
    if table is None:
        raise ProgramError("SetProgramRunArgs: the program was not made by MakeProgramFromSpec")
    for ra in params.kernel_run_args:
        ra = _KernelRunArgs(**ra) if isinstance(ra, dict) else ra
        if str(ra.kernel) not in table:
            raise ProgramError(f"SetProgramRunArgs: no kernel '{ra.kernel}' in this program ({', '.join(table)})")
        k = program.kernels[table[str(ra.kernel)]]
        schema = k.spec.schema()
        common = check_names(f"kernel '{ra.kernel}'", _pairs(ra.common_runtime_arg_values), "common runtime arg")
        _check_schema(ra.kernel, "common runtime", common, schema.common_runtime_arg_names)
        k.named_common_args = common
        k.common_args = [common[n] for n in schema.common_runtime_arg_names]
        for node, values in _pairs(ra.runtime_arg_values).items():
            values = check_names(f"kernel '{ra.kernel}'", _pairs(values), "runtime arg")
            _check_schema(ra.kernel, "runtime", values, schema.runtime_arg_names)
            for core in cores_of(node):
                if core not in k.cores:
                    raise ProgramError(f"SetProgramRunArgs: kernel '{ra.kernel}' does not run on node {core}")
                k.named_runtime_args[core] = values
                k.runtime_args[core] = [values[n] for n in schema.runtime_arg_names]


def _check_schema(kernel: str, kind: str, values: dict, names) -> None:
    missing, extra = [n for n in names if n not in values], [n for n in values if n not in names]
    if missing or extra:
        raise ProgramError(f"kernel '{kernel}': {kind} args " + (f"{missing} not set" if missing else "")
                           + (" and " if missing and extra else "") + (f"{extra} not in its schema" if extra else "")
                           + f"; its schema names {list(names)}")


HOST_NAMES = ["ComputeHardwareConfig", "DataMovementHardwareConfig", "KernelSpec", "KernelSpecName",
              "MakeProgramFromSpec", "NodeCoord", "ProgramRunArgs", "ProgramSpec", "RuntimeArgSchema",
              "SetProgramRunArgs", "WorkUnitSpec"]
