"""One playback's telemetry: a player listener that turns :mod:`player.events` into the events of
``assets/schema/qoe-events-v1.json`` and hands them to the :class:`~app.telemetry.Telemetry`
service. The session-end summary is :meth:`app.report.PlaybackReport.qoe_summary` over the same
events, so the CLI, the tests and the collector see one set of numbers.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from app.report import PlaybackReport
from player.events import (
    DecodeError,
    FirstFrame,
    Loaded,
    PlayerError,
    PlayerEvent,
    Position,
    RenditionSwitched,
    StallEnded,
    StallStarted,
    State,
    StateChanged,
    Stats,
    TrackSelected,
)

if TYPE_CHECKING:
    from app.telemetry.emitter import Telemetry


def _s(value: float) -> float:
    """Seconds as sent: millisecond precision, never negative."""
    return round(max(value, 0.0), 3)


class QoeSession:
    """Made by :meth:`Telemetry.start_session`; add it as a player listener, call :meth:`end`
    when the viewer leaves. Listener calls come on player threads and only queue in memory."""

    def __init__(self, telemetry: Telemetry, session_id: str, *, fmt: str, start_s: float,
                 requested_at: tuple[float, float], heartbeat_s: float) -> None:
        self.telemetry = telemetry
        self.session_id = session_id
        self.report = PlaybackReport()
        self._heartbeat_s = heartbeat_s
        self._requested_mono = requested_at[1]
        self._lock = threading.Lock()
        self._seq = 0
        self._ended = False
        self._position = start_s
        self._buffer = 0.0
        self._last_heartbeat = requested_at[1]
        self._paused_at: float | None = None
        self._tracks: dict[str, str | None] = {"audio": None, "subtitle": None}
        self._emit("play_requested", ts=requested_at[0], start_s=_s(start_s),
                   format="hls" if fmt == "hls" else "dash")

    @property
    def ended(self) -> bool:
        return self._ended

    def __call__(self, event: PlayerEvent) -> None:
        if self._ended or event.session_id not in ("", self.session_id):
            return  # another title's events (the previous one's can still be arriving)
        self.report(event)
        if isinstance(event, Position):
            self._position, self._buffer = event.position_s, event.buffer_s
        elif isinstance(event, Stats):
            self._position, self._buffer = event.position_s, event.buffer_s
            self._heartbeat(event)
        elif isinstance(event, Loaded):
            self._emit("manifest_loaded", elapsed_ms=round((time.monotonic() - self._requested_mono) * 1000, 1),
                       format=event.format if event.format in ("dash", "hls") else "dash",
                       duration_s=_s(event.duration_s), video_kbps=sorted(event.video_kbps),
                       audio_kbps=sorted(event.audio_kbps))
        elif isinstance(event, FirstFrame):
            self._position = event.position_s
            if event.after_seek:
                self._emit("seek", position_s=_s(event.position_s), seek_ms=round(event.startup_ms, 1))
            else:
                self._emit("first_frame", startup_ms=round(event.startup_ms, 1), position_s=_s(event.position_s))
        elif isinstance(event, RenditionSwitched):
            self._emit("rendition_switch", media=event.kind, from_kbps=event.from_kbps, to_kbps=event.to_kbps,
                       width=event.width, height=event.height, reason=event.reason[:200],
                       position_s=_s(event.position_s), buffer_s=_s(self._buffer))
        elif isinstance(event, StallStarted):
            self._emit("stall_start", position_s=_s(event.position_s), buffer_s=_s(self._buffer))
        elif isinstance(event, StallEnded):
            self._emit("stall_end", position_s=_s(event.position_s), duration_ms=round(event.duration_s * 1000, 1),
                       buffer_s=_s(self._buffer))
        elif isinstance(event, StateChanged):
            self._state_changed(event.state)
        elif isinstance(event, TrackSelected):
            self._track_selected(event)
        elif isinstance(event, PlayerError):
            self._emit("error", code=event.code[:64] or "unknown", message=event.message[:1000], fatal=event.fatal,
                       position_s=_s(self._position))
        elif isinstance(event, DecodeError):
            self._emit("error", code="decode", message=event.message[:1000], fatal=False,
                       position_s=_s(event.position_s))

    def end(self) -> dict[str, Any]:
        """Record ``session_end`` with the summary metrics (once) and return the summary."""
        summary = self.report.qoe_summary()
        with self._lock:
            if self._ended:
                return summary
            self._ended = True
        reason = "ended" if self.report.ended else "error" if self.report.fatal_error else "stopped"
        self._emit("session_end", closing=True, reason=reason, position_s=_s(self._position), summary=summary)
        return summary

    # -- internals -------------------------------------------------------------------------------

    def _state_changed(self, state: State) -> None:
        if state == State.PAUSED and self._paused_at is None:
            self._paused_at = time.monotonic()
            self._emit("pause", position_s=_s(self._position))
        elif state == State.PLAYING and self._paused_at is not None:
            paused_ms = (time.monotonic() - self._paused_at) * 1000
            self._paused_at = None
            self._emit("resume", position_s=_s(self._position), paused_ms=round(paused_ms, 1))

    def _track_selected(self, event: TrackSelected) -> None:
        """The first choice (from None) and every change after it; subtitles "off" are None."""
        media = "subtitle" if event.kind == "text" else "audio"
        chosen = None if event.kind == "text" and event.language == "off" else event.language[:64]
        previous = self._tracks[media]
        if chosen != previous:
            self._tracks[media] = chosen
            self._emit("track_change", media=media, **{"from": previous, "to": chosen},
                       position_s=_s(self._position))

    def _heartbeat(self, stats: Stats) -> None:
        now = time.monotonic()
        if now - self._last_heartbeat < self._heartbeat_s:
            return
        self._last_heartbeat = now
        self._emit("heartbeat", position_s=_s(stats.position_s), buffer_s=_s(stats.buffer_s),
                   throughput_bps=round(stats.throughput_bps) if stats.throughput_bps is not None else None,
                   video_kbps=stats.video_kbps, width=stats.width, height=stats.height, codec=stats.codec[:64],
                   dropped_frames=stats.dropped_frames, decoded_frames=stats.decoded_frames,
                   buffered_bytes=stats.buffered_bytes)

    def _emit(self, kind: str, *, ts: float | None = None, closing: bool = False, **fields: Any) -> None:
        with self._lock:  # seq order is hand-off order, and nothing follows session_end
            if self._ended and not closing:
                return
            event = {"event_id": str(uuid.uuid4()), "seq": self._seq, "type": kind,
                     "ts": round((ts if ts is not None else time.time()) * 1000, 1), **fields}
            self._seq += 1
            self.telemetry.record(self.session_id, event, closing=closing)
