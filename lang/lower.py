"""AST -> IR: `lower(module) -> Graph`. Resolves names, inlines blocks, unrolls repeats, follows imports.

Every node is made through a `GraphBuilder`, so a lowered graph is already typed. Errors are collected per
statement (a failed definition poisons its name so later uses stay quiet) and raised together as ErrorList.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from tensix.lang import syntax as s
from tensix.lang.builder import MAX_NODES, GraphBuilder, Tensor
from tensix.lang.decls import annotations, eval_type, fidelity_name, param_source
from tensix.lang.errors import (
    ErrorList,
    NameResolutionError,
    PlacementError,
    ShapeError,
    SourceError,
    SourcePos,
    unreadable,
)
from tensix.lang.exprs import CONST_FUNCS, INITIALIZERS, ExprLowerer, show
from tensix.lang.ir import Annotations, Graph
from tensix.lang.ops import OPS
from tensix.lang.parser import parse
from tensix.lang.scope import POISON, BlockDef, Frame, Poisoned, Results, Scope, did_you_mean, fill_template, where

__all__ = ["lower", "MAX_REPEAT"]

MAX_REPEAT = 4096  # iterations of one repeat: far above any layer or expert count


def lower(module: s.Module, *, read: Callable[[str], str] | None = None) -> Graph:
    """Lower a parsed module to a typed Graph; `read(path)` reads imported files (default: the file system)."""
    return _Lowerer(module, read or _read_file).run()


def _read_file(path: str) -> str:
    return Path(path).read_text()


def _graph_name(path: str) -> str:
    stem = Path(path).stem
    return stem if re.fullmatch(r"[A-Za-z_]\w*", stem) else "main"


def _defined_names(stmt: s.Stmt) -> list[str]:
    """The plain names a statement binds (poisoned when the statement fails)."""
    if isinstance(stmt, s.Let):
        return [stmt.name, *(name for name, _ in stmt.rest)]
    return [stmt.name] if isinstance(stmt, s.Const | s.Input | s.Param) else []


def _count(n: int) -> str:
    return "one value" if n == 1 else f"{n} values"


def _names(n: int) -> str:
    return "one name" if n == 1 else f"{n} names"


def _render_types(types: list) -> str:
    return str(types[0]) if len(types) == 1 else "(" + ", ".join(str(t) for t in types) + ")"


def _unpack(value, targets: list[tuple[str, SourcePos]], stmt: s.Let) -> tuple:
    """The values `let a, b = ...` binds, one per name: a block's several results, or one value for one name."""
    names = [n for n, _ in targets]
    for i, (name, pos) in enumerate(targets):
        if name in names[:i]:
            raise NameResolutionError(pos, f"let binds '{name}' twice")
    got = value.values if isinstance(value, Results) else (value,)
    if len(got) == len(targets):
        return got
    if isinstance(value, Results):
        raise ShapeError(stmt.value.pos, f"block '{value.block}' returns {_count(len(got))} but the let binds "
                                         f"{_names(len(targets))} ({', '.join(names)}); write "
                                         f"`let {', '.join(f'r{i}' for i in range(len(got)))} = ...`")
    raise ShapeError(stmt.value.pos, f"let binds {_names(len(targets))} ({', '.join(names)}) but its value is "
                                     f"{show(value)}; only a block with several results gives several values")


class _Lowerer:
    def __init__(self, module: s.Module, read: Callable[[str], str]):
        self.module, self.read = module, read
        self.builder = GraphBuilder(_graph_name(module.path))
        self.exprs = ExprLowerer(self.builder, self.call_block)
        self.errors: list[SourceError] = []
        self.sources = {module.path: module.source}
        self.imported: dict[str, Scope] = {}
        self.importing: list[str] = [str(Path(module.path).resolve())]
        self.calls: list[str] = []
        self.device_pos: SourcePos | None = None
        self.unrolled = 1  # how many times the statements now lowered run: the product of the enclosing repeats
        self.fidelity_pos: SourcePos | None = None

    def run(self) -> Graph:
        defs = Scope()
        self.lower_module(self.module, Frame(Scope(defs), self.module.path, defs))
        built = self.builder.build()
        graph = replace(built, meta={**built.meta, "sources": self.sources})
        if not self.errors and not graph.outputs:
            message = "the program has no output; declare one with 'output NAME = ...'"
            self.errors.append(NameResolutionError(SourcePos(self.module.path, 1, 1), message))
        if self.errors:
            for e in self.errors:
                e.source = e.source or (self.sources.get(e.pos.path) if e.pos else None)
            raise ErrorList(self.errors)
        return graph

    def lower_module(self, module: s.Module, frame: Frame) -> None:
        for stmt in module.stmts:
            if isinstance(stmt, s.Block):
                self.guard(stmt, frame, self.define_block)
        self.run_stmts(module.stmts, frame)

    # ---- statements ----

    def run_stmts(self, stmts: tuple[s.Stmt, ...], frame: Frame) -> None:
        for stmt in stmts:
            if not isinstance(stmt, s.Block):
                self.guard(stmt, frame, self.run_stmt)

    def guard(self, stmt: s.Stmt, frame: Frame, action: Callable) -> None:
        """Run one statement; record its error and poison what it defines, so lowering can go on."""
        try:
            action(stmt, frame)
        except SourceError as e:
            self.record(e)
            self.poison(stmt, frame)
        except Poisoned:
            self.poison(stmt, frame)

    def record(self, e: SourceError) -> None:
        if not any(type(o) is type(e) and o.pos == e.pos and o.message == e.message for o in self.errors):
            self.errors.append(e)

    def poison(self, stmt: s.Stmt, frame: Frame) -> None:
        at_top = frame.block is None and frame.depth == 0
        if isinstance(stmt, s.Block | s.Const) and at_top and not frame.scope.find(stmt.name)[0]:
            frame.defs.bind(stmt.name, POISON, stmt.name_pos)
        for name in _defined_names(stmt):
            found, old = frame.scope.find(name)
            if "{" not in name and (not found or isinstance(old, Tensor)):
                frame.scope.bind(name, POISON, getattr(stmt, "name_pos", None))
        if isinstance(stmt, s.Import):
            frame.defs.incomplete = True
        if isinstance(stmt, s.Return):
            frame.result = POISON

    def run_stmt(self, stmt: s.Stmt, frame: Frame) -> None:
        if frame.imported and not isinstance(stmt, s.Const | s.Import):
            raise NameResolutionError(stmt.pos, "an imported file may only define consts and blocks and import files")
        handler = getattr(self, "stmt_" + type(stmt).__name__.lower())
        handler(stmt, frame)

    def top_level_only(self, stmt: s.Stmt, frame: Frame, what: str) -> None:
        if frame.block is not None:
            raise NameResolutionError(stmt.pos, f"{what} belongs at the top level, not inside block "
                                                f"'{frame.block.syntax.name}'")

    def bind_new(self, name: str, value, pos: SourcePos, frame: Frame, *, rebind_tensor: bool = False,
                 scope: Scope | None = None) -> None:
        """Bind a name; `let` may rebind a tensor name (shadowing), nothing may rebind a const or a block."""
        found, old = frame.scope.find(name)
        if found and not (rebind_tensor and isinstance(old, Tensor | type(POISON))):
            raise NameResolutionError(pos, f"'{name}' is already defined{where(frame.scope.defined_at(name), pos)}")
        if name in OPS or name in CONST_FUNCS or name in INITIALIZERS:
            raise NameResolutionError(pos, f"'{name}' is the name of an op; choose another name")
        (scope or frame.scope).bind(name, value, pos)

    def stmt_device(self, stmt: s.Device, frame: Frame) -> None:
        from tensix.presets import PRESETS

        self.top_level_only(stmt, frame, "device")
        if self.device_pos is not None:
            raise NameResolutionError(stmt.pos, f"the device is already chosen at {self.device_pos}")
        if stmt.name not in PRESETS:
            raise NameResolutionError(stmt.name_pos, f"unknown device '{stmt.name}'" + did_you_mean(stmt.name, PRESETS))
        self.device_pos = stmt.pos
        self.builder.device = stmt.name

    def stmt_fidelity(self, stmt: s.Fidelity, frame: Frame) -> None:
        self.top_level_only(stmt, frame, "fidelity")
        if self.fidelity_pos is not None:
            raise NameResolutionError(stmt.pos, f"the fidelity is already chosen at {self.fidelity_pos}")
        self.builder.fidelity = fidelity_name(stmt.name, stmt.name_pos)
        self.fidelity_pos = stmt.pos

    def stmt_const(self, stmt: s.Const, frame: Frame) -> None:
        value = self.exprs.const(stmt.value, frame, f"const '{stmt.name}'")
        at_top = frame.block is None and frame.depth == 0
        self.bind_new(stmt.name, value, stmt.name_pos, frame, scope=frame.defs if at_top else None)

    def stmt_input(self, stmt: s.Input, frame: Frame) -> None:
        self.top_level_only(stmt, frame, "state" if stmt.state else "input")
        name = fill_template(stmt.name, frame.scope, stmt.name_pos)
        type_ = self.tensor_type(stmt.type, frame)
        declare = self.builder.state if stmt.state else self.builder.input
        ann = annotations(stmt.annots, frame, self.exprs, "input")
        if stmt.state and ann.l1:
            raise PlacementError(ann.l1_pos, "a state stays in device DRAM between runs; it cannot be @l1")
        with self.builder.annotate(ann):
            value = declare(name, type_.dtype, type_.shape, pos=stmt.pos)
        self.bind_new(name, value, stmt.name_pos, frame)

    def stmt_param(self, stmt: s.Param, frame: Frame) -> None:
        local = fill_template(stmt.name, frame.scope, stmt.name_pos)
        full = frame.param_name(local)
        type_ = self.tensor_type(stmt.type, frame)
        source = param_source(stmt.init, frame, self.exprs, full) if stmt.init is not None else None
        with self.builder.annotate(annotations(stmt.annots, frame, self.exprs, "a param")):
            try:
                value = self.builder.param(full, type_.dtype, type_.shape, source, pos=stmt.pos)
            except NameResolutionError as e:
                hint = f"; name each call of block '{frame.block.syntax.name}' with 'as'" if frame.block else ""
                raise NameResolutionError(stmt.name_pos, f"param '{full}' is declared twice{hint}") from e
        self.bind_new(local, value, stmt.name_pos, frame)

    def stmt_let(self, stmt: s.Let, frame: Frame) -> None:
        with self.builder.annotate(annotations(stmt.annots, frame, self.exprs, "a let")):
            value = self.exprs.eval(stmt.value, frame)
        if isinstance(value, BlockDef):
            raise ShapeError(stmt.value.pos, f"cannot bind {show(value)} to a name")
        targets = [(stmt.name, stmt.name_pos), *stmt.rest]
        values = _unpack(value, targets, stmt)
        for (name, pos), v in zip(targets, values, strict=True):
            self.bind_new(name, v, pos, frame, rebind_tensor=True)

    def stmt_output(self, stmt: s.Output, frame: Frame) -> None:
        self.top_level_only(stmt, frame, "update" if stmt.update else "output")
        name = fill_template(stmt.name, frame.scope, stmt.name_pos)
        if stmt.update:
            value = self.exprs.tensor(stmt.value, frame, f"update '{name}'")
            self.builder.update(name, value, pos=stmt.value.pos)
            return
        declared = self.tensor_type(stmt.type, frame) if stmt.type is not None else None
        ann = annotations(stmt.annots, frame, self.exprs, "an output")
        with self.builder.annotate(ann):
            value = self.exprs.tensor(stmt.value, frame, f"output '{name}'")
        if declared is not None and declared != value.type:
            raise ShapeError(stmt.value.pos, f"output '{name}' is declared {declared} but its value is {value.type}")
        self.builder.output(name, value, pos=stmt.pos, l1=bool(ann.l1))

    def stmt_return(self, stmt: s.Return, frame: Frame) -> None:
        if frame.block is None:
            raise NameResolutionError(stmt.pos, "return outside a block")
        values = tuple(self.exprs.tensor(v, frame, "a block's result") for v in (stmt.value, *stmt.rest))
        frame.result = values[0] if len(values) == 1 else Results(values, frame.block.syntax.name)

    def stmt_repeat(self, stmt: s.Repeat, frame: Frame) -> None:
        start = self.exprs.integer(stmt.start, frame, "a repeat start")
        end = self.exprs.integer(stmt.end, frame, "a repeat end")
        if end - start > MAX_REPEAT:
            raise ShapeError(stmt.end.pos, f"repeat {start}..{end} runs {end - start} times; the limit is {MAX_REPEAT}")
        if self.unrolled * (end - start) > MAX_NODES:  # refused now, not after unrolling MAX_NODES ops
            raise ShapeError(stmt.end.pos, f"repeat {start}..{end} inside repeats running {self.unrolled:,} times runs "
                                           f"its body {self.unrolled * (end - start):,} times; a program has at most "
                                           f"{MAX_NODES:,} ops")
        if frame.scope.find(stmt.var)[0]:
            raise NameResolutionError(stmt.name_pos, f"repeat variable '{stmt.var}' hides an existing name")
        frame.depth += 1
        outer, self.unrolled = self.unrolled, self.unrolled * max(end - start, 0)
        try:
            for i in range(start, end):
                frame.scope.bind(stmt.var, i, stmt.name_pos)
                self.run_stmts(stmt.body, frame)
        finally:
            frame.scope.unbind(stmt.var)
            frame.depth -= 1
            self.unrolled = outer

    def stmt_region(self, stmt: s.Region, frame: Frame) -> None:
        name = fill_template(stmt.name, frame.scope, stmt.name_pos)
        ann = annotations(stmt.annots, frame, self.exprs, "a region").merged(Annotations(region=name))
        frame.depth += 1
        try:
            with self.builder.annotate(ann):
                self.run_stmts(stmt.body, frame)
        finally:
            frame.depth -= 1

    def stmt_import(self, stmt: s.Import, frame: Frame) -> None:
        if frame.block is not None:
            raise NameResolutionError(stmt.pos, "import belongs at the top level of a file")
        path = str(Path(frame.path).parent / stmt.path)
        scope = self.import_file(path, stmt)
        for name, value in scope.values.items():
            found, old = frame.scope.find(name)
            if found and old is not value:
                first = where(frame.scope.defined_at(name), stmt.pos)
                raise NameResolutionError(stmt.pos, f"'{stmt.path}' defines '{name}', which is already defined{first}")
            frame.defs.bind(name, value, scope.where.get(name))

    def import_file(self, path: str, stmt: s.Import) -> Scope:
        key = str(Path(path).resolve())
        if key in self.importing:
            chain = [Path(k).name for k in self.importing[self.importing.index(key):]] + [Path(key).name]
            raise NameResolutionError(stmt.pos, f"import cycle: {' -> '.join(chain)}")
        if key in self.imported:
            return self.imported[key]
        try:
            text = self.read(path)
        except (OSError, UnicodeDecodeError) as e:
            raise NameResolutionError(stmt.pos, f"cannot import '{stmt.path}': {unreadable(e)}") from None
        self.sources[path] = text
        module = parse(text, path)
        scope, errors_before = Scope(), len(self.errors)
        self.importing.append(key)
        try:
            self.lower_module(module, Frame(scope, path, scope, imported=True))
        finally:
            self.importing.pop()
        if len(self.errors) > errors_before:
            raise Poisoned()
        self.imported[key] = scope
        return scope

    def define_block(self, stmt: s.Block, frame: Frame) -> None:
        if stmt.name in OPS or stmt.name in CONST_FUNCS or stmt.name in INITIALIZERS:
            raise NameResolutionError(stmt.name_pos, f"block '{stmt.name}' has the name of an op")
        returns = [i for i, st in enumerate(stmt.body) if isinstance(st, s.Return)]
        if returns != [len(stmt.body) - 1]:
            where = stmt.body[returns[0]].pos if returns else stmt.name_pos
            raise NameResolutionError(where, f"block '{stmt.name}' must end with its only return")
        self.bind_new(stmt.name, BlockDef(stmt, frame.defs, frame.path), stmt.name_pos, frame, scope=frame.defs)

    def call_block(self, block: BlockDef, call: s.Call, args: list, kwargs: dict, caller: Frame) -> Tensor:
        """Inline one call: bind and check the arguments, lower the body, check the result's type."""
        b = block.syntax
        if b.name in self.calls:
            raise NameResolutionError(call.func_pos, f"block '{b.name}' calls itself; recursion is not supported")
        instance = fill_template(call.instance, caller.scope, call.instance_pos) if call.instance else b.name
        frame = Frame(Scope(block.scope), block.path, block.scope, caller.param_name(instance), block)
        self.bind_args(block, call, args, kwargs, frame)
        self.calls.append(b.name)
        try:
            with self.builder.inlined_at(call.pos):
                self.run_stmts(b.body, frame)
        finally:
            self.calls.pop()
        if frame.result is POISON or frame.result is None:
            raise Poisoned()
        if b.ret is not None:
            self.check_results(b, frame)
        return frame.result

    def check_results(self, b: s.Block, frame: Frame) -> None:
        """The result(s) of an inlined block against its `-> type` or `-> (type, type, ...)`."""
        declared = [self.tensor_type(t, frame) for t in (b.ret if isinstance(b.ret, tuple) else (b.ret,))]
        got = frame.result.values if isinstance(frame.result, Results) else (frame.result,)
        ret = b.body[-1]
        if len(got) != len(declared):
            raise ShapeError(ret.pos, f"block '{b.name}' returns {_count(len(got))} but declares "
                                      f"{_count(len(declared))} (-> {_render_types(declared)})")
        for i, (value, want) in enumerate(zip(got, declared, strict=True)):
            if value.type != want:
                which, where = (f" as result {i + 1}", (ret.value, *ret.rest)[i].pos) if got[1:] else ("", ret.pos)
                raise ShapeError(where, f"block '{b.name}' returns {value.type}{which} but declares -> {want}")

    def bind_args(self, block: BlockDef, call: s.Call, args: list, kwargs: dict, frame: Frame) -> None:
        b = block.syntax
        if len(args) > len(b.params):
            raise ShapeError(call.pos, f"block '{b.name}' takes {len(b.params)} arguments, got {len(args)}")
        names = [p.name for p in b.params]
        for name, (_, kw) in kwargs.items():
            if name not in names or names.index(name) < len(args):
                problem = "is given twice" if name in names else "is not a parameter" + did_you_mean(name, names)
                raise ShapeError(kw.pos, f"block '{b.name}': '{name}' {problem}")
        scalars_first = sorted(enumerate(b.params), key=lambda ip: ip[1].type.dims is not None)
        for i, p in scalars_first:  # so tensor types can use int parameters: f(x: bf16[n, 64], n: int)
            if i < len(args):
                value, pos = args[i], call.args[i].pos
            elif p.name in kwargs:
                value, pos = kwargs[p.name][0], kwargs[p.name][1].pos
            else:
                raise ShapeError(call.pos, f"block '{b.name}' is missing argument '{p.name}'")
            self.check_arg(b, p, value, pos, frame)
            frame.scope.bind(p.name, value, p.pos)

    def check_arg(self, b: s.Block, p: s.BlockParam, value, pos: SourcePos, frame: Frame) -> None:
        declared = eval_type(p.type, frame, self.exprs)
        ok = {"int": type(value) is int, "float": type(value) in (int, float)}.get(declared)
        if ok is None:
            ok = isinstance(value, Tensor) and value.type == declared
        if not ok:
            got = value.type if isinstance(value, Tensor) else show(value)
            raise ShapeError(pos, f"block '{b.name}' expects {p.name}: {declared}, got {got}")

    def tensor_type(self, t: s.TypeExpr, frame: Frame):
        type_ = eval_type(t, frame, self.exprs)
        if isinstance(type_, str):
            raise ShapeError(t.pos, f"'{type_}' is only for block parameters; a tensor type looks like bf16[128, 768]")
        return type_
