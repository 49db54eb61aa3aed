"""Model tests read the real model packages (`tensix models pull` installs them) and cache converted weights
in one temp directory per session."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("TENSIX_CACHE", str(tmp_path_factory.mktemp("tensix-cache")))
    yield
    mp.undo()
