"""lower: names, blocks (inlined, scoped, instance-named params), repeat, regions, annotations and imports."""

import pytest

from tensix.lang import ErrorList, check_file, check_placement, check_source

PRELUDE = "const S = 4\nconst D = 8\ninput x: fp32[S, D]\n"


def _graph(body: str):
    return check_source(PRELUDE + body, "t.tdf")


def _errors(body: str, path="t.tdf") -> list[str]:
    with pytest.raises(ErrorList) as info:
        check_source(PRELUDE + body, path)
    return [f"{e.pos.line}:{e.pos.col}: {e.message}" if e.pos else e.message for e in info.value.errors]


def test_let_rebinds_tensors_and_repeat_chains_a_block():
    graph = _graph("block layer(x: fp32[S, D]) -> fp32[S, D] {\n"
                   "  param w: fp32[D, D] = random(seed=1, std=0.1)\n  return relu(x @ w)\n}\n"
                   "repeat i in 0..3 {\n  let x = layer(x) as h{i}\n}\noutput y = x\n")
    assert [p.name for p in graph.params] == ["h0.w", "h1.w", "h2.w"]
    assert [n.inputs for n in graph.nodes if n.op == "matmul"] == [("x", "h0.w"), ("1", "h1.w"), ("3", "h2.w")]


def test_nested_blocks_prefix_param_names_by_instance():
    graph = _graph("block lin(x: fp32[S, D]) -> fp32[S, D] {\n  param w: fp32[D, D] = zeros\n  return x @ w\n}\n"
                   "block two(x: fp32[S, D]) -> fp32[S, D] {\n  return lin(lin(x) as a) as b\n}\n"
                   "output y = two(two(x)) as outer\n")
    assert [p.name for p in graph.params] == ["two.a.w", "two.b.w", "outer.a.w", "outer.b.w"]


def test_block_sees_consts_and_blocks_but_not_top_level_tensors():
    assert _errors("param w: fp32[D, D] = zeros\n"
                   "block f(a: fp32[S, D]) -> fp32[S, D] {\n  return a @ w\n}\noutput y = f(x)\n") == [
        "6:14: unknown name 'w'"]


def test_int_params_keyword_arguments_and_block_locals():
    graph = _graph("block head(x: fp32[S, n], n: int, f: float) -> fp32[S, n] {\n"
                   "  const half = n / 2\n  return concat(x[:, 0:half] * f, x[:, half:], axis=1)\n}\n"
                   "output y = head(n=D, x=x, f=2)\n")
    assert graph.outputs[0].type.shape == (4, 8)


def test_statement_annotations_reach_inlined_nodes_and_inner_ones_win():
    graph = _graph("block f(a: fp32[S, D]) -> fp32[S, D] {\n  let b = relu(a) @noc(1)\n  return gelu(b)\n}\n"
                   "let h = f(x) @cores(0..1, 2..3) @noc(0)\noutput y = softmax(h)\n")
    relu, gelu, softmax = graph.nodes
    assert relu.annotations.render() == "@cores(0..1,2..3) @noc(1)"
    assert gelu.annotations.render() == "@cores(0..1,2..3) @noc(0)"
    assert softmax.annotations.render() == ""


def test_regions_mark_pipeline_stages_and_annotate_inputs_and_params():
    graph = _graph("param w: fp32[D, D] = ones @shard(width)\n"
                   "region s{k} @cores(3, 0..7) {\n  let h = x @ w\n}\nconst k = 0\noutput y = h\n".replace(
                       "s{k}", "stage0"))
    assert graph.params[0].annotations.shard == "width"
    assert graph.nodes[0].annotations.render() == "@cores(3..3,0..7) @region(stage0)"


def test_placement_check_against_a_grid():
    graph = _graph("let h = relu(x) @cores(0..3, 0..1)\noutput y = h\n")
    check_placement(graph, 4, 2)
    with pytest.raises(ErrorList) as info:
        check_placement(graph, 2, 8)
    (err,) = info.value.errors
    assert err.message == "@cores(0..3,0..1) lies outside the 2x8 core grid (x must be in 0..1, y in 0..7)"
    assert err.format().splitlines()[1:] == ["let h = relu(x) @cores(0..3, 0..1)", " " * 16 + "^" + "~" * 17]


def test_a_failed_definition_does_not_cascade():
    assert _errors("let h = x @ x\nlet a = relu(h)\nlet b = gelu(h)\noutput y = a + b\n") == [
        "4:9: matmul: inner dimensions differ: fp32[4, 8] @ fp32[4, 8] (8 vs 4)"]


def test_errors_inside_a_block_are_reported_once():
    assert _errors("block f(a: fp32[S, D]) -> fp32[S, D] {\n  return relu(b)\n}\n"
                   "let p = f(x)\nlet q = f(x)\noutput y = p\n") == ["5:15: unknown name 'b'"]


@pytest.mark.parametrize("body, error", [
    ("output y = f(x)\n", "4:12: unknown op 'f'"),
    ("block mlp(a: fp32[S, D]) -> fp32[S, D] {\n  return a\n}\noutput y = mpl(x)\n",
     "7:12: unknown op 'mpl' (did you mean 'mlp'?)"),
    ("output y = relu\n", "4:12: 'relu' is an op; call it as relu(...)"),
    ("let S = x\noutput y = x\n", "4:5: 'S' is already defined (first at line 1)"),
    ("input x: fp32[2]\noutput y = x\n", "4:1: 'x' is already declared (first at line 3)"),
    ("block f(a: fp32[S, D]) {\n  let b = a\n}\noutput y = f(x)\n", "4:7: block 'f' must end with its only return"),
    ("block f(a: fp32[S, D]) -> fp32[S, D] {\n  input z: fp32[2]\n  return a\n}\noutput y = f(x)\n",
     "5:3: input belongs at the top level, not inside block 'f'"),
    ("output y = relu(x) as r\n", "4:23: 'as' names a block instance, but 'relu' is not a block"),
    ("output y = softmax(x, true, x, false)\n",
     "4:12: softmax takes at most 3 arguments: softmax(x, causal=false, mask=none)"),
    ("output y = layernorm(x)\n", "4:12: layernorm: missing argument 'gamma' in layernorm(x, gamma, beta, eps=1e-05)"),
    ("output y = x @cores(0..1) @cores(0..1, 0..1)\n",
     "4:14: @cores takes an x range and a y range, e.g. @cores(0..3, 0..7)"),
    ("output y = x * 2 @mcast @mcast\n", "4:25: @mcast is given twice"),
    ("repeat S in 0..2 {\n}\noutput y = x\n", "4:8: repeat variable 'S' hides an existing name"),
    ("output y = x[0:S / 3]\n", "4:16: a slice end must be an integer, got 1.3333333333333333"),
    ("output y = x / 0\n", "4:12: division by zero"),
    ("device wormhole_n150\ndevice wormhole_n150\noutput y = x\n", "5:1: the device is already chosen at t.tdf:4:1"),
])
def test_name_and_structure_errors(body, error):
    assert _errors(body) == [error]


def test_imports_bring_consts_and_blocks_relative_to_the_file(tdf, tmp_path):
    lib = ('const H = 2\nblock proj(x: fp32[4, 8]) -> fp32[4, 8] {\n'
           '  param w: fp32[8, 8] = load("w.npz", "w")\n  return x @ w\n}\n')
    path = tdf('import "lib/a.tdf"\nimport "lib/b.tdf"\ninput x: fp32[4, 8]\noutput y = split_heads(proj(x), H)\n',
               {"lib/a.tdf": lib, "lib/b.tdf": 'import "a.tdf"\nconst Z = 1\n'})
    graph = check_file(path)
    assert graph.params[0].source.base_dir == str(tmp_path / "lib")
    assert graph.outputs[0].type.shape == (2, 4, 4)


@pytest.mark.parametrize("main, error", [
    ('import "a.tdf"\nconst H = 3\n', "2:7: 'H' is already defined (first at {dir}/a.tdf:1:7)"),
    ('const H = 3\nimport "a.tdf"\n', "2:1: 'a.tdf' defines 'H', which is already defined (first at line 1)"),
])
def test_import_conflicts_are_errors(tdf, tmp_path, main, error):
    path = tdf(main + "input x: fp32[2]\noutput y = x\n", {"a.tdf": "const H = 2\n"})
    with pytest.raises(ErrorList) as info:
        check_file(path)
    assert [f"{e.pos.line}:{e.pos.col}: {e.message}" for e in info.value.errors] == [error.format(dir=tmp_path)]
