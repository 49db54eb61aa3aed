"""The compile cache (lang/cache.py): a program compiled before loads from disk and runs bit-identically; a change
in anything a compile reads (the source, an imported file, device, zero skipping, fidelity, tensix's version, the
compiler's code, the file's path) compiles again."""

import io
import pickle

import numpy as np
import pytest

from tensix.lang import cache
from tensix.lang.compiler import compile_file
from tensix.lang.driver import make_inputs, params_of, run_compiled
from tensix.trace_json import trace_json

LIB = "block twice(x: bf16[32, 64]) -> bf16[32, 64] {\n    return x + x\n}\n"
MAIN = ('import "lib.tdf"\ninput x: bf16[32, 64]\nparam w: bf16[64, 64] = random(seed=2, std=0.1)\n'
        "output y = twice(x) @ w\n")


@pytest.fixture
def program(tmp_path, monkeypatch):
    monkeypatch.setenv("TENSIX_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TENSIX_DEBUG", "0")  # tests verify every pass (conftest), which bypasses the cache
    monkeypatch.delenv("TENSIX_COMPILE_CACHE", raising=False)
    (tmp_path / "lib.tdf").write_text(LIB)
    (tmp_path / "main.tdf").write_text(MAIN)
    return tmp_path / "main.tdf"


@pytest.fixture
def compiles(monkeypatch):
    """The compiles the cache ran (each a miss), by their arguments."""
    calls = []

    def counting(path, device=None, **kwargs):
        calls.append((str(path), device, kwargs))
        return compile_file(path, device, **kwargs)

    monkeypatch.setattr(cache, "compile_file", counting)
    return calls


def _cached(path, device=None, zero_skip=True, fidelity=None):
    return cache.compile_cached(path, device, zero_skip=zero_skip, fidelity=fidelity)


def test_a_cached_compile_runs_bit_identically_to_a_fresh_one(program, compiles):
    fresh = compile_file(program, zero_skip=True)
    _cached(program)
    loaded = _cached(program)
    assert len(compiles) == 1 and len(list((program.parent / "cache" / "compile").glob("*.pickle"))) == 1
    assert loaded.program.render() == fresh.program.render() and loaded.program.to_json() == fresh.program.to_json()
    assert cache.program_json(loaded.program) == fresh.program.to_json()  # what the run saves as program.json
    assert cache.program_json(fresh.program) is None
    inputs = make_inputs(fresh.graph, 0)
    runs = [run_compiled(c, inputs, params_of(c), stored=False)[0] for c in (fresh, loaded)]
    np.testing.assert_array_equal(runs[0].outputs["y"], runs[1].outputs["y"])
    assert runs[0].cycles == runs[1].cycles and trace_json(runs[0].trace) == trace_json(runs[1].trace)
    assert runs[1].stats.reference == runs[0].stats.reference


def test_an_entry_loads_every_dataclass_field_for_field(program):
    """The cache's loader restores slotted dataclasses by its own __setstate__: the same objects as pickle's."""
    fresh = compile_file(program, zero_skip=True)
    loaded = cache._Unpickler(io.BytesIO(pickle.dumps(fresh, protocol=pickle.HIGHEST_PROTOCOL))).load()
    assert loaded.schedule == fresh.schedule and loaded.schedule.cores and loaded.graph.nodes == fresh.graph.nodes
    assert loaded.program.to_json() == fresh.program.to_json()


@pytest.mark.parametrize("change", ["main source", "imported file", "device", "zero_skip", "fidelity", "version",
                                    "compiler code", "path"])
def test_a_change_in_any_key_compiles_again(program, compiles, monkeypatch, change):
    args = {"device": None, "zero_skip": True, "fidelity": None}
    _cached(program, **args)
    _cached(program, **args)
    assert len(compiles) == 1
    if change == "main source":
        program.write_text(MAIN.replace("@ w", "@ w + x @ w"))
    elif change == "imported file":
        (program.parent / "lib.tdf").write_text(LIB.replace("x + x", "x * x"))
    elif change == "device":
        args["device"] = "blackhole_p150"
    elif change == "zero_skip":
        args["zero_skip"] = False
    elif change == "fidelity":
        args["fidelity"] = "lofi"
    elif change == "version":
        monkeypatch.setattr(cache, "tensix_version", lambda: "99.0")
    elif change == "compiler code":
        monkeypatch.setattr(cache, "code_fingerprint", lambda: "edited")
    elif change == "path":
        monkeypatch.chdir(program.parent)
        program = program.name  # the same file by a relative path: positions in the program name it so
    again = _cached(program, **args)
    assert len(compiles) == 2
    assert again.program.to_json() == compile_file(program, **args).program.to_json()
    _cached(program, **args)
    assert len(compiles) == 2  # the new entry serves the next run


def test_a_damaged_entry_compiles_again_and_is_replaced(program, compiles):
    _cached(program)
    (entry,) = (program.parent / "cache" / "compile").glob("*.pickle")
    entry.write_bytes(entry.read_bytes()[:100])
    assert _cached(program).program.to_json() == compile_file(program, zero_skip=True).program.to_json()
    _cached(program)
    assert len(compiles) == 2


@pytest.mark.parametrize("env", [{"TENSIX_COMPILE_CACHE": "0"}, {"TENSIX_DEBUG": "1"}])
def test_off_or_under_debug_every_run_compiles_and_nothing_is_written(program, compiles, monkeypatch, env):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    _cached(program)
    _cached(program)
    assert len(compiles) == 2 and not (program.parent / "cache").exists()


def test_the_cache_keeps_the_newest_entries(program, compiles, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 2)
    for fidelity in ("lofi", "hifi2", "hifi3"):
        _cached(program, fidelity=fidelity)
    assert len(list(cache.cache_dir().glob("*.pickle"))) == 2
    _cached(program, fidelity="hifi3")
    assert len(compiles) == 3  # the newest stayed
    _cached(program, fidelity="lofi")
    assert len(compiles) == 4  # the oldest went


def test_a_run_from_the_cache_saves_the_same_run_directory(program, tmp_path):
    from tensix.lang.driver import run_file

    _, first = run_file(str(program), out=str(tmp_path / "first"))  # compiles
    _, second = run_file(str(program), out=str(tmp_path / "second"))  # loads
    for name in ("program.json", "trace.json", "stats.json", "outputs.npz", "params.npz", "inputs.npz"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (second / "program.json").read_text() == compile_file(program, zero_skip=True).program.to_json() + "\n"



def test_a_shipped_model_compiled_through_the_cache_loads_the_same_program_keyed_by_its_consts_and_dtype(
        program, monkeypatch):
    from tensix.lang.models import program as models
    made = []
    real = models.compile_graph
    monkeypatch.setattr(models, "compile_graph", lambda *a, **k: made.append(1) or real(*a, **k))
    fresh = models.compile_model("smollm.tdf", {"S": 32, "L": 1})
    first = models.compile_model("smollm.tdf", {"S": 32, "L": 1}, cache=True)
    again = models.compile_model("smollm.tdf", {"S": 32, "L": 1}, cache=True)
    assert len(made) == 2  # the plain compile and the cache's miss; the third loaded
    assert again.program.to_json() == fresh.program.to_json() == first.program.to_json()
    assert cache.program_json(again.program) == fresh.program.to_json()
    assert sorted(again.constants) == sorted(fresh.constants)
    for name, value in fresh.constants.items():
        np.testing.assert_array_equal(again.constants[name], value)
    models.compile_model("smollm.tdf", {"S": 64, "L": 1}, cache=True)  # other consts: another entry
    models.compile_model("smollm.tdf", {"S": 32, "L": 1}, "bf16", cache=True)  # another dtype too
    assert len(made) == 4 and len(list((program.parent / "cache" / "compile").glob("*.pickle"))) == 3
    monkeypatch.setenv("TENSIX_COMPILE_CACHE", "0")
    models.compile_model("smollm.tdf", {"S": 32, "L": 1}, cache=True)
    assert len(made) == 5  # the cache off: compiled
