"""A real session end to end: the reference backend whose origin serves one segment late (its
fault injection: the player stalls), the player core with libmpv, the telemetry service and the
collector. A loopback proxy in front of the backend notes when each request went out. What the
collector stored must be a complete, schema-valid stream whose summary matches the events and
the stall the origin caused."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from app.catalog import CatalogClient
from app.report import PlaybackReport
from app.session import PlaybackSession
from app.telemetry import Telemetry, TelemetryConfig
from player import Player
from player.events import PlayerEvent, Position, StallEnded, StallStarted
from player.scheduler import FRAME_GAP_S
from tests.telemetry.conftest import session_fields, stored_session, validate_stream
from tests.telemetry.proxy import proxied

FAULT_S = 6.0
"""The origin holds the first byte of the second audio segment (4-8 s) this long."""
LATE = re.compile(r"/audio-[^/]+/2\.m4s")


def first_title(catalog: CatalogClient) -> str:
    return next(item.id for row in catalog.home() for item in row.items)


def wait_for(predicate, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_played_session_with_a_stall_reports_a_complete_valid_stream(
        backend: str, origin_faults, fast_config: TelemetryConfig) -> None:
    origin_faults([{"match": "/media/*/audio-*/2.m4s", "kind": "slow-first-byte", "seconds": FAULT_S,
                    "times": 1}])
    with proxied(backend) as proxy, CatalogClient(proxy.url) as catalog:
        player = Player(audio_output="null")
        telemetry = Telemetry(fast_config)
        reference = PlaybackReport()  # the same summary code, fed directly by the player
        player.add_listener(reference)
        stalls: list[tuple[str, float]] = []
        positions: list[float] = []

        def on_event(event: PlayerEvent) -> None:
            if isinstance(event, StallStarted):
                stalls.append(("start", time.monotonic()))
            elif isinstance(event, StallEnded):
                stalls.append(("end", time.monotonic()))
            elif isinstance(event, Position):
                positions.append(event.position_s)

        player.add_listener(on_event)
        session = PlaybackSession(catalog, player, telemetry=telemetry, ui_mode="headless",
                                  player_config={"abr": "default", "vo": "null"})
        try:
            title = first_title(catalog)
            session.start(title, from_start=True)
            assert session.qoe is not None
            session_id = session.qoe.session_id
            wait_for(lambda: any(kind == "end" for kind, _ in stalls))
            wait_for(lambda: positions and positions[-1] > 11.0)
            player.pause()
            time.sleep(0.6)
            player.play()
            assert reference.finished.wait(40), "playback did not end"
            session.stop()
            assert telemetry.flush(15), "telemetry was not delivered"
        finally:
            player.close()
            telemetry.close()

    stored = stored_session(backend, session_id)
    events = stored["events"]
    validate_stream(session_fields(stored), events)

    # Complete: every seq once, nothing dropped, in the order things happened.
    seqs = sorted(e["seq"] for e in events)
    assert seqs == list(range(len(events))), "events missing or repeated"
    assert len({e["event_id"] for e in events}) == len(events)
    by_seq = sorted(events, key=lambda e: e["seq"])
    types = [e["type"] for e in by_seq]
    assert [t for t in types if t != "track_change"][:3] == ["play_requested", "manifest_loaded", "first_frame"]
    assert [(e["media"], e["from"]) for e in by_seq if e["type"] == "track_change"] == [("audio", None)]
    assert types[-1] == "session_end" and by_seq[-1]["reason"] == "ended"
    assert types.count("stall_start") == types.count("stall_end") == 1
    assert types.index("stall_start") < types.index("stall_end") < types.index("pause") < types.index("resume")
    assert "rendition_switch" in types and "heartbeat" in types and "dropped" not in types
    assert [e["ts"] for e in by_seq] == sorted(e["ts"] for e in by_seq)
    assert stored["title_id"] == title and stored["ui_mode"] == "headless" and stored["dropped"] == 0

    # The stall is the one the origin made: from the playhead running dry until the late segment
    # (asked for at late_at) came FAULT_S later and the picture moved again.
    stall = next(e for e in by_seq if e["type"] == "stall_end")
    late_at = next(s.at for s in proxy.seen if LATE.search(s.path.split("?")[0]))
    # The stall is only declared once the picture has stood still for FRAME_GAP_S, but it is
    # dated from when the picture stopped: so it is that much longer than the gap between the two
    # events (give or take a poll), and ends FAULT_S after the late request, give or take the refill.
    seen_ms = (stalls[1][1] - stalls[0][1]) * 1000
    assert seen_ms + FRAME_GAP_S * 1000 - 300 <= stall["duration_ms"] <= seen_ms + FRAME_GAP_S * 1000 + 300
    expected_ms = (late_at + FAULT_S - stalls[0][1]) * 1000 + FRAME_GAP_S * 1000
    assert expected_ms - 400 <= stall["duration_ms"] <= expected_ms + 1000, (stall, expected_ms)
    assert 3.0 < stall["position_s"] < 4.5  # the late segment starts at 4 s

    # The summary: the reference report's numbers, and consistent with the event stream.
    summary = by_seq[-1]["summary"]
    assert summary == reference.qoe_summary()
    switches = [e for e in by_seq if e["type"] == "rendition_switch"]
    first_frame = next(e for e in by_seq if e["type"] == "first_frame")
    assert summary["startup_ms"] == first_frame["startup_ms"] == stored["startup_ms"]
    assert summary["rebuffer_count"] == 1
    assert summary["rebuffer_s"] == pytest.approx(stall["duration_ms"] / 1000, abs=0.002)
    assert summary["played_s"] == pytest.approx(16.0, abs=0.6)
    assert summary["rebuffer_ratio"] == pytest.approx(
        summary["rebuffer_s"] / (summary["played_s"] + summary["rebuffer_s"]), abs=1e-4)
    assert summary["switches"] == sum(1 for e in switches if e["from_kbps"] is not None)
    assert summary["bitrate_mean_kbps"] == pytest.approx(sum(e["to_kbps"] for e in switches) / len(switches), abs=0.1)
    assert summary["switches_per_minute"] == pytest.approx(summary["switches"] * 60 / summary["played_s"], abs=0.01)
    kbps = [e["to_kbps"] for e in switches]
    assert min(kbps) <= summary["bitrate_time_weighted_kbps"] <= max(kbps)
    assert not summary["exited_before_start"] and not summary["start_failed"]
    heartbeat = next(e for e in by_seq if e["type"] == "heartbeat")
    assert heartbeat["decoded_frames"] > 0 and heartbeat["video_kbps"] in kbps and heartbeat["codec"]

    # CMCD on the segment requests carries the telemetry's session id and the title.
    segment_requests = [s.path for s in proxy.seen if re.search(r"\.m4s\b", s.path)]
    assert segment_requests
    for path in segment_requests:
        cmcd = unquote(parse_qs(urlsplit(path).query)["CMCD"][0])
        assert f'sid="{session_id}"' in cmcd and f'cid="{title}"' in cmcd
