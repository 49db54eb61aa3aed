"""Shared paths for the language tests."""

from pathlib import Path

import pytest

HERE = Path(__file__).parent
GOOD_DIR = HERE / "cases" / "good"
GOOD = sorted(GOOD_DIR.glob("*.tdf"))
BAD = sorted((HERE / "cases" / "bad").glob("*.tdf"))


@pytest.fixture
def tdf(tmp_path):
    """Write `text` to main.tdf in a temp dir, with `files` ({relative path: text}) beside it; returns its path."""

    def write(text: str, files: dict[str, str] | None = None) -> Path:
        for name, content in (files or {}).items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(content)
        path = tmp_path / "main.tdf"
        path.write_text(text)
        return path

    return write
