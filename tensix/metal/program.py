"""A TT-Metalium Program: circular buffers, kernels with compile-time and runtime args, semaphores.

Host calls (CreateCircularBuffer, CreateKernel, SetRuntimeArgs, CreateSemaphore) fill it in; EnqueueProgram
loads it onto the emulated device (tensix.metal.launch).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tensix.errors import ProgramError
from tensix.metal import named_args
from tensix.metal.coords import cores_of
from tensix.metal.enums import NOC as NOCS
from tensix.metal.enums import DataFormat, DataMovementProcessor, MathFidelity
from tensix.pyrecord import kernel_path, note_kernel_file


class CircularBufferConfig:
    """CircularBufferConfig(total_size, {index: DataFormat}).set_page_size(index, nbytes): every index of the
    spec names the same memory (tt-metal's shared CB indices)."""

    def __init__(self, total_size: int, data_format_spec: dict):
        self.total_size = int(total_size)
        self.data_formats = {int(i): f for i, f in dict(data_format_spec).items()}
        for i, f in self.data_formats.items():
            if not isinstance(f, DataFormat):
                raise ProgramError(f"CB {i}: data format {f!r} is not a DataFormat (e.g. DataFormat.Float16_b)")
        self.page_sizes: dict[int, int] = {}
        self.globally_allocated = None

    def set_page_size(self, buffer_index: int, page_size: int) -> CircularBufferConfig:
        if int(buffer_index) not in self.data_formats:
            raise ProgramError(f"set_page_size({buffer_index}, ...): CB {int(buffer_index)} is not in this config "
                               f"(indices: {sorted(self.data_formats)})")
        self.page_sizes[int(buffer_index)] = int(page_size)
        return self

    def set_total_size(self, total_size: int) -> CircularBufferConfig:
        self.total_size = int(total_size)
        return self

    def set_globally_allocated_address(self, buffer) -> CircularBufferConfig:
        """Back the CB by an L1 buffer (its shard on each core) instead of program-allocated L1."""
        self.globally_allocated = buffer
        return self

    def page_size(self, index: int) -> int:
        if index not in self.page_sizes:
            raise ProgramError(f"CB {index}: no page size; call .set_page_size({index}, nbytes)")
        return self.page_sizes[index]


@dataclass(frozen=True, slots=True, kw_only=True)
class DataMovementConfig:
    processor: DataMovementProcessor = DataMovementProcessor.RISCV_0
    noc: int = NOCS.RISCV_0_default
    compile_args: list = field(default_factory=list)
    defines: dict = field(default_factory=dict)
    named_compile_args: dict = field(default_factory=dict)  # get_named_compile_time_arg_val("name")


def ReaderDataMovementConfig(compile_args=(), defines=None, named_compile_args=None) -> DataMovementConfig:
    return DataMovementConfig(processor=DataMovementProcessor.RISCV_1, noc=NOCS.RISCV_1_default,
                              compile_args=list(compile_args), defines=dict(defines or {}),
                              named_compile_args=dict(named_compile_args or {}))


def WriterDataMovementConfig(compile_args=(), defines=None, named_compile_args=None) -> DataMovementConfig:
    return DataMovementConfig(processor=DataMovementProcessor.RISCV_0, noc=NOCS.RISCV_0_default,
                              compile_args=list(compile_args), defines=dict(defines or {}),
                              named_compile_args=dict(named_compile_args or {}))


@dataclass(frozen=True, slots=True, kw_only=True)
class ComputeConfig:
    math_fidelity: MathFidelity = MathFidelity.HiFi4
    fp32_dest_acc_en: bool = False
    dst_full_sync_en: bool = False
    math_approx_mode: bool = False
    compile_args: list = field(default_factory=list)
    defines: dict = field(default_factory=dict)
    named_compile_args: dict = field(default_factory=dict)


@dataclass
class Kernel:
    """One CreateKernel call: the function, its cores, its config, and per-core runtime args."""

    kid: int
    name: str
    fn: Callable
    cores: list[tuple[int, int]]
    config: DataMovementConfig | ComputeConfig
    runtime_args: dict = field(default_factory=dict)
    common_args: list = field(default_factory=list)
    named_runtime_args: dict = field(default_factory=dict)  # core -> {name: value} (experimental::ProgramRunArgs)
    named_common_args: dict = field(default_factory=dict)

    @property
    def role(self) -> str:
        if isinstance(self.config, ComputeConfig):
            return "compute"
        return "reader" if self.config.processor == DataMovementProcessor.RISCV_1 else "writer"


@dataclass
class CBEntry:
    handle: int
    cores: list[tuple[int, int]]
    config: CircularBufferConfig


class Program:
    """tt_metal::Program: what CreateCircularBuffer, CreateKernel, CreateSemaphore and SetRuntimeArgs add."""

    def __init__(self):
        self.kernels: list[Kernel] = []
        self.cbs: list[CBEntry] = []
        self.semaphores: dict[tuple[int, int], dict[int, int]] = {}  # core -> {id: initial value}

    def core_list(self) -> list[tuple[int, int]]:
        used = {c for k in self.kernels for c in k.cores} | {c for e in self.cbs for c in e.cores}
        used |= set(self.semaphores)
        return sorted(used, key=lambda c: (c[1], c[0]))


def CreateProgram() -> Program:
    return Program()


def CreateCircularBuffer(program: Program, cores, config: CircularBufferConfig) -> int:
    """Add a CB (all indices of its config) on every core of `cores`; returns its handle."""
    for i in config.data_formats:
        config.page_size(i)
        if not 0 <= i < 32:
            raise ProgramError(f"CB index {i} outside 0..31")
    program.cbs.append(CBEntry(len(program.cbs), cores_of(cores), config))
    return len(program.cbs) - 1


def CreateSemaphore(program: Program, cores, initial_value: int, core_type=None) -> int:
    """A semaphore on every core of `cores`, initialised to initial_value; returns its id (the lowest id free on
    all those cores, as tt-metal assigns them)."""
    cores = cores_of(cores)
    used = set().union(*(program.semaphores.get(c, {}).keys() for c in cores))
    sid = next(i for i in range(len(used) + 1) if i not in used)
    for c in cores:
        program.semaphores.setdefault(c, {})[sid] = int(initial_value)
    return sid


_LOADED: dict[tuple[str, float], Callable] = {}


_HERE = str(Path(__file__).parent)


def _caller_dir() -> Path:
    """The directory of the host file that called into tensix.metal (kernel paths are relative to it)."""
    here = _HERE
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if not name.startswith(here) and not name.startswith("<"):
            return Path(name).resolve().parent
        frame = frame.f_back
    return Path.cwd()


# tt-metal kernel paths as the examples write them, relative to its repository root, and where their Python
# transliterations live (examples/metal mirrors tt_metal/programming_examples; test kernels sit in test_kernels/)
_REPO_PREFIXES = (("tt_metal/programming_examples/", ""), ("tests/tt_metal/tt_metal/test_kernels/", "test_kernels/"))


def _examples_dir() -> Path | None:
    spec = importlib.util.find_spec("tensix.examples.metal")
    return Path(next(iter(spec.submodule_search_locations))) if spec and spec.submodule_search_locations else None


def kernel_candidates(path: str, base: Path) -> list[Path]:
    """Where a kernel path may point: as given (absolute, or relative to the host file's folder, then the working
    directory, then examples/metal as tt-metal's OVERRIDE_KERNEL_PREFIX is relative to programming_examples);
    a tt-metal repository path maps into examples/metal; `.cpp` stands for its `.py` transliteration."""
    names = [path[:-4] + ".py", path] if path.endswith(".cpp") else [path]
    out: list[Path] = []
    examples = _examples_dir()
    for name in names:
        p = Path(name)
        if p.is_absolute():
            out.append(p)
            continue
        out += [base / p, Path.cwd() / p]
        if examples is not None:
            mapped = next((local + name[len(repo):] for repo, local in _REPO_PREFIXES if name.startswith(repo)), name)
            out.append(examples / mapped)
    return list(dict.fromkeys(out))


def load_kernel(path: str | os.PathLike, base: Path) -> Callable:
    """kernel_main of the Python kernel file `path` (relative: to the host file's directory, then the cwd)."""
    p = kernel_path(Path(path))  # under `tensix rerun`: the recorded copy of the file
    candidates = [p] if p.is_absolute() else kernel_candidates(str(path), base)
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        raise ProgramError(f"kernel file '{path}' not found (looked in {', '.join(str(c) for c in candidates)})")
    note_kernel_file(found)  # part of the program a run directory records
    key = (str(found.resolve()), found.stat().st_mtime)
    if key not in _LOADED:
        spec = importlib.util.spec_from_file_location(f"tensix_metal_kernel_{len(_LOADED)}", found)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        fn = named_args.find_entry(module)
        if fn is None:
            raise ProgramError(f"kernel file '{found}' defines no kernel_main(ctx) (nor a TT_KERNEL entry)")
        _LOADED[key] = fn
    return _LOADED[key]


def CreateKernel(program: Program, file_or_function, cores, config) -> int:
    """Add a kernel (a Python file defining kernel_main(ctx), or a function) on every core of `cores`."""
    if not isinstance(config, (DataMovementConfig, ComputeConfig)):
        raise ProgramError(f"CreateKernel: config {config!r} is not a DataMovementConfig or ComputeConfig")
    object.__setattr__(config, "named_compile_args",
                       named_args.check_names(f"kernel '{file_or_function}'", config.named_compile_args,
                                              "named compile-time arg"))
    if callable(file_or_function):
        fn, name = file_or_function, getattr(file_or_function, "__name__", "kernel")
    else:
        fn, name = load_kernel(file_or_function, _caller_dir()), Path(file_or_function).stem
    k = Kernel(len(program.kernels), name, fn, cores_of(cores), config)
    for other in program.kernels:
        clash = set(other.cores) & set(k.cores)
        if other.role == k.role and clash:
            raise ProgramError(f"kernel '{name}' and kernel '{other.name}' both run on the {k.role} processor of "
                               f"core {sorted(clash)[0]}; give one the other DataMovementProcessor")
    program.kernels.append(k)
    return k.kid


def _kernel(program: Program, kid: int) -> Kernel:
    if not isinstance(kid, int) or not 0 <= kid < len(program.kernels):
        raise ProgramError(f"no kernel {kid!r} in this program (it has {len(program.kernels)})")
    return program.kernels[kid]


def _check_args(k: Kernel, core, args) -> list[int]:
    out = []
    for i, a in enumerate(args):
        v = int(a)
        if v != a or not 0 <= v < 1 << 32:
            raise ProgramError(f"kernel '{k.name}' on core {core}: runtime arg {i} = {a!r} is not a uint32")
        out.append(v)
    return out


def SetRuntimeArgs(program: Program, kernel_id: int, cores, args) -> None:
    """Runtime args of a kernel on each of `cores`: one list for all, or (a list of cores) one list per core."""
    k = _kernel(program, kernel_id)
    cores_list = cores_of(cores)
    per_core = isinstance(cores, list) and args and isinstance(args[0], (list, tuple))
    for i, c in enumerate(cores_list):
        if c not in k.cores:
            raise ProgramError(f"kernel '{k.name}' does not run on core {c}; it runs on {k.cores}")
        k.runtime_args[c] = _check_args(k, c, args[i] if per_core else args)


def GetRuntimeArgs(program: Program, kernel_id: int, core) -> list[int]:
    """The runtime args list of a kernel on a core, to change in place before the next EnqueueProgram."""
    k = _kernel(program, kernel_id)
    c = cores_of(core)[0]
    return k.runtime_args.setdefault(c, [])


def SetCommonRuntimeArgs(program: Program, kernel_id: int, args) -> None:
    k = _kernel(program, kernel_id)
    k.common_args = _check_args(k, "(common)", args)


def GetCommonRuntimeArgs(program: Program, kernel_id: int) -> list[int]:
    return _kernel(program, kernel_id).common_args
