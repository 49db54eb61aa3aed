"""parse: text -> AST with positions; syntax errors are DslSyntaxErrors with words for what was expected."""

import pytest

from tensix.lang import DslSyntaxError, SourcePos, parse
from tensix.lang import syntax as s


def _expr(text: str) -> s.Expr:
    return parse(f"let v = {text}", "t.tdf").stmts[0].value


def test_module_keeps_path_source_and_statement_kinds():
    text = "device wormhole_n150\nconst D = 8\ninput x: bf16[D, D]\noutput y = x\n"
    module = parse(text, "m.tdf")
    assert module.path == "m.tdf" and module.source == text
    assert [type(st).__name__ for st in module.stmts] == ["Device", "Const", "Input", "Output"]


def test_positions_cover_the_text_one_based_end_exclusive():
    call = _expr("relu(x @ w)")
    assert call.pos == SourcePos("t.tdf", 1, 9, 20)
    assert call.func_pos == SourcePos("t.tdf", 1, 9, 13)
    assert call.args[0].pos == SourcePos("t.tdf", 1, 14, 19)


def test_multi_line_span_is_cut_at_the_end_of_its_first_line():
    module = parse("let v = relu(\n  x)\n", "t.tdf")
    assert module.stmts[0].value.pos == SourcePos("t.tdf", 1, 9, 14)


@pytest.mark.parametrize("text, op", [("a + b * c", "+"), ("a * b + c", "+"), ("a @ b / 2", "/"), ("a - b - c", "-")])
def test_precedence_and_left_associativity(text, op):
    e = _expr(text)
    assert isinstance(e, s.BinOp) and e.op == op


def test_matmul_spellings_and_annotations():
    assert _expr("x@w").op == "@"
    assert _expr("x @ w").op == "@"
    let = parse("let v = x @ w @cores(0..3, 2) @mcast", "t.tdf").stmts[0]
    assert [a.name for a in let.annots] == ["cores", "mcast"]
    assert isinstance(let.annots[0].args[0], s.Range) and isinstance(let.annots[0].args[1], s.Num)


def test_shard_block_is_allowed_although_block_is_a_keyword():
    let = parse("let v = x @shard(block)", "t.tdf").stmts[0]
    assert let.annots[0].args[0] == s.Ref("block", let.annots[0].args[0].pos)


def test_dotted_and_templated_names():
    module = parse("repeat i in 0..2 { param h{i}.attn.wq: bf16[4, 4] = load(\"w.npz\") }", "t.tdf")
    assert module.stmts[0].body[0].name == "h{i}.attn.wq"
    assert _expr("layers.0.w").name == "layers.0.w"


def test_call_arguments_keywords_instance_and_trailing_comma():
    call = _expr("mlp(x, heads=12,) as h{i}.mlp")
    assert len(call.args) == 1 and call.kwargs[0].name == "heads" and call.instance == "h{i}.mlp"


def test_slices_lists_dtypes_and_numbers():
    e = _expr("x[:, 2:]")
    assert isinstance(e, s.Index) and e.slices[0].start is None and e.slices[1].end is None
    assert [i.value for i in _expr("[1, 2, 3]").items] == [1, 2, 3]
    assert isinstance(_expr("cast(x, fp32)").args[1], s.DtypeLit)
    assert _expr("1e-5").value == 1e-5 and _expr("0.5").value == 0.5 and _expr("7").value == 7


def test_comments_are_ignored():
    module = parse("# header\ninput x: fp32[2] # trailing\n# end\n", "t.tdf")
    assert len(module.stmts) == 1


def test_block_with_params_return_type_and_body():
    block = parse("block f(x: bf16[2, 2], n: int,) -> bf16[2, 2] {\n  return x\n}", "t.tdf").stmts[0]
    assert [p.name for p in block.params] == ["x", "n"] and block.params[1].type.dims is None
    assert isinstance(block.body[0], s.Return)


@pytest.mark.parametrize("text, line, col, message", [
    ("let y = relu(x", 1, 15, "expected ')', ',' or an operator but found end of file"),
    ("let = 3", 1, 5, "expected a name but found '='"),
    ("input x: bf17[2]", 1, 10,
     "expected 'float', 'int' or a dtype (fp32, bf16, bfp8_b, bfp4_b, int32) but found 'bf17'"),
    ("let y = x +\n", 1, 12, "expected an expression but found end of file"),
    ("let y = x y", 1, 11, "expected an operator, an annotation, a statement or end of file but found 'y'"),
    ("let y = x ; 3", 1, 11, "unexpected character ';'"),
    ('let y = "abc', 1, 9, "unterminated string"),
    ("block f(x) {}", 1, 10, "expected ':' but found ')'"),
    ("block f(x: fp32[2]) { return x", 1, 31, "expected '}' or a statement but found end of file"),
])
def test_syntax_errors(text, line, col, message):
    with pytest.raises(DslSyntaxError) as info:
        parse(text, "t.tdf")
    assert (info.value.pos.line, info.value.pos.col, info.value.message) == (line, col, message)


def test_syntax_error_formats_with_caret_under_the_token():
    with pytest.raises(DslSyntaxError) as info:
        parse("input x: fp32[2]\nlet y = x x2\n", "t.tdf")
    assert info.value.format() == (
        "t.tdf:2:11: error: expected an operator, an annotation, a statement or end of file but found 'x2'\n"
        "let y = x x2\n"
        "          ^~"
    )


def test_glued_annotation_inside_parentheses_gets_a_hint():
    with pytest.raises(DslSyntaxError) as info:
        parse("let y = relu(x @w)", "t.tdf")
    assert info.value.message.endswith("(annotations end a statement; for a matrix product write '@ w' with a space)")


@pytest.mark.parametrize("text", ["\x00", "let", "}", "((((", "@", "let x = 1..2", "repeat i in 0..2 {", '"'])
def test_no_lark_exception_escapes(text):
    with pytest.raises(DslSyntaxError) as info:
        parse(text, "t.tdf")
    assert info.value.__cause__ is None and info.value.__suppress_context__
