"""emit: the routed graph as a Program (DRAM buffers, per-core reader/compute/writer steps) that round-trips JSON."""

from tensix.lang import check_source
from tensix.lang.compiler import compile_graph

from tensix.config import MeshConfig, TileKind
from tensix.program import Program

MESH = MeshConfig(width=5, height=4, tiles={(4, y): TileKind.DRAM for y in range(4)})  # 4x4 compute grid
TEXT = """input x: bf16[64, 64]
input ids: int32[64]
param table: fp32[100, 64] = random(seed=1)
param w: bf16[64, 64] = random(seed=2)
let e = embedding(ids, table) @cores(0..1, 0)
let h = relu(x @ w) @cores(2..3, 0..1)
output y = h + e @cores(0, 3)
"""


def _program() -> Program:
    return compile_graph(check_source(TEXT, "t.tdf"), MESH, debug=True).program


def test_buffers_are_inputs_params_then_one_per_op_with_device_formats():
    assert [(b.name, b.shape, b.dtype, b.role) for b in _program().buffers] == [
        ("x", (64, 64), "bf16", "input"),
        ("ids", (64,), "fp32", "input"),  # token ids travel as fp32 values
        ("table", (100, 64), "fp32", "param"),
        ("w", (64, 64), "bf16", "param"),
        ("t0", (64, 64), "fp32", "scratch"),
        ("t2", (64, 64), "bf16", "scratch"),
        ("y", (64, 64), "fp32", "output"),
    ]


def test_each_core_runs_reader_compute_and_writer_over_its_steps_in_graph_order():
    program = _program()
    assert program.cores() == [(0, 0), (1, 0), (2, 0), (3, 0), (2, 1), (3, 1), (0, 3)]
    for core in program.cores():
        kernels = [k for k in program.kernels if k.core == core]
        assert [k.role for k in kernels] == ["reader", "compute", "writer"]
        assert kernels[0].args == kernels[1].args == kernels[2].args
    labels = {k.core: [s.label for s in k.args["steps"]] for k in program.kernels if k.role == "reader"}
    assert labels[(0, 0)] == ["embedding %0"]
    assert labels[(2, 0)] == ["matmul %2"]
    assert labels[(0, 3)] == ["add %3"]


def test_the_consumer_core_declares_the_semaphores_it_waits_on():
    program = _program()
    assert sorted((s.core, s.sem_id) for s in program.semaphores if s.core == (0, 3)) == [((0, 3), 0), ((0, 3), 1)]


def test_program_json_round_trips():
    program = _program()
    again = Program.from_json(program.to_json())
    assert again.to_json() == program.to_json()
    assert again.buffers == program.buffers and again.cbs == program.cbs and again.semaphores == program.semaphores
    assert [(k.core, k.role, k.args) for k in again.kernels] == [(k.core, k.role, k.args) for k in program.kernels]


def test_render_survives_a_json_round_trip():
    program = _program()
    assert Program.from_json(program.to_json()).render() == program.render()


def test_render_is_stable_across_compiles():
    first, second = _program().render(), _program().render()
    assert first == second
    assert first.splitlines()[:3] == ["program t on custom", "  dram x: bf16[64, 64] input",
                                      "  dram ids: fp32[64] input"]
