"""Playing a catalog title: playback info from the catalog, the player opened at the resume
position, and progress reported back so "Continue watching" follows the viewer."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

from app.catalog import CatalogClient, CatalogError, PlaybackInfo
from player import Player
from player.events import Ended, PlayerEvent, Position
from player.keys import LicenseConfig

PROGRESS_INTERVAL_S = 10.0


class PlaybackSession:
    """Glue between one title in the catalog and the player. ``start`` blocks on the network:
    call it off the UI thread."""

    def __init__(self, catalog: CatalogClient, player: Player,
                 keys: Mapping[bytes, bytes] | None = None) -> None:
        self.catalog = catalog
        self.player = player
        self.keys = keys
        self.info: PlaybackInfo | None = None
        self._last_report = 0.0
        self._position = 0.0
        self._duration = 0.0
        self._lock = threading.Lock()
        player.add_listener(self._on_event)

    def start(self, title_id: str, *, fmt: str = "dash", from_start: bool = False,
              start_s: float | None = None) -> PlaybackInfo:
        """Fetch playback info for ``title_id`` and start playing; raises CatalogError."""
        info = self.catalog.playback(title_id)
        url = info.manifest(fmt)
        with self._lock:
            self.info = info
            self._last_report = time.monotonic()
        start = start_s if start_s is not None else (0.0 if from_start else info.resume_s)
        license = LicenseConfig(url=info.license_url, token=info.token)
        self.player.open(url, start_s=start, license=license, keys=self.keys)
        return info

    def stop(self) -> None:
        """Stop playback and save where the viewer got to."""
        self._report(force=True)
        with self._lock:
            self.info = None
        self.player.stop()

    def _on_event(self, event: PlayerEvent) -> None:
        if isinstance(event, Position):
            self._position, self._duration = event.position_s, event.duration_s
            self._report(force=False)
        elif isinstance(event, Ended):
            self._position = self._duration
            self._report(force=True)

    def _report(self, *, force: bool) -> None:
        with self._lock:
            info = self.info
            due = time.monotonic() - self._last_report >= PROGRESS_INTERVAL_S
            if info is None or not (force or due) or self._duration <= 0:
                return
            self._last_report = time.monotonic()
        try:
            self.catalog.report_progress(info.title_id, self._position, self._duration)
        except CatalogError:
            pass  # progress is best effort: playback must go on without the catalog
