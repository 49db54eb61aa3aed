"""Text -> AST: `parse(text, path) -> syntax.Module` with the LALR grammar in grammar.lark.

Lark errors are translated here into `DslSyntaxError` ("expected ')' but found 'x'"); no Lark type escapes.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from tensix.lang import syntax as s
from tensix.lang.errors import DslSyntaxError, SourcePos

__all__ = ["parse"]


@functools.cache
def _lark() -> Lark:
    grammar = (Path(__file__).parent / "grammar.lark").read_text()
    # cache: the LALR tables are built once per grammar and kept in a temp file (building them takes ~0.5 s)
    return Lark(grammar, parser="lalr", lexer="basic", propagate_positions=True, maybe_placeholders=True, cache=True)


def parse(text: str, path: str = "<input>") -> s.Module:
    """Parse `.tdf` source text into a `syntax.Module`; raises `DslSyntaxError`."""
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as e:
        raise _syntax_error(e, text, path) from None
    _check_nesting(tree, _Positions(text, path))
    try:
        stmts = _ToAst(text, path).transform(tree)
    except VisitError as e:  # a DslSyntaxError from the AST builder (or a bug there): never a Lark type
        raise e.orig_exc from None
    return s.Module(path=path, stmts=tuple(stmts), source=text)


# ---- nesting ----

MAX_NESTING = 100  # calls and operators inside one another; every later stage recurses once (or more) per level
_NESTING_NODES = frozenset({"add", "sub", "mul", "div", "matmul", "neg", "index", "call", "list"})


def _check_nesting(tree, positions: _Positions) -> None:
    """Reject an expression nested deeper than MAX_NESTING at the call or operator that goes one level too deep
    (walked without recursion: the tree may be thousands of levels deep)."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if node.data in _NESTING_NODES:
            depth += 1
            if depth > MAX_NESTING:
                raise DslSyntaxError(positions.pos(node.meta), f"expression nested more than {MAX_NESTING} levels "
                                     f"deep (calls and operators); give inner parts names with `let`", positions.text)
        stack.extend((c, depth) for c in node.children if hasattr(c, "data"))


# ---- positions ----


def _line_end(text: str, line: int) -> int:
    lines = text.splitlines()
    return len(lines[line - 1]) + 1 if 0 < line <= len(lines) else 1


class _Positions:
    def __init__(self, text: str, path: str):
        self.text, self.path = text, path

    def pos(self, item) -> SourcePos:
        """The span of a Lark Token or tree Meta; a span over several lines is cut at its first line's end."""
        end = item.end_column if item.end_line == item.line else _line_end(self.text, item.line)
        return SourcePos(self.path, item.line, item.column, end)


# ---- tree -> AST ----


def _drop_none(items) -> tuple:
    return tuple(i for i in items if i is not None)


@v_args(meta=True)
class _ToAst(Transformer, _Positions):
    def __init__(self, text: str, path: str):
        Transformer.__init__(self)
        _Positions.__init__(self, text, path)

    def start(self, meta, items):
        return list(items)

    def body(self, meta, items):
        return tuple(items)

    # statements
    def device(self, meta, items):
        return s.Device(str(items[0]), self.pos(meta), self.pos(items[0]))

    def fidelity(self, meta, items):
        return s.Fidelity(str(items[0]), self.pos(meta), self.pos(items[0]))

    def import_stmt(self, meta, items):
        return s.Import(self._string(items[0]), self.pos(meta))

    def const(self, meta, items):
        return s.Const(str(items[0]), items[1], self.pos(meta), self.pos(items[0]))

    def input(self, meta, items):
        name, type_, annots = items
        return s.Input(str(name), type_, annots, self.pos(meta), self.pos(name))

    def state(self, meta, items):
        name, type_, annots = items
        return s.Input(str(name), type_, annots, self.pos(meta), self.pos(name), state=True)

    def update(self, meta, items):
        name, value, annots = items
        return s.Output(str(name), None, value, annots, self.pos(meta), self.pos(name), update=True)

    def param(self, meta, items):
        name, type_, init, annots = items
        return s.Param(str(name), type_, init, annots, self.pos(meta), self.pos(name))

    def let(self, meta, items):
        name, *rest, value, annots = items
        return s.Let(str(name), value, annots, self.pos(meta), self.pos(name),
                     tuple((str(r), self.pos(r)) for r in rest))

    def output(self, meta, items):
        name, type_, value, annots = items
        return s.Output(str(name), type_, value, annots, self.pos(meta), self.pos(name))

    def block(self, meta, items):
        name, *params, ret, body = items
        return s.Block(str(name), _drop_none(params), ret, body, self.pos(meta), self.pos(name))

    def bparam(self, meta, items):
        return s.BlockParam(str(items[0]), items[1], self.pos(meta))

    def return_stmt(self, meta, items):
        return s.Return(items[0], self.pos(meta), tuple(items[1:]))

    def rtypes(self, meta, items):
        return tuple(i for i in items if i is not None)

    def repeat(self, meta, items):
        var, start, end, body = items
        return s.Repeat(str(var), start, end, body, self.pos(meta), self.pos(var))

    def region(self, meta, items):
        name, annots, body = items
        return s.Region(str(name), annots, body, self.pos(meta), self.pos(name))

    # annotations and types
    def annots(self, meta, items):
        return tuple(items)

    def annot(self, meta, items):
        return s.Annotation(str(items[0])[1:], _drop_none(items[1:]), self.pos(meta))

    def range(self, meta, items):
        return s.Range(items[0], items[1], self.pos(meta))

    def block_word(self, meta, items):
        return s.Ref("block", self.pos(meta))

    def tensor_type(self, meta, items):
        return s.TypeExpr(str(items[0]), _drop_none(items[1:]), self.pos(meta))

    def int_type(self, meta, items):
        return s.TypeExpr("int", None, self.pos(meta))

    def float_type(self, meta, items):
        return s.TypeExpr("float", None, self.pos(meta))

    def dtype(self, meta, items):
        return items[0]

    # expressions
    def _binop(op):  # noqa: N805 - a method factory used in the class body
        return lambda self, meta, items: s.BinOp(op, items[0], items[1], self.pos(meta))

    add, sub, mul, div, matmul = _binop("+"), _binop("-"), _binop("*"), _binop("/"), _binop("@")

    def neg(self, meta, items):
        return s.Neg(items[0], self.pos(meta))

    def index(self, meta, items):
        return s.Index(items[0], tuple(items[1:]), self.pos(meta))

    def slice(self, meta, items):
        return s.Slice(items[0], items[1], self.pos(meta))

    def int(self, meta, items):
        return s.Num(int(items[0]), self.pos(meta))

    def float(self, meta, items):
        return s.Num(float(items[0]), self.pos(meta))

    def string(self, meta, items):
        return s.Str(self._string(items[0]), self.pos(meta))

    def true(self, meta, items):
        return s.Bool(True, self.pos(meta))

    def false(self, meta, items):
        return s.Bool(False, self.pos(meta))

    def ref(self, meta, items):
        return s.Ref(str(items[0]), self.pos(meta))

    def dtype_lit(self, meta, items):
        return s.DtypeLit(str(items[0]), self.pos(meta))

    def list(self, meta, items):
        return s.ListLit(_drop_none(items), self.pos(meta))

    def kwarg(self, meta, items):
        return s.KwArg(str(items[0]), items[1], self.pos(meta))

    def call(self, meta, items):
        func, *args, instance = items
        args = _drop_none(args)
        pos_args = tuple(a for a in args if not isinstance(a, s.KwArg))
        kwargs = tuple(a for a in args if isinstance(a, s.KwArg))
        inst_pos = self.pos(instance) if instance is not None else None
        inst = str(instance) if instance is not None else None
        return s.Call(str(func), pos_args, kwargs, inst, self.pos(meta), self.pos(func), inst_pos)

    def _string(self, tok: Token) -> str:
        try:
            return ast.literal_eval(str(tok))
        except (ValueError, SyntaxError):
            raise DslSyntaxError(self.pos(tok), f"malformed string {tok}") from None


# ---- error translation ----

_STATEMENTS = {"DEVICE", "FIDELITY", "IMPORT", "CONST", "INPUT", "STATE", "UPDATE", "PARAM", "LET", "OUTPUT", "BLOCK",
               "RETURN", "REPEAT", "REGION"}
_DTYPES = {"FP32", "BF16", "BFP8_B", "BFP4_B", "INT32"}
_EXPR_START = {"IDENT", "INT", "FLOAT", "STRING", "LPAR", "LSQB", "MINUS", "TRUE", "FALSE"} | _DTYPES
_OPERATORS = {"PLUS", "MINUS", "STAR", "SLASH", "AT", "LSQB"}
_WORDS = {
    "IDENT": "a name", "INT": "an integer", "FLOAT": "a number", "STRING": "a string",
    "ANNOT": "an annotation", "$END": "end of file",
}
_GROUPS = (  # (members that must all be expected, members replaced, word)
    ({"LET", "CONST"}, _STATEMENTS, "a statement"),
    ({"IDENT", "INT"}, _EXPR_START, "an expression"),
    ({"PLUS", "STAR"}, _OPERATORS, "an operator"),
    (_DTYPES, _DTYPES, "a dtype (fp32, bf16, bfp8_b, bfp4_b, int32)"),
)


def _describe(name: str) -> str:
    if name in _WORDS:
        return _WORDS[name]
    term = next((t for t in _lark().terminals if t.name == name), None)
    return f"'{term.pattern.value}'" if term is not None else name.lower()


def _expected_words(expected: set[str]) -> str:
    names, words = set(expected), []
    for required, members, word in _GROUPS:
        if required <= names:
            names -= members
            words.append(word)
    if "an operator" in words:
        names -= {"LPAR", "EQUAL"}  # a call or a keyword argument after a name: noise next to the operators
    described = sorted(_describe(n) for n in names)
    items = [d for d in described if d.startswith("'")] + words + [d for d in described if not d.startswith("'")]
    items.sort(key=lambda d: (d == "end of file", d == "a statement"))
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _found(tok: Token) -> str:
    return "end of file" if tok.type == "$END" else f"'{tok}'"


def _syntax_error(e: UnexpectedInput, text: str, path: str) -> DslSyntaxError:
    where = _Positions(text, path)
    if isinstance(e, UnexpectedToken):
        return _token_error(e, text, where)
    if isinstance(e, UnexpectedCharacters):
        pos = SourcePos(path, e.line, e.column, e.column + 1)
        what = "unterminated string" if e.char == '"' else f"unexpected character '{e.char}'"
        return DslSyntaxError(pos, what, text)
    return DslSyntaxError(SourcePos(path, 1, 1), "cannot parse this file", text)


def _token_error(e: UnexpectedToken, text: str, where: _Positions) -> DslSyntaxError:
    tok = e.token
    expected = e.interactive_parser.accepts() if e.interactive_parser is not None else e.expected
    if tok.type == "$END":
        pos = _end_pos(text, where.path)
    else:
        pos = where.pos(tok)
    msg = f"expected {_expected_words(set(expected))} but found {_found(tok)}"
    if tok.type == "ANNOT" and "ANNOT" not in expected:
        msg += f" (annotations end a statement; for a matrix product write '@ {str(tok)[1:]}' with a space)"
    return DslSyntaxError(pos, msg, text)


def _end_pos(text: str, path: str) -> SourcePos:
    """Just after the last character that is neither whitespace nor part of a comment."""
    lines = text.splitlines() or [""]
    for number in range(len(lines), 0, -1):
        code = lines[number - 1].split("#", 1)[0].rstrip()
        if code:
            return SourcePos(path, number, len(code) + 1, len(code) + 2)
    return SourcePos(path, 1, 1, 2)
