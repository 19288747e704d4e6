"""Headless playback: the real player (libmpv with ``vo=null``) with progress on the terminal."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from app.catalog import CatalogClient
from app.report import PlaybackReport
from app.session import PlaybackSession
from app.telemetry import telemetry_from_env
from player import Player
from player.events import PlayerEvent, Position, RenditionSwitched
from player.tracks import TrackPreferences

STARTUP_TIMEOUT_S = 30.0
TELEMETRY_FLUSH_S = 3.0
"""How long the end of a run waits for the collector; what is not sent by then goes next run."""



def has_sound() -> bool:
    """Whether this machine can play sound at all (a sound server or a sound card). Without
    either, audio goes to mpv's null output instead of ALSA complaining on the terminal."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    server = os.environ.get("PULSE_SERVER") or (runtime and (Path(runtime, "pulse").exists()
                                                             or Path(runtime, "pipewire-0").exists()))
    return bool(server) or Path("/dev/snd").exists()


class _Progress:
    """Prints one status line per second of media to stderr."""

    def __init__(self) -> None:
        self._next = 0.0
        self._rendition = ""

    def __call__(self, event: PlayerEvent) -> None:
        if isinstance(event, RenditionSwitched):
            self._rendition = f"{event.height}p {event.to_kbps}k"
        elif isinstance(event, Position) and event.position_s >= self._next:
            self._next = int(event.position_s) + 1.0
            print(f"  {event.position_s:6.1f} / {event.duration_s:.1f} s   buffer {event.buffer_s:5.1f} s   "
                  f"{self._rendition}", file=sys.stderr, flush=True)


def play_headless(
    catalog: CatalogClient | None,
    target: str,
    *,
    fmt: str | None = None,
    start_s: float | None = None,
    duration_s: float | None = None,
    abr: str | None = None,
    progress: bool = True,
    keys: Mapping[bytes, bytes] | None = None,
    preferences: TrackPreferences | None = None,
) -> PlaybackReport:
    """Play ``target`` (a title id with ``catalog``, else a manifest URL) until it ends, fails,
    or ``duration_s`` seconds have played; return the summary."""
    report = PlaybackReport()
    player = Player(video_output="null", audio_output=None if has_sound() else "null", **({"abr": abr} if abr else {}))
    player.add_listener(report)
    if progress:
        player.add_listener(_Progress())
    telemetry = telemetry_from_env() if catalog is not None else None
    session = PlaybackSession(catalog, player, keys, telemetry=telemetry, ui_mode="headless",
                              player_config={"vo": "null", "abr": abr or "default"},
                              preferences=preferences) if catalog is not None else None
    try:
        if session is not None:
            session.start(target, fmt=fmt, start_s=start_s)
        else:
            player.open(target, start_s=start_s or 0.0, keys=keys, preferences=preferences)
        started = time.monotonic()
        while not report.finished.wait(0.1):
            if duration_s is not None and report.played_s >= duration_s:
                break
            if report.startup_ms is None and time.monotonic() - started > STARTUP_TIMEOUT_S:
                report.errors.append(f"startup: no picture after {STARTUP_TIMEOUT_S:.0f} s")
                break
        if session is not None:
            session.stop()
    finally:
        player.close()
        if telemetry is not None:
            telemetry.close(TELEMETRY_FLUSH_S)
    return report

