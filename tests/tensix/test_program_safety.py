"""A program read from JSON runs only the project's kernels or ones the user allows; malformed declarations and
files are ProgramErrors."""

import json

import pytest

from tensix import Mesh, MeshConfig, Program, ProgramError
from tensix.program import resolve_function

SMALL = MeshConfig(width=2, height=2)


def k_noop(ctx):
    pass


def _saved(fn: str) -> str:
    p = Program(name="p")
    p.kernel((0, 0), "reader", fn)
    return p.to_json()


def test_a_program_json_naming_os_system_is_refused_before_anything_is_imported():
    with pytest.raises(ProgramError) as e:
        Program.from_json(_saved("os:system"))
    assert str(e.value) == (
        "the program names kernel 'os:system' for the reader kernel on core (0, 0); a saved program may run only "
        "kernels of tensix.programs or ones you allow by module or module:function "
        "(Program.from_json(text, allow_kernels=[\"os\"]))")


def test_the_projects_kernels_load_and_allowed_ones_run():
    assert Program.from_json(_saved("tensix.programs.stages.reader:reader")).kernels[0].fn == (
        "tensix.programs.stages.reader:reader")
    mine = f"{__name__}:k_noop"
    with pytest.raises(ProgramError):
        Program.from_json(_saved(mine))
    for allow in ([__name__], [mine]):
        assert Mesh(SMALL).run(Program.from_json(_saved(mine), allow_kernels=allow)).cycles == 0


@pytest.mark.parametrize("ref, message", [
    ("tensix.programs.matmul:Program", "kernel function 'tensix.programs.matmul:Program' is not a function defined "
                                       "in module tensix.programs.matmul"),
    ("tensix.programs.matmul:nothing_here", "kernel function 'tensix.programs.matmul:nothing_here' cannot be imported: "
                                            "module 'tensix.programs.matmul' has no attribute 'nothing_here'"),
])
def test_a_kernel_reference_must_name_a_function_defined_where_it_says(ref, message):
    with pytest.raises(ProgramError) as e:
        resolve_function(ref)
    assert str(e.value) == message


@pytest.mark.parametrize("text", ["[]", "{}", '{"name": "p", "buffers": [{"name": 1}]}', "not json"])
def test_a_file_that_is_not_a_program_is_a_program_error(text):
    with pytest.raises(ProgramError, match=r"^not a program saved by Program\.to_json: "):
        Program.from_json(text)


def test_duplicate_l1_buffer_names_and_empty_buffers_are_refused():
    p = Program()
    p.l1_buffer((0, 0), "buf", 64)
    with pytest.raises(ProgramError) as e:
        p.l1_buffer([(1, 0), (0, 0)], "buf", 128)
    assert str(e.value) == "core (0, 0): L1 buffer 'buf' is declared twice"
    with pytest.raises(ProgramError) as e:
        p.l1_buffer((0, 0), "empty", 0)
    assert str(e.value) == "L1 buffer 'empty' of 0 B; it needs at least 1 B"


def test_cb_pages_of_zero_bytes_are_refused():
    p = Program()
    with pytest.raises(ProgramError) as e:
        p.circular_buffer((0, 0), 0, "bf16", 2, "in", page_nbytes=0)
    assert str(e.value) == ("CB 0 'in' has pages of 0 B; a page needs at least 1 B (leave page_nbytes out for one "
                            "bf16 tile per page)")


def test_a_program_json_with_a_duplicate_l1_buffer_or_empty_cb_page_fails_at_load():
    d = json.loads(_saved("tensix.programs.stages.reader:reader"))
    d["l1_buffers"] = [{"core": [0, 0], "name": "b", "nbytes": 64}, {"core": [0, 0], "name": "b", "nbytes": 64}]
    with pytest.raises(ProgramError, match=r"^core \(0, 0\): L1 buffer 'b' is declared twice$"):
        Mesh(SMALL).run(Program.from_json(json.dumps(d)))
    d["l1_buffers"] = []
    d["cbs"] = [{"core": [0, 0], "cb_id": 0, "dtype": "bf16", "num_pages": 2, "name": "in", "page_nbytes": 0}]
    with pytest.raises(ProgramError, match=r"^core \(0, 0\): CB 0 'in' has pages of 0 B; a page needs at least 1 B"):
        Mesh(SMALL).run(Program.from_json(json.dumps(d)))
