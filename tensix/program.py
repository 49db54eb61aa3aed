"""The Program: the contract between compiler (or a hand-written script) and emulator.

Plain data: DRAM buffers, and per core its circular buffers, semaphores, L1 buffers and kernels.
Kernels are Python functions referenced as "module:qualname" with JSON-able args, so a Program
round-trips through JSON (`to_json` / `from_json`) and renders as stable text (`render`).
"""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields

from tensix.errors import ProgramError
from tensix.formats import FORMATS

Coord = tuple[int, int]
ROLES = ("reader", "compute", "writer")
BUFFER_ROLES = ("input", "param", "output", "scratch", "state", "state_next")


@dataclass(frozen=True, slots=True)
class CoreRange:
    """Logical cores (x0, y0)-(x1, y1), inclusive, iterated in (y, x) order."""

    start: Coord
    end: Coord

    def __iter__(self):
        (x0, y0), (x1, y1) = self.start, self.end
        return iter([(x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)])


@dataclass(frozen=True, slots=True)
class BufferSpec:
    name: str
    shape: tuple[int, ...]
    dtype: str
    role: str = "scratch"
    layout: str = "tiles"  # or "rows": one matrix row per page; "sharded": a tile-column band per bank (tensix/dram.py)
    source: str = ""  # host array that fills it, when not its own name (a second layout of one tensor)
    memory: str = "dram"  # or "l1": no DRAM pages; the tensor lives in the L1 shards (ShardSpec) of its cores
    bank_cols: tuple[int, ...] = ()  # "sharded": tile columns per DRAM bank, in bank order
    base: int | None = None  # bank offset of its first page (reusing dead tensors' space); None: the next free


@dataclass(frozen=True, slots=True)
class CBSpec:
    core: Coord
    cb_id: int
    dtype: str
    num_pages: int
    name: str
    page_nbytes: int | None = None


@dataclass(frozen=True, slots=True)
class SemaphoreSpec:
    core: Coord
    sem_id: int
    initial: int = 0


@dataclass(frozen=True, slots=True)
class L1BufferSpec:
    core: Coord
    name: str
    nbytes: int


@dataclass(frozen=True, slots=True)
class ShardSpec:
    """Core `core` holds `pages` of L1-resident tensor `tensor`, one after another in its L1 (after its CBs)."""

    core: Coord
    tensor: str
    pages: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class KernelSpec:
    core: Coord
    role: str
    fn: str | Callable  # "module:qualname" or, for in-memory programs only, the function itself
    args: dict = field(default_factory=dict)
    noc: int | None = None
    fidelity: str | None = None
    label: str = ""  # what the kernel computes (source op), shown in traces

    def resolve(self) -> Callable:
        if callable(self.fn):
            return self.fn
        return resolve_function(self.fn)


KERNEL_MODULES = ("tensix.programs",)  # the project's own kernels, which a saved program may always name


@functools.cache
def resolve_function(ref: str) -> Callable:
    """Import the function named "module:qualname" (once: compiled programs name the same few hundred times).
    It must be a function defined there under that name, not one reached through another module's attributes."""
    module, _, qualname = ref.partition(":")
    try:
        obj = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ProgramError(f"kernel function '{ref}' cannot be imported: {exc}") from None
    where = (getattr(obj, "__module__", None), getattr(obj, "__qualname__", None))
    if not callable(obj) or where != (module, qualname):
        raise ProgramError(f"kernel function '{ref}' is not a function defined in module {module}")
    return obj


def check_kernel_refs(kernels: Iterable[KernelSpec], allow: Iterable[str] = ()) -> None:
    """A program read from a file names its kernels by "module:qualname", and loading it imports and runs them:
    only the project's kernel modules (KERNEL_MODULES) and the modules or functions in `allow` may be named."""
    trusted = (*KERNEL_MODULES, *allow)
    for k in kernels:
        ref = k.fn if isinstance(k.fn, str) else ""
        module = ref.partition(":")[0]
        if not any(ref == t or module == t or module.startswith(t + ".") for t in trusted):
            raise ProgramError(
                f"the program names kernel '{ref}' for the {k.role} kernel on core {k.core}; a saved program may run "
                f"only kernels of {', '.join(KERNEL_MODULES)} or ones you allow by module or module:function "
                f"(Program.from_json(text, allow_kernels=[\"{module or ref}\"]))")


def function_ref(fn: Callable) -> str:
    """The "module:qualname" of a module-level function (raises ProgramError for lambdas and closures)."""
    qual = getattr(fn, "__qualname__", "")
    if "<" in qual or not getattr(fn, "__module__", None):
        raise ProgramError(f"kernel {fn!r} is a lambda or closure; define it at module level so the Program can be "
                           f"saved as JSON")
    return f"{fn.__module__}:{qual}"


def _cores(cores: Coord | CoreRange | Iterable[Coord]) -> list[Coord]:
    if isinstance(cores, CoreRange):
        return list(cores)
    if isinstance(cores, tuple) and len(cores) == 2 and isinstance(cores[0], int) and isinstance(cores[1], int):
        return [cores]
    return [tuple(c) for c in cores]


@dataclass
class Program:
    """Everything the emulator needs to run one program on a device."""

    name: str = "program"
    device: str | None = None
    buffers: list[BufferSpec] = field(default_factory=list)
    cbs: list[CBSpec] = field(default_factory=list)
    semaphores: list[SemaphoreSpec] = field(default_factory=list)
    l1_buffers: list[L1BufferSpec] = field(default_factory=list)
    kernels: list[KernelSpec] = field(default_factory=list)
    shards: list[ShardSpec] = field(default_factory=list)

    # --- building ---------------------------------------------------------------------------------------
    def dram_buffer(self, name: str, shape: Iterable[int], dtype: str = "bf16", role: str = "scratch",
                    layout: str = "tiles", source: str = "", memory: str = "dram",
                    bank_cols: Iterable[int] = (), base: int | None = None) -> BufferSpec:
        """Declare a tensor; role input/param (written by the host), output (read back) or scratch; layout
        tiles (interleaved), rows, or sharded (a band of `bank_cols[b]` tile columns in bank b); memory "l1":
        it lives in the L1 shards `shard` gives it (tiles layout only), not in DRAM; `base`: its bank offset
        (the same in every bank), which it may share with buffers whose last use comes before its first write
        (tensix/dram.py checks that as it runs); None: after every buffer before it."""
        if dtype not in FORMATS:
            raise ProgramError(f"buffer '{name}': unknown dtype '{dtype}'; use one of {', '.join(FORMATS)}")
        if role not in BUFFER_ROLES:
            raise ProgramError(f"buffer '{name}': role '{role}' is not one of {', '.join(BUFFER_ROLES)}")
        if any(b.name == name for b in self.buffers):
            raise ProgramError(f"buffer '{name}' is declared twice")
        if layout not in ("tiles", "rows", "sharded"):
            raise ProgramError(f"buffer '{name}': layout '{layout}' is not tiles, rows or sharded")
        bank_cols = tuple(int(c) for c in bank_cols)
        if (layout == "sharded") != bool(bank_cols):
            raise ProgramError(f"buffer '{name}': a sharded layout needs bank_cols (tile columns per DRAM bank), "
                               f"and only it takes them; got layout '{layout}', bank_cols={list(bank_cols)}")
        if memory not in ("dram", "l1") or memory == "l1" and layout != "tiles":
            raise ProgramError(f"buffer '{name}': memory '{memory}' with layout '{layout}'; use memory dram, or l1 "
                               f"with tiles")
        if base is not None and (base < 0 or memory == "l1"):
            raise ProgramError(f"buffer '{name}': base {base} needs memory dram and a bank offset >= 0")
        spec = BufferSpec(name, tuple(int(s) for s in shape), dtype, role, layout, source, memory, bank_cols,
                          None if base is None else int(base))
        self.buffers.append(spec)
        return spec

    def circular_buffer(self, cores, cb_id: int, dtype: str, num_pages: int, name: str = "",
                        page_nbytes: int | None = None) -> None:
        """Declare CB cb_id on each core: num_pages pages of one `dtype` tile (or page_nbytes)."""
        if dtype not in FORMATS:
            raise ProgramError(f"CB {cb_id}: unknown dtype '{dtype}'; use one of {', '.join(FORMATS)}")
        if num_pages < 1:
            raise ProgramError(f"CB {cb_id} '{name}' needs at least one page, got {num_pages}")
        if page_nbytes is not None and page_nbytes < 1:
            raise ProgramError(f"CB {cb_id} '{name}' has pages of {page_nbytes} B; a page needs at least 1 B (leave "
                               f"page_nbytes out for one {dtype} tile per page)")
        for c in _cores(cores):
            self.cbs.append(CBSpec(c, cb_id, dtype, num_pages, name or f"cb{cb_id}", page_nbytes))

    def semaphore(self, cores, sem_id: int, initial: int = 0) -> None:
        for c in _cores(cores):
            self.semaphores.append(SemaphoreSpec(c, sem_id, initial))

    def l1_buffer(self, cores, name: str, nbytes: int) -> None:
        """Declare `nbytes` of L1 named `name` on each core (one address on every core declaring it)."""
        if nbytes < 1:
            raise ProgramError(f"L1 buffer '{name}' of {nbytes} B; it needs at least 1 B")
        for c in _cores(cores):
            if any(b.core == c and b.name == name for b in self.l1_buffers):
                raise ProgramError(f"core {c}: L1 buffer '{name}' is declared twice")
            self.l1_buffers.append(L1BufferSpec(c, name, nbytes))

    def shard(self, core: Coord, tensor: str, pages: Iterable[int]) -> None:
        """Core `core` holds these pages of L1-resident tensor `tensor` (declared with memory "l1")."""
        self.shards.append(ShardSpec(tuple(core), tensor, tuple(int(p) for p in pages)))

    def kernel(self, cores, role: str, fn: str | Callable, args: dict | Callable[[Coord], dict] | None = None, *,
               noc: int | None = None, fidelity: str | None = None, label: str = "") -> None:
        """Run fn(ctx, **args) as the `role` kernel of each core; args may be a function of the core."""
        if role not in ROLES:
            raise ProgramError(f"kernel role '{role}' is not one of {', '.join(ROLES)}")
        for c in _cores(cores):
            a = args(c) if callable(args) else dict(args or {})
            if any(k.core == c and k.role == role for k in self.kernels):
                raise ProgramError(f"core {c} already has a {role} kernel")
            self.kernels.append(KernelSpec(c, role, fn, a, noc, fidelity, label))

    # --- plain-data forms -------------------------------------------------------------------------------
    def cores(self) -> list[Coord]:
        """Every core the program uses, in (y, x) order."""
        used = {k.core for k in self.kernels} | {c.core for c in self.cbs} | {s.core for s in self.semaphores}
        used |= {b.core for b in self.l1_buffers} | {s.core for s in self.shards}
        return sorted(used, key=lambda c: (c[1], c[0]))

    def to_dict(self) -> dict:
        """Plain data for JSON. Shallow: kernel args are shared, not copied (compiled programs carry long step
        lists, and a deep copy of them cost more than writing them)."""
        d = {"name": self.name, "device": self.device}
        for name in ("buffers", "cbs", "semaphores", "l1_buffers", "shards"):
            if name != "shards" or self.shards:  # a program with no L1 tensors saves as it always did
                d[name] = [{f.name: getattr(x, f.name) for f in fields(x)} for x in getattr(self, name)]
        d["kernels"] = [{**{f.name: getattr(k, f.name) for f in fields(k)},
                         "fn": k.fn if isinstance(k.fn, str) else function_ref(k.fn)} for k in self.kernels]
        return d

    def to_json(self) -> str:
        """One line: json's C encoder writes it (an indented dump runs in Python, seconds for a model). A core's
        reader, compute and writer share its steps: each step becomes plain data once."""
        memo: dict[int, object] = {}  # id -> plain form, of values that to_dict's result keeps alive meanwhile

        def plain(value):
            out = memo.get(id(value))
            if out is None:
                out = memo[id(value)] = _plain(value)
            return out

        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), default=plain)

    @classmethod
    def from_json(cls, text: str, *, allow_kernels: Iterable[str] = ()) -> Program:
        """The Program of `to_json`; its kernels must come from KERNEL_MODULES or `allow_kernels` (modules or
        "module:function" names): loading a file must not run whatever function it names."""
        try:
            program = cls._from_dict(json.loads(text))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProgramError(f"not a program saved by Program.to_json: {type(exc).__name__} {exc}") from None
        check_kernel_refs(program.kernels, allow_kernels)
        return program

    @classmethod
    def _from_dict(cls, d: dict) -> Program:
        t = tuple
        return cls(
            name=d["name"], device=d.get("device"),
            buffers=[BufferSpec(b["name"], t(b["shape"]), b["dtype"], b["role"], b.get("layout", "tiles"),
                                b.get("source", ""), b.get("memory", "dram"), t(b.get("bank_cols", ())),
                                b.get("base"))
                     for b in d["buffers"]],
            cbs=[CBSpec(t(c["core"]), c["cb_id"], c["dtype"], c["num_pages"], c["name"], c.get("page_nbytes"))
                 for c in d["cbs"]],
            semaphores=[SemaphoreSpec(t(s["core"]), s["sem_id"], s["initial"]) for s in d["semaphores"]],
            l1_buffers=[L1BufferSpec(t(b["core"]), b["name"], b["nbytes"]) for b in d["l1_buffers"]],
            shards=[ShardSpec(t(s["core"]), s["tensor"], t(s["pages"])) for s in d.get("shards", [])],
            kernels=[KernelSpec(t(k["core"]), k["role"], k["fn"], _typed_args(k["fn"], k["args"]), k.get("noc"),
                                k.get("fidelity"), k.get("label", "")) for k in d["kernels"]],
        )

    def render(self) -> str:
        """Stable human-readable text: buffers, then per core its CBs, semaphores and kernels."""
        lines = [f"program {self.name}" + (f" on {self.device}" if self.device else "")]
        lines += [f"  dram {b.name}: {b.dtype}{list(b.shape)} {b.role}" + (" rows" if b.layout == "rows" else "")
                  + (f" sharded {list(b.bank_cols)}" if b.layout == "sharded" else "")
                  + (" l1" if b.memory == "l1" else "") + ("" if b.base is None else f" at 0x{b.base:x}")
                  for b in self.buffers]
        for c in self.cores():
            lines.append(f"  core ({c[0]}, {c[1]})")
            lines += [f"    cb {s.cb_id} '{s.name}': {s.num_pages} x {s.dtype}" for s in self.cbs if s.core == c]
            lines += [f"    semaphore {s.sem_id} = {s.initial}" for s in self.semaphores if s.core == c]
            lines += [f"    l1 '{b.name}': {b.nbytes} B" for b in self.l1_buffers if b.core == c]
            lines += [f"    shard '{s.tensor}': {len(s.pages)} pages" for s in self.shards if s.core == c]
            for k in self.kernels:
                if k.core == c:
                    fn = k.fn if isinstance(k.fn, str) else function_ref(k.fn)
                    args = ", ".join(f"{n}={json.dumps(v, sort_keys=True, default=_plain)}"
                                     for n, v in sorted(k.args.items()))
                    lines.append(f"    {k.role}: {fn}({args})" + (f" noc={k.noc}" if k.noc is not None else ""))
        return "\n".join(lines)


def _plain(value):
    """JSON for kernel args holding schedule values (the stage kernels' typed steps)."""
    from tensix.schedule.plain import to_plain

    return to_plain(value)


def _typed_args(fn: str, args: dict) -> dict:
    """The stage kernels (tensix/programs/stages) take typed steps: decode them from their plain form."""
    if fn.startswith("tensix.programs.stages.") and "steps" in args:
        from tensix.schedule.plain import kernel_args

        return kernel_args(args)
    return args
