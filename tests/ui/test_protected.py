"""Protected titles in the desktop app: an encrypted title plays (keys from the license server,
decrypted by the player core, drawn by mpv), and a refused licence is shown in words.

The refusal runs a backend of its own, started with ``--no-license``; the window, mpv and the
keys are real."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.backend import EmbeddedBackend
from ui.app import Desktop

TIMEOUT_MS = 30_000


@pytest.fixture
def refusing_desktop(qapp, library: Path, tmp_path: Path) -> Iterator[Desktop]:
    """The app on a backend that refuses every licence."""
    with EmbeddedBackend(library, db=tmp_path / "marquee.db", log_file=tmp_path / "marquee.log",
                         options=["--no-license"]) as url:
        app = Desktop(url, audio_output="null")
        try:
            yield app
        finally:
            app.close()


@pytest.mark.parametrize("title", [
    "sealed-orders",  # cenc DASH
    "the-cipher-garden",  # cbcs: video 1:9 pattern, audio whole blocks
    "vault-seven",  # HLS AES-128, the only format it has
])
def test_an_encrypted_title_plays_and_its_position_advances(qtbot, desktop: Desktop, title: str) -> None:
    desktop.play(title)
    qtbot.waitUntil(lambda: desktop.window.property("currentPage") == "player", timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: desktop.playback.property("position") > 1.0, timeout=TIMEOUT_MS)
    first = desktop.playback.property("position")
    qtbot.waitUntil(lambda: desktop.playback.property("position") > first + 1.0, timeout=TIMEOUT_MS)
    assert desktop.playback.property("error") == ""
    assert desktop.playback.property("titleId") == title


def test_a_refused_licence_is_shown_in_words(qtbot, refusing_desktop: Desktop) -> None:
    desktop = refusing_desktop
    desktop.play("sealed-orders")
    qtbot.waitUntil(lambda: desktop.playback.property("error") != "", timeout=TIMEOUT_MS)
    error = desktop.playback.property("error")
    assert "refused" in error and "403" in error and "/api/v1/license" in error
    assert desktop.playback.property("state") == "error"
    assert desktop.playback.property("position") == 0.0
    QTest.keyClick(desktop.window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: desktop.window.property("currentPage") == "title", timeout=TIMEOUT_MS)
