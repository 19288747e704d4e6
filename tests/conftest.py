"""Shared fixtures: the quick demo library and the reference backend on loopback.

The library is built once (``make test`` builds it before pytest and passes its path in
``MARQUEE_TEST_DATA``); each test session runs its own backend process with a fresh database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.backend import EmbeddedBackend

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def library() -> Path:
    """A quick demo library (built here if ``make test`` did not build one)."""
    path = Path(os.environ.get("MARQUEE_TEST_DATA") or ROOT / ".data" / "quick")
    if not (path / ".complete").exists():
        subprocess.run([sys.executable, "-m", "server.content", "build", "--quick", "--out", str(path)],
                       check=True)
    return path


@pytest.fixture(scope="session")
def backend(library: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a reference backend serving the quick library, with its own database."""
    db = tmp_path_factory.mktemp("backend") / "marquee.db"
    with EmbeddedBackend(library, db=db, log_file=db.with_suffix(".log")) as url:
        yield url
