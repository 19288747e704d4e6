"""Shared fixtures: the quick demo library and the reference backend on loopback.

The library is built once (``make test`` builds it before pytest and passes its path in
``MARQUEE_TEST_DATA``); each test session runs its own backend process with a fresh database.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import settings

from app.backend import EmbeddedBackend
from server.content import build

ROOT = Path(__file__).resolve().parent.parent

# Property and fuzz tests draw the same examples on every run, so a red run always reproduces and
# CI does not turn red by chance. ``HYPOTHESIS_PROFILE=explore`` draws fresh ones to look for new
# bugs; hypothesis prints the input of any failure, to be kept as a targeted test.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(scope="session")
def library() -> Path:
    """The quick demo library: ``MARQUEE_TEST_DATA`` or ``.data/quick``, (re)built if stale
    (a current one is confirmed in milliseconds; ``make test`` builds it beforehand)."""
    path = Path(os.environ.get("MARQUEE_TEST_DATA") or ROOT / ".data" / "quick").resolve()
    build(path, quick=True, progress=print)
    return path


@pytest.fixture(scope="session")
def backend(library: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a reference backend serving the quick library, with its own database."""
    db = tmp_path_factory.mktemp("backend") / "marquee.db"
    with EmbeddedBackend(library, db=db, log_file=db.with_suffix(".log")) as url:
        yield url


@pytest.fixture()
def origin_faults(backend: str) -> Iterator[Callable[[list[dict[str, Any]]], None]]:
    """Set the shared backend's origin fault rules for one test; they are cleared afterwards."""
    with httpx.Client(base_url=backend) as client:

        def set_rules(rules: list[dict[str, Any]]) -> None:
            client.put("/api/v1/faults", json=rules).raise_for_status()

        yield set_rules
        client.put("/api/v1/faults", json=[]).raise_for_status()
        client.delete("/api/v1/shaping").raise_for_status()


@pytest.fixture(scope="session", autouse=True)
def telemetry_queue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Telemetry of the whole test run queues in a temporary file, not the user's data dir."""
    path = tmp_path_factory.mktemp("telemetry") / "queue.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MARQUEE_TELEMETRY_DB", str(path))
        yield path
