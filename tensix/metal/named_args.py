"""Named kernel arguments: `named_compile_args` of a kernel config read with get_named_compile_time_arg_val, and
tt-metal's TT_KERNEL entries whose template parameters are the compile-time args and whose function parameters
are the runtime args, called by a generated kernel_main (transliterated: `@TT_KERNEL def f(ctx, src_addr, *,
block_h)`; `get_arg(args::block_h)` -> `ctx.get_arg(args.block_h)`)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from tensix.errors import KernelError, ProgramError


@dataclass(frozen=True, slots=True)
class ArgName:
    """`args::name`: a kernel argument named on the host."""

    name: str


class _Args:
    """`args::` as an object: `args.block_h` is ArgName("block_h")."""

    def __getattr__(self, name: str) -> ArgName:
        if name.startswith("__"):
            raise AttributeError(name)
        return ArgName(name)


args = _Args()


def TT_KERNEL(fn: Callable) -> Callable:
    """Mark a kernel file's entry: kernel_main is generated to call it with its arguments by name."""
    fn.tt_kernel = True
    return fn


def check_names(where: str, values, kind: str) -> dict[str, int]:
    """Named args as a dict of str -> uint32 (a typed error for anything else)."""
    out = {}
    for name, v in dict(values or {}).items():
        if not isinstance(name, str):
            raise ProgramError(f"{where}: {kind} name {name!r} is not a string")
        if int(v) != v or not 0 <= int(v) < 1 << 32:
            raise ProgramError(f"{where}: {kind} '{name}' = {v!r} is not a uint32")
        out[name] = int(v)
    return out


def lookup(ctx, name) -> int:
    """ctx.get_arg(args.name): the compile-time, runtime (this core) or common runtime arg of that name."""
    key = name.name if isinstance(name, ArgName) else name
    k = ctx.kernel
    for table in (k.config.named_compile_args, k.named_runtime_args.get(ctx.core, {}), k.named_common_args):
        if key in table:
            return table[key]
    known = sorted({*k.config.named_compile_args, *k.named_runtime_args.get(ctx.core, {}), *k.named_common_args})
    raise KernelError(f"{ctx.where()}: get_arg({key!r}) but the kernel has no argument of that name "
                      f"(named args: {', '.join(known) or 'none'})")


def compile_time(ctx, name: str) -> int:
    table = ctx.kernel.config.named_compile_args
    if name not in table:
        raise KernelError(f"{ctx.where()}: get_named_compile_time_arg_val({name!r}) but the kernel's "
                          f"named_compile_args are {sorted(table) or 'empty'}")
    return table[name]


def find_entry(module) -> Callable | None:
    """The kernel_main of a kernel module: its own, or one generated for its TT_KERNEL entry."""
    fn = getattr(module, "kernel_main", None)
    if fn is not None:
        return fn
    entries = [f for f in vars(module).values() if callable(f) and getattr(f, "tt_kernel", False)]
    if len(entries) > 1:
        raise ProgramError(f"kernel file '{module.__file__}' has {len(entries)} TT_KERNEL entries; it needs one")
    return generated_main(entries[0]) if entries else None


def generated_main(entry: Callable) -> Callable:
    """kernel_main(ctx) that passes every parameter of `entry` after ctx by name: keyword-only ones (template
    parameters, the compile-time args) and positional ones (the runtime and common runtime args)."""
    params = list(inspect.signature(entry).parameters.values())[1:]

    def kernel_main(ctx):
        pos = [ctx.get_arg(ArgName(p.name)) for p in params if p.kind is not p.KEYWORD_ONLY]
        kw = {p.name: ctx.get_arg(ArgName(p.name)) for p in params if p.kind is p.KEYWORD_ONLY}
        return entry(ctx, *pos, **kw)

    kernel_main.__name__ = entry.__name__
    return kernel_main
