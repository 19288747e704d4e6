"""A playback summary built from the player's events: what the headless CLI prints and tests read.

The one place the summary metrics are computed: telemetry's ``session_end`` carries
:meth:`PlaybackReport.qoe_summary` as it is (names and definitions in
``assets/schema/qoe-events-v1.json``, after CTA-2066 and Shaka's ``getStats()``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from player.events import (
    DecodeError,
    Ended,
    FirstFrame,
    Loaded,
    PlayerError,
    PlayerEvent,
    Position,
    RenditionSwitched,
    StallEnded,
    StallStarted,
    TrackSelected,
)


@dataclass
class PlaybackReport:
    """Accumulates events (from any thread) into summary metrics."""

    url: str = ""
    format: str = ""
    duration_s: float = 0.0
    startup_ms: float | None = None
    seek_ms: list[float] = field(default_factory=list)
    played_s: float = 0.0
    rebuffer_count: int = 0
    rebuffer_s: float = 0.0
    switches: int = 0
    renditions: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    decode_errors: int = 0
    ended: bool = False
    audio_language: str | None = None
    subtitles: str = "off"
    fatal_error: bool = False
    _entered_kbps: list[int] = field(default_factory=list, repr=False)
    _kbps_seconds: float = 0.0
    _current_kbps: int | None = None
    _last_position: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    def __call__(self, event: PlayerEvent) -> None:
        with self._lock:
            self._add(event)

    def _add(self, event: PlayerEvent) -> None:
        if isinstance(event, Loaded):
            # The query may carry a playback token: not for printing.
            self.url, self.format, self.duration_s = event.url.split("?", 1)[0], event.format, event.duration_s
        elif isinstance(event, FirstFrame):
            if event.after_seek:
                self.seek_ms.append(event.startup_ms)
            elif self.startup_ms is None:
                self.startup_ms = event.startup_ms
            self._last_position = event.position_s
        elif isinstance(event, Position):
            self._advance(event.position_s)
        elif isinstance(event, RenditionSwitched):
            if event.from_kbps is not None:
                self.switches += 1
            self._current_kbps = event.to_kbps
            if event.kind == "video":
                self._entered_kbps.append(event.to_kbps)
            if event.to_kbps not in self.renditions:
                self.renditions.append(event.to_kbps)
        elif isinstance(event, TrackSelected):
            if event.kind == "audio":
                self.audio_language = event.language
            else:
                self.subtitles = event.language
        elif isinstance(event, StallStarted):
            self.rebuffer_count += 1
        elif isinstance(event, StallEnded):
            self.rebuffer_s += event.duration_s
        elif isinstance(event, DecodeError):
            self.decode_errors += 1
            self.errors.append(event.message)
        elif isinstance(event, PlayerError):
            self.errors.append(f"{event.code}: {event.message}")
            if event.fatal:
                self.fatal_error = True
                self.finished.set()
        elif isinstance(event, Ended):
            self._advance(self.duration_s)  # the stretch after the last position report
            self.ended = True
            self.finished.set()

    def _advance(self, position_s: float) -> None:
        """Count media played since the last report. A seek is no playback: its first frame
        (``FirstFrame(after_seek=True)``) moves the baseline, and no position is reported
        between a seek and that frame."""
        if self._last_position is not None and position_s > self._last_position:
            step = position_s - self._last_position
            self.played_s += step
            if self._current_kbps is not None:
                self._kbps_seconds += step * self._current_kbps
        self._last_position = position_s

    @property
    def mean_video_kbps(self) -> float:
        return self._kbps_seconds / self.played_s if self.played_s else 0.0

    @property
    def rebuffer_ratio(self) -> float:
        """CTA-2066 Rebuffering Ratio: time stalled over time played plus time stalled."""
        total = self.played_s + self.rebuffer_s
        return self.rebuffer_s / total if total else 0.0

    @property
    def switches_per_minute(self) -> float:
        return self.switches * 60.0 / self.played_s if self.played_s else 0.0

    @property
    def bitrate_mean_kbps(self) -> float:
        """Mean of the video bitrates entered, each entry once, however long it lasted."""
        entered = self._entered_kbps
        return sum(entered) / len(entered) if entered else 0.0

    def qoe_summary(self) -> dict[str, Any]:
        """The summary metrics as telemetry's ``session_end`` reports them (schema ``summary``)."""
        with self._lock:
            started = self.startup_ms is not None
            return {
                "startup_ms": round(self.startup_ms, 1) if started else None,
                "played_s": round(self.played_s, 3),
                "rebuffer_count": self.rebuffer_count,
                "rebuffer_s": round(self.rebuffer_s, 3),
                "rebuffer_ratio": round(self.rebuffer_ratio, 5),
                "bitrate_mean_kbps": round(self.bitrate_mean_kbps, 1),
                "bitrate_time_weighted_kbps": round(self.mean_video_kbps, 1),
                "switches": self.switches,
                "switches_per_minute": round(self.switches_per_minute, 3),
                "exited_before_start": not started and not self.fatal_error,
                "start_failed": not started and self.fatal_error,
                "decode_errors": self.decode_errors,
            }

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "url": self.url,
                "format": self.format,
                "startup_ms": round(self.startup_ms, 1) if self.startup_ms is not None else None,
                "seek_ms": [round(s, 1) for s in self.seek_ms],
                "played_s": round(self.played_s, 2),
                "rebuffer_count": self.rebuffer_count,
                "rebuffer_s": round(self.rebuffer_s, 3),
                "switches": self.switches,
                "mean_video_kbps": round(self.mean_video_kbps, 1),
                "renditions": sorted(self.renditions),
                "audio_language": self.audio_language,
                "subtitles": self.subtitles,
                "decode_errors": self.decode_errors,
                "ended": self.ended,
                "errors": list(self.errors),
                "rebuffer_ratio": round(self.rebuffer_ratio, 5),
                "switches_per_minute": round(self.switches_per_minute, 3),
                "bitrate_mean_kbps": round(self.bitrate_mean_kbps, 1),
            }
