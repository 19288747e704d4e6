"""The QoE collector as a client meets it: a real backend process, real HTTP, gzip bodies."""

from __future__ import annotations

import gzip
import json
import random
import time
from typing import Any

import httpx
import pytest

from tests.server.conftest import ServerProcess
from tests.telemetry.batches import MadeSession, batch, make_session

EVENTS = "/api/v1/qoe/events"


def titles(http: httpx.Client) -> list[str]:
    return [item["id"] for row in http.get("/api/v1/home").json()["rows"] for item in row["items"]]


def playback(http: httpx.Client, title: str) -> dict[str, Any]:
    response = http.post(f"/api/v1/titles/{title}/playback")
    assert response.status_code == 200
    return response.json()


def post(http: httpx.Client, token: str | None, document: Any, *, gzipped: bool = True) -> httpx.Response:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    headers = {"Content-Type": "application/json"}
    if gzipped:
        raw = gzip.compress(raw)
        headers["Content-Encoding"] = "gzip"
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return http.post(EVENTS, content=raw, headers=headers)


@pytest.fixture()
def http(fresh_server: ServerProcess) -> httpx.Client:
    with fresh_server.client() as client:
        yield client


def session_for(http: httpx.Client, rng: random.Random, *, started_at_ms: float | None = None,
                stalls: int | None = None, title: str | None = None) -> tuple[str, MadeSession]:
    title = title or titles(http)[0]
    token = playback(http, title)["token"]
    made = make_session(rng, title, started_at_ms or time.time() * 1000, stalls=stalls)
    return token, made


def test_playback_endpoint_names_the_collector(http: httpx.Client) -> None:
    info = playback(http, titles(http)[0])
    assert info["collector_url"] == str(http.base_url).rstrip("/") + EVENTS


def test_a_batch_is_stored_once_however_often_it_is_sent(http: httpx.Client) -> None:
    token, made = session_for(http, random.Random(1), stalls=1)
    first = post(http, token, batch(made))
    assert first.status_code == 200, first.text
    assert first.json() == {"stored": len(made.events), "duplicates": 0}
    again = post(http, token, batch(made), gzipped=False)
    assert again.json() == {"stored": 0, "duplicates": len(made.events)}
    overlap = made.events[-3:] + made.events[-3:]  # resent tail, and an id twice in one batch
    assert post(http, token, batch(made, overlap)).json() == {"stored": 0, "duplicates": 6}
    stored = http.get(f"/api/v1/qoe/sessions/{made.session['session_id']}").json()
    assert [e["event_id"] for e in stored["events"]] == [e["event_id"] for e in made.events]
    assert stored["events"] == made.events
    assert stored["summary"] == made.summary and stored["event_count"] == len(made.events)
    assert stored["ended"] and stored["end_reason"] == "ended" and stored["dropped"] == 0


def test_token_is_checked(http: httpx.Client) -> None:
    token, made = session_for(http, random.Random(2))
    assert post(http, None, batch(made)).status_code == 401
    unknown = post(http, "not-a-token", batch(made))
    assert unknown.status_code == 401 and "unknown playback token" in unknown.json()["error"]
    other_title = titles(http)[1]
    wrong = post(http, playback(http, other_title)["token"], batch(made))
    assert wrong.status_code == 403 and other_title in wrong.json()["error"]
    assert http.get(f"/api/v1/qoe/sessions/{made.session['session_id']}").status_code == 404


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda b: b["events"][2].pop("startup_ms"), "batch.events[2]: 'startup_ms' is a required property"),
        (lambda b: b.update(schema_version=2), "batch.schema_version: 1 was expected"),
        (lambda b: b["events"][0].update(type="teleport"), "batch.events[0].type: 'teleport' is not one of"),
        (lambda b: b["events"][1].update(duration_s=-1), "batch.events[1].duration_s: -1 is less than the minimum of 0"),
        (lambda b: b["session"].update(ui_mode="watch"), "batch.session.ui_mode: 'watch' is not one of"),
        (lambda b: b["events"][0].update(extra=1), "batch.events[0]: Additional properties are not allowed ('extra'"),
        (lambda b: b.update(events=[]), "batch.events: [] should be non-empty"),
    ],
)
def test_invalid_batches_get_400_with_the_reason(http: httpx.Client, spoil: Any, reason: str) -> None:
    token, made = session_for(http, random.Random(3))
    document = json.loads(json.dumps(batch(made)))
    spoil(document)
    response = post(http, token, document)
    assert response.status_code == 400
    assert response.json()["error"].startswith("schema: " + reason), response.json()
    assert http.get(f"/api/v1/qoe/sessions/{made.session['session_id']}").status_code == 404


def test_bodies_that_are_not_batches_get_a_clear_error(http: httpx.Client) -> None:
    token, made = session_for(http, random.Random(4))
    not_json = post(http, token, b"{not json")
    assert not_json.status_code == 400 and "not JSON" in not_json.json()["error"]
    bad_gzip = http.post(EVENTS, content=b"\x1f\x8b garbage", headers={
        "Authorization": f"Bearer {token}", "Content-Encoding": "gzip"})
    assert bad_gzip.status_code == 400 and "gzip" in bad_gzip.json()["error"]
    bomb = gzip.compress(b"[" + b" " * (20 * 1024 * 1024) + b"]")
    too_big = http.post(EVENTS, content=bomb, headers={"Authorization": f"Bearer {token}",
                                                       "Content-Encoding": "gzip"})
    assert too_big.status_code == 413
    br = http.post(EVENTS, content=b"{}", headers={"Authorization": f"Bearer {token}", "Content-Encoding": "br"})
    assert br.status_code == 415


def test_dropped_records_are_counted_once(http: httpx.Client) -> None:
    token, made = session_for(http, random.Random(5))
    dropped = {"event_id": "0b7f3c1e-5d2a-4c3b-9a8e-1f2d3c4b5a69", "type": "dropped", "ts": made.events[0]["ts"],
               "count": 17, "reason": "queue_full"}
    for _ in range(2):
        assert post(http, token, batch(made, made.events[5:] + [dropped])).status_code == 200
    listed = http.get("/api/v1/qoe/sessions").json()["sessions"]
    mine = next(s for s in listed if s["session_id"] == made.session["session_id"])
    assert mine["dropped"] == 17 and mine["event_count"] == len(made.events) - 5


def test_sessions_and_aggregates_over_a_time_range(http: httpx.Client) -> None:
    rng = random.Random(6)
    day = 86_400_000.0
    base = 1_700_000_000_000.0
    sessions = []
    for i in range(6):
        token, made = session_for(http, rng, started_at_ms=base + i * day, stalls=i % 3)
        assert post(http, token, batch(made)).status_code == 200
        sessions.append(made)
    # An abandoned session (the app was killed): no end, only its start and first frame.
    token, killed = session_for(http, rng, started_at_ms=base + 2.5 * day)
    assert post(http, token, batch(killed, killed.events[:3])).status_code == 200

    listed = http.get("/api/v1/qoe/sessions", params={"since_ms": base + day, "until_ms": base + 4 * day}).json()
    chosen = [s for s in sessions[1:4]]
    assert [s["session_id"] for s in listed["sessions"]] == [
        s.session["session_id"] for s in sorted(chosen + [killed], key=lambda m: -m.session["started_at"])]
    open_one = next(s for s in listed["sessions"] if s["session_id"] == killed.session["session_id"])
    assert open_one["summary"] is None and not open_one["ended"]
    assert open_one["startup_ms"] == killed.events[2]["startup_ms"]

    agg = http.get("/api/v1/qoe/aggregates", params={"since_ms": base + day, "until_ms": base + 4 * day}).json()
    summaries = [s.summary for s in chosen]
    played = sum(s["played_s"] for s in summaries)
    rebuffer = sum(s["rebuffer_s"] for s in summaries)
    assert agg["sessions"] == 4 and agg["ended_sessions"] == 3
    assert agg["rebuffer_ratio"] == pytest.approx(rebuffer / (played + rebuffer), abs=1e-5)
    assert agg["bitrate_time_weighted_kbps"] == pytest.approx(
        sum(s["bitrate_time_weighted_kbps"] * s["played_s"] for s in summaries) / played, abs=0.1)
    startups = sorted([s["startup_ms"] for s in summaries] + [killed.events[2]["startup_ms"]])
    assert agg["startup_ms"]["count"] == 4 and agg["startup_ms"]["p50"] == startups[1]
    assert sum(b["count"] for b in agg["startup_ms"]["histogram"]) == 4
    for bucket in agg["startup_ms"]["histogram"]:
        low = max((b["le_ms"] for b in agg["startup_ms"]["histogram"]
                   if b["le_ms"] is not None and (bucket["le_ms"] is None or b["le_ms"] < bucket["le_ms"])), default=0)
        high = bucket["le_ms"] if bucket["le_ms"] is not None else float("inf")
        assert bucket["count"] == sum(1 for s in startups if low < s <= high)
    assert agg["sessions_with_rebuffering"] == sum(1 for s in summaries if s["rebuffer_count"] > 0)
    everything = http.get("/api/v1/qoe/aggregates").json()
    assert everything["sessions"] == 7


def test_unknown_session_is_404(http: httpx.Client) -> None:
    response = http.get("/api/v1/qoe/sessions/nope")
    assert response.status_code == 404 and "nope" in response.json()["error"]
