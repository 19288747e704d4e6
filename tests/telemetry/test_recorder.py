"""The events a session records for what the played-session tests cannot easily make happen:
seeks, track changes, errors, and sessions that never showed a picture. Player events are fed to
the session directly; delivery and validation are the real service and collector."""

from __future__ import annotations

import httpx

from app.catalog import CatalogClient
from app.telemetry import QoeSession, Telemetry, TelemetryConfig
from player.events import (
    DecodeError,
    Ended,
    FirstFrame,
    Loaded,
    PlayerError,
    Position,
    RenditionSwitched,
    State,
    StateChanged,
    TrackSelected,
)
from tests.telemetry.conftest import session_fields, stored_session, validate_stream


def start(telemetry: Telemetry, backend: str) -> QoeSession:
    with CatalogClient(backend) as catalog:
        title = next(item.id for row in catalog.home() for item in row.items)
        info = catalog.playback(title)
    qoe = telemetry.start_session(title_id=title, collector_url=info.collector_url, token=info.token, fmt="hls",
                                  start_s=12.0, ui_mode="desktop", player_config={"abr": "bola"})
    assert qoe is not None
    qoe(Loaded("http://x/master.m3u8", "hls", 60.0, (400, 200), (128,)))
    qoe(TrackSelected("audio", "en", "English"))
    return qoe


def delivered(backend: str, telemetry: Telemetry, qoe: QoeSession) -> list[dict]:
    assert telemetry.flush(10)
    stored = stored_session(backend, qoe.session_id)
    validate_stream(session_fields(stored), stored["events"])
    return stored["events"]


def test_seek_track_change_and_errors(backend: str, fast_config: TelemetryConfig) -> None:
    with Telemetry(fast_config) as telemetry:
        qoe = start(telemetry, backend)
        qoe(FirstFrame(250.0, position_s=12.0, session_id=qoe.session_id))  # stamped as the player does
        qoe(RenditionSwitched("video", None, 400, 640, 360, "startup", 12.0))
        qoe(Position(13.0, 60.0, 9.5))
        qoe(FirstFrame(180.0, seek_target_s=40.0, position_s=40.0))
        qoe(StateChanged(State.PAUSED))
        qoe(StateChanged(State.PAUSED))  # a second report of the same pause is not a second pause
        qoe(StateChanged(State.PLAYING))
        qoe(TrackSelected("text", "fr", "Français"))
        qoe(TrackSelected("text", "fr", "Français"))  # the same again: no change
        qoe(TrackSelected("text", "off"))
        qoe(DecodeError("ffmpeg/video: h264: error while decoding MB", 41.0))
        qoe(PlayerError("mpv", "audio output failed", fatal=False))
        # The previous title's last words, arriving late: not this session's, so not recorded.
        qoe(PlayerError("manifest", "HTTP 404", fatal=True, session_id="an-earlier-session"))
        qoe(StateChanged(State.IDLE, session_id="an-earlier-session"))
        for second in range(41, 61):
            qoe(Position(float(second), 60.0, 5.0))
        qoe(Ended())
        summary = qoe.end()
        qoe(Position(60.0, 60.0, 0.0))  # after the end: ignored
        events = delivered(backend, telemetry, qoe)
    by_type = {e["type"]: e for e in events}
    assert [e["type"] for e in events] == [
        "play_requested", "manifest_loaded", "track_change", "first_frame", "rendition_switch", "seek", "pause",
        "resume", "track_change", "track_change", "error", "error", "session_end"]
    assert by_type["play_requested"]["start_s"] == 12.0 and by_type["play_requested"]["format"] == "hls"
    assert by_type["manifest_loaded"]["video_kbps"] == [200, 400]
    assert by_type["seek"]["position_s"] == 40.0 and by_type["seek"]["seek_ms"] == 180.0
    assert by_type["rendition_switch"]["buffer_s"] == 0.0
    changes = [(e["media"], e["from"], e["to"]) for e in events if e["type"] == "track_change"]
    assert changes == [("audio", None, "en"), ("subtitle", None, "fr"), ("subtitle", "fr", None)]
    errors = [e for e in events if e["type"] == "error"]
    assert [(e["code"], e["fatal"]) for e in errors] == [("decode", False), ("mpv", False)]
    end = events[-1]
    assert end["reason"] == "ended" and end["summary"] == summary
    assert summary["startup_ms"] == 250.0 and summary["decode_errors"] == 1
    assert summary["played_s"] == 1.0 + 20.0  # 12 -> 13, then from the seek target 40 to the end


def test_sessions_without_a_picture(backend: str, fast_config: TelemetryConfig) -> None:
    with Telemetry(fast_config) as telemetry:
        left = start(telemetry, backend)
        left_summary = left.end()  # the viewer gave up while it loaded
        failed = start(telemetry, backend)
        failed(PlayerError("manifest", "HTTP 404 for http://x/master.m3u8", fatal=True))
        failed_summary = failed.end()
        left_events = delivered(backend, telemetry, left)
        failed_events = delivered(backend, telemetry, failed)
    assert left_summary["exited_before_start"] and not left_summary["start_failed"]
    assert left_summary["startup_ms"] is None and left_events[-1]["reason"] == "stopped"
    assert failed_summary["start_failed"] and not failed_summary["exited_before_start"]
    assert failed_events[-1]["reason"] == "error"
    assert [e["type"] for e in failed_events] == ["play_requested", "manifest_loaded", "track_change", "error",
                                                  "session_end"]
    aggregates = httpx.get(f"{backend}/api/v1/qoe/aggregates", timeout=10).json()
    assert aggregates["exits_before_video_start"] >= 1 and aggregates["video_start_failures"] >= 1


def test_no_collector_or_token_means_no_session(fast_config: TelemetryConfig) -> None:
    with Telemetry(fast_config) as telemetry:
        assert telemetry.start_session(title_id="t", collector_url=None, token="x", fmt="dash", start_s=0,
                                       ui_mode="headless", player_config={}) is None
        assert telemetry.start_session(title_id="t", collector_url="http://127.0.0.1:9/c", token=None, fmt="dash",
                                       start_s=0, ui_mode="headless", player_config={}) is None
