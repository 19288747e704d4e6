"""Helpers for tests that play something through the real player."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from abr.api import Abr
from app.catalog import CatalogClient
from app.report import PlaybackReport
from player import Player


def first_title(catalog: CatalogClient) -> str:
    return next(item.id for row in catalog.home() for item in row.items)


def wait_for(predicate: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def play_to_end(url: str, *, speed: float = 4, timeout: float = 60, abr: str | Callable[[], Abr] = "marquee",
                **open_options: Any) -> PlaybackReport:
    """Play ``url`` headless, ``speed`` times faster than real time, until it ends or fails."""
    report = PlaybackReport()
    player = Player(audio_output="null", abr=abr, mpv_options={"speed": speed})
    player.add_listener(report)
    try:
        player.open(url, **open_options)
        assert report.finished.wait(timeout), "playback neither ended nor failed"
    finally:
        player.close()
    return report
