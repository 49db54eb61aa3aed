"""Fixtures for the visualizer tests: hand-made run directories (see viz_runs.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from viz_runs import small_run, wormhole_run

from tensix.tools.runfiles import Run, load_run


@pytest.fixture(scope="session")
def small_dir(tmp_path_factory) -> Path:
    return small_run(tmp_path_factory.mktemp("small"), zero_skip=True, program=True)


@pytest.fixture(scope="session")
def small(small_dir) -> Run:
    return load_run(small_dir)


@pytest.fixture(scope="session")
def doubled_dir(tmp_path_factory) -> Path:
    """The small run with every transfer's bytes doubled and a longer run."""
    return small_run(tmp_path_factory.mktemp("doubled"), scale=2, total_cycles=900)


@pytest.fixture(scope="session")
def wormhole_dir(tmp_path_factory) -> Path:
    return wormhole_run(tmp_path_factory.mktemp("wormhole"))


@pytest.fixture(scope="session")
def wormhole(wormhole_dir) -> Run:
    return load_run(wormhole_dir)
