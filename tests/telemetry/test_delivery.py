"""Delivery with nothing lost: the telemetry service against the real collector, with a loopback
proxy in front of it that goes down, comes back, and swallows answers."""

from __future__ import annotations

import dataclasses
import gzip
import json
import time
from pathlib import Path

import httpx
import pytest

from app.catalog import CatalogClient
from app.report import PlaybackReport
from app.session import PlaybackSession
from app.telemetry import Telemetry, TelemetryConfig
from player import Player
from player.events import FirstFrame, Loaded, Position, RenditionSwitched
from tests.telemetry.conftest import session_fields, stored_session, validate_stream
from tests.telemetry.proxy import Proxy, proxied

COLLECTOR = "/api/v1/qoe/events"


def first_title(catalog: CatalogClient) -> str:
    return next(item.id for row in catalog.home() for item in row.items)


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def posts(proxy: Proxy) -> list[dict[str, int]]:
    """The collector's answers to the POSTs through the proxy (also those it swallowed)."""
    return [json.loads(s.response) for s in proxy.seen if s.method == "POST"]


def test_collector_down_then_up_every_event_arrives_exactly_once(backend: str,
                                                                 fast_config: TelemetryConfig) -> None:
    with proxied(backend) as proxy, CatalogClient(backend) as catalog:
        config = dataclasses.replace(fast_config, collector_url=proxy.url + COLLECTOR)
        player = Player(audio_output="null")
        telemetry = Telemetry(config)
        report = PlaybackReport()
        player.add_listener(report)
        session = PlaybackSession(catalog, player, telemetry=telemetry, ui_mode="headless")
        try:
            session.start(first_title(catalog), from_start=True)
            assert session.qoe is not None
            session_id = session.qoe.session_id
            wait_for(lambda: report.startup_ms is not None)
            wait_for(lambda: any(p["stored"] for p in posts(proxy)))  # the start went through
            proxy.down()
            # The 10 s heartbeat (and whatever else happens) waits on disk while it is down.
            wait_for(lambda: report.played_s > 11.0 and telemetry.queue.pending() > 0)
            proxy.swallow_posts = 1  # back up, but the first answer is lost: the client must resend
            proxy.up()
            assert report.finished.wait(40)
            session.stop()
            assert telemetry.flush(15)
        finally:
            player.close()
            telemetry.close()

    answers = posts(proxy)
    assert any(s.status is None for s in proxy.seen), "no answer was swallowed"
    assert sum(a["duplicates"] for a in answers) > 0, "the swallowed batch was not resent"
    stored = stored_session(backend, session_id)
    events = stored["events"]
    validate_stream(session_fields(stored), events)
    assert sorted(e["seq"] for e in events) == list(range(len(events)))
    assert events[-1]["type"] == "session_end" and events[-1]["seq"] == len(events) - 1
    assert sum(a["stored"] for a in answers) == len(events)  # each stored once, whatever was resent
    assert telemetry.delivered == len(events)  # and acknowledged once
    assert stored["dropped"] == 0


def feed(telemetry: Telemetry, token: str, title: str, collector: str, count: int):
    """A session that records ``count`` position-bearing events (switches) after its start."""
    qoe = telemetry.start_session(title_id=title, collector_url=collector, token=token, fmt="dash", start_s=0.0,
                                  ui_mode="headless", player_config={})
    assert qoe is not None
    qoe(Loaded("http://x/manifest.mpd", "dash", 600.0, (200, 400), (128,)))
    qoe(FirstFrame(300.0))
    for i in range(count):
        qoe(RenditionSwitched("video", 200 if i else None, 400 if i % 2 else 200, 640, 360, "test", float(i)))
        qoe(Position(float(i), 600.0, 5.0))
    return qoe


def playback_token(backend: str, title: str) -> str:
    return httpx.post(f"{backend}/api/v1/titles/{title}/playback", timeout=10).json()["token"]


@pytest.fixture()
def title(backend: str) -> str:
    with CatalogClient(backend) as catalog:
        return first_title(catalog)


def test_batches_by_count_and_by_time_gzip_on_the_wire(backend: str, title: str, tmp_path: Path) -> None:
    config = TelemetryConfig(queue_path=tmp_path / "q.db", batch_size=10, batch_delay_s=1.5)
    with proxied(backend) as proxy:
        telemetry = Telemetry(config)
        try:
            qoe = feed(telemetry, playback_token(backend, title), title, proxy.url + COLLECTOR, 27)
            # 3 + 27 events: three full batches go at once
            wait_for(lambda: len(posts(proxy)) >= 3, timeout=10)
            assert [a["stored"] for a in posts(proxy)] == [10, 10, 10]
            qoe.end()
            time.sleep(0.5)
            assert len(posts(proxy)) == 3, "a lone event went before the batch delay"
            wait_for(lambda: len(posts(proxy)) == 4, timeout=5)
            assert posts(proxy)[3]["stored"] == 1  # session_end alone, once the batch delay passed
        finally:
            telemetry.close()
    events = stored_session(backend, qoe.session_id)["events"]
    assert len(events) == 31 and events[-1]["type"] == "session_end"


def test_past_the_bound_the_oldest_go_and_a_dropped_record_counts_them(backend: str, title: str,
                                                                       fast_config: TelemetryConfig) -> None:
    # Nothing is due before the flush, so no batch is in flight (protected) while the queue fills.
    config = dataclasses.replace(fast_config, max_queued=40, batch_size=1000, batch_delay_s=60.0)
    with proxied(backend) as proxy:
        proxy.down()
        telemetry = Telemetry(dataclasses.replace(config, collector_url=proxy.url + COLLECTOR))
        try:
            qoe = feed(telemetry, playback_token(backend, title), title, "unused", 60)
            qoe.end()  # 3 + 60 + 1 = 64 events recorded, room for 40
            wait_for(lambda: telemetry.queue.pending() == 41)  # 40 events and one dropped record
            proxy.up()
            assert telemetry.flush(10)
        finally:
            telemetry.close()
    stored = stored_session(backend, qoe.session_id)
    assert stored["dropped"] == 24
    seqs = sorted(e["seq"] for e in stored["events"] if e["type"] != "dropped")
    assert seqs == list(range(24, 64)), "not the oldest were dropped"
    dropped = [e for e in stored["events"] if e["type"] == "dropped"]
    assert [(d["count"], d["reason"]) for d in dropped] == [(24, "queue_full")]


def test_a_batch_the_collector_refuses_is_counted_not_retried(backend: str, title: str,
                                                              fast_config: TelemetryConfig) -> None:
    """A session whose token is for another title: the collector answers 403, the client drops
    the session's events instead of retrying them forever, and sends other sessions' events."""
    with CatalogClient(backend) as catalog:
        other = [item.id for row in catalog.home() for item in row.items if item.id != title][0]
    telemetry = Telemetry(fast_config)
    try:
        refused = feed(telemetry, playback_token(backend, other), title, backend + COLLECTOR, 5)
        refused.end()
        fine = feed(telemetry, playback_token(backend, title), title, backend + COLLECTOR, 5)
        fine.end()
        assert telemetry.flush(10)
    finally:
        telemetry.close()
    assert httpx.get(f"{backend}/api/v1/qoe/sessions/{refused.session_id}").status_code == 404
    assert len(stored_session(backend, fine.session_id)["events"]) == 3 + 5 + 1


def test_gzip_body_is_what_the_collector_reads(backend: str, title: str, fast_config: TelemetryConfig) -> None:
    """The bytes on the wire are a gzip of one schema-valid batch."""
    with proxied(backend) as proxy:
        telemetry = Telemetry(dataclasses.replace(fast_config, collector_url=proxy.url + COLLECTOR))
        try:
            feed(telemetry, playback_token(backend, title), title, "unused", 2).end()
            assert telemetry.flush(10)
        finally:
            telemetry.close()
        sent = [s for s in proxy.seen if s.method == "POST"]
        assert sent and sent[0].status == 200
        body = json.loads(gzip.decompress(sent[0].request))
    validate_stream(body["session"], body["events"])
