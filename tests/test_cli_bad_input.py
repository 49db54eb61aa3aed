"""Bad command-line input is a clear error before anything runs: flags out of range, damaged --inputs files."""

from pathlib import Path

import numpy as np
import pytest

from tensix.cli import main

ELTWISE = str(Path(__file__).resolve().parent.parent / "examples" / "01_eltwise.tdf")
S, D = 64, 256  # 01_eltwise's inputs: a, b [S, D] and gate [S, 1]


@pytest.mark.parametrize("argv, message", [
    (["run", ELTWISE, "--seed", "-1"], "tensix run: error: argument --seed: must be at least 0, got -1"),
    (["run", ELTWISE, "--zero-threshold", "-0.5"],
     "tensix run: error: argument --zero-threshold: must be a finite number >= 0, got -0.5"),
    (["run", ELTWISE, "--zero-threshold", "nan"],
     "tensix run: error: argument --zero-threshold: must be a finite number >= 0, got nan"),
    (["run", ELTWISE, "--max-cycles", "0"], "tensix run: error: argument --max-cycles: must be at least 1, got 0"),
    (["bench", "--repeat", "0"], "tensix bench: error: argument --repeat: must be at least 1, got 0"),
    (["bench", "--repeat", "x"], "tensix bench: error: argument --repeat: 'x' is not a whole number"),
])
def test_flags_out_of_range_are_refused_before_the_run(argv, message, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == message


def _inputs(**override):
    return {"a": np.zeros((S, D)), "b": np.zeros((S, D)), "gate": np.zeros((S, 1))} | override


@pytest.mark.parametrize("make, message", [
    (lambda p: np.savez(p, **_inputs(a=np.full((S, D), "x"))),
     "input 'a' in '{path}' holds <U1 values; inputs are real numbers"),
    (lambda p: np.savez(p, **_inputs(a=np.zeros((S, D), dtype=complex))),
     "input 'a' in '{path}' holds complex128 values; inputs are real numbers"),
    (lambda p: (np.savez(p, **_inputs()), p.write_bytes(p.read_bytes()[:1000])),
     "inputs '{path}' is a damaged .npz (File is not a zip file); save it again with numpy.savez"),
    (lambda p: np.savez(p, **_inputs(a=np.array([None, 1], dtype=object))),
     "inputs '{path}' is not an .npz of numeric arrays; give one array per input"),
])
def test_malformed_inputs_are_explained(tmp_path, capsys, make, message):
    path = tmp_path / "in.npz"
    make(path)
    assert main(["run", ELTWISE, "--inputs", str(path), "--out", str(tmp_path / "r"), "--no-viz"]) == 1
    assert capsys.readouterr().err == "error: " + message.format(path=path) + "\n"
    assert not (tmp_path / "r").exists()
