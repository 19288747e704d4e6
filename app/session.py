"""Playing a catalog title: playback info from the catalog, the player opened at the resume
position, progress reported back so "Continue watching" follows the viewer, and the session's
QoE telemetry (whose session id is also the CMCD session id on the segment requests)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

from app.catalog import CatalogClient, CatalogError, PlaybackInfo
from app.telemetry import QoeSession, Telemetry
from app.telemetry.emitter import UiMode
from player import Player
from player.cmcd import CmcdConfig
from player.events import Ended, PlayerEvent, Position
from player.keys import LicenseConfig
from player.tracks import TrackPreferences

PROGRESS_INTERVAL_S = 10.0


class PlaybackSession:
    """Glue between one title in the catalog and the player. ``start`` blocks on the network:
    call it off the UI thread."""

    def __init__(self, catalog: CatalogClient, player: Player,
                 keys: Mapping[bytes, bytes] | None = None, *, telemetry: Telemetry | None = None,
                 ui_mode: UiMode = "desktop", player_config: Mapping[str, Any] | None = None,
                 preferences: TrackPreferences | None = None) -> None:
        self.catalog = catalog
        self.player = player
        self.keys = keys
        self.preferences = preferences
        self.telemetry = telemetry
        self.ui_mode: UiMode = ui_mode
        self.player_config = dict(player_config or {})
        """What the player was built with, for the telemetry's configuration digest."""
        self.info: PlaybackInfo | None = None
        self.qoe: QoeSession | None = None
        self.session_id: str | None = None
        """The current title's session id: CMCD ``sid`` on its segment requests and the telemetry's."""
        self._last_report = 0.0
        self._position = 0.0
        self._duration = 0.0
        self._lock = threading.Lock()
        player.add_listener(self._on_event)

    def start(self, title_id: str, *, fmt: str | None = None, from_start: bool = False,
              start_s: float | None = None, session_id: str | None = None) -> PlaybackInfo:
        """Fetch playback info for ``title_id`` and start playing its ``fmt`` manifest (None: DASH
        if the title has it, else HLS); raises CatalogError. ``session_id`` (a fresh one by
        default) names the session before it starts, so a caller can tell its events from the
        previous title's from the first one on."""
        requested_at = (time.time(), time.monotonic())
        self._end_qoe()  # a start without a stop ends the previous session's report
        info = self.catalog.playback(title_id)
        url = info.manifest(fmt)
        fmt = info.format_of(url)
        start = start_s if start_s is not None else (0.0 if from_start else info.resume_s)
        session_id = session_id or str(uuid.uuid4())
        qoe = self.telemetry.start_session(
            title_id=title_id, collector_url=info.collector_url, token=info.token, fmt=fmt, start_s=start,
            ui_mode=self.ui_mode, player_config=self.player_config, session_id=session_id,
            requested_at=requested_at,
        ) if self.telemetry is not None else None
        if qoe is not None:
            self.player.add_listener(qoe)
        with self._lock:
            self.info = info
            self.qoe = qoe
            self.session_id = session_id
            self._last_report = time.monotonic()
        license = LicenseConfig(url=info.license_url, token=info.token)
        self.player.open(url, start_s=start, license=license, keys=self.keys,
                         cmcd=CmcdConfig(session_id=session_id, content_id=title_id), preferences=self.preferences)
        return info

    def stop(self) -> None:
        """Stop playback, save where the viewer got to and close the telemetry session."""
        self._report(force=True)
        with self._lock:
            self.info = None
        self.player.stop()
        self._end_qoe()

    def _end_qoe(self) -> None:
        with self._lock:
            qoe, self.qoe = self.qoe, None
        if qoe is not None:
            qoe.end()
            self.player.remove_listener(qoe)

    def _on_event(self, event: PlayerEvent) -> None:
        if event.session_id != self.session_id:
            return  # the previous title's last words must not move this title's resume point
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
