"""Fixtures for the desktop UI: a real Qt window (under Xvfb in ``make test``), real libmpv
drawing through the render API, and a reference backend of its own on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.backend import EmbeddedBackend
from ui.app import Desktop, prepare_graphics

# Before pytest-qt creates the QApplication: OpenGL scene graph, basic render loop.
prepare_graphics()

HAS_DISPLAY = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a display Qt would abort the whole run; say what to do instead."""
    if HAS_DISPLAY:
        return
    here = Path(__file__).parent
    marker = pytest.mark.skip(reason="needs a display: run under scripts/with-display.sh (make test does)")
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(marker)


@pytest.fixture(scope="session")
def ui_backend(library: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The UI tests save progress (Continue watching changes), so they get their own database."""
    db = tmp_path_factory.mktemp("ui-backend") / "marquee.db"
    with EmbeddedBackend(library, db=db, log_file=db.with_suffix(".log")) as url:
        yield url


@pytest.fixture
def desktop(qapp, ui_backend: str) -> Iterator[Desktop]:
    """The app's window on the test backend, torn down in the app's own order."""
    app = Desktop(ui_backend, audio_output="null")
    try:
        yield app
    finally:
        app.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: ``MARQUEE_SCREENSHOTS`` if set, else a temporary directory."""
    target = os.environ.get("MARQUEE_SCREENSHOTS")
    path = Path(target) if target else tmp_path_factory.mktemp("screens")
    path.mkdir(parents=True, exist_ok=True)
    return path
