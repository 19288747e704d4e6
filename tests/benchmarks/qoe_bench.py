"""QoE collector ingest rate on loopback, with zero loss checked afterwards.

1. Raw ingest: gzip batches of 100 schema-valid events POSTed by several client threads to the
   reference backend's collector; events/s from the first request to the last answer.
2. End to end: the client's telemetry service (on-disk queue, batching, gzip, POST) delivering a
   burst of events; events/s from the first event recorded to the last one acknowledged.
Both then read back what the collector stored and count every event exactly once.
"""

from __future__ import annotations

import gzip
import json
import random
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from app.backend import EmbeddedBackend
from app.telemetry import Telemetry, TelemetryConfig
from player.events import Position, RenditionSwitched
from tests.telemetry.batches import make_session

SESSIONS = 40
SESSION_S = 3000.0  # long sessions: a heartbeat every 10 s gives ~300+ events each
BATCH = 100
CLIENTS = 4
BURST = 10_000


def _library() -> Path:
    import os

    from tests.conftest import ROOT

    return Path(os.environ.get("MARQUEE_TEST_DATA") or ROOT / ".data" / "quick")


def _raw_ingest(url: str, http: httpx.Client) -> None:
    rng = random.Random(5004)
    title = http.get("/api/v1/home").json()["rows"][0]["items"][0]["id"]
    bodies: list[tuple[str, bytes, int]] = []
    expected: dict[str, int] = {}
    now = time.time() * 1000
    for i in range(SESSIONS):
        token = http.post(f"/api/v1/titles/{title}/playback").json()["token"]
        made = make_session(rng, title, now - i * 60_000, duration_s=SESSION_S)
        expected[made.session["session_id"]] = len(made.events)
        for start in range(0, len(made.events), BATCH):
            doc = {"schema_version": 1, "session": made.session, "events": made.events[start:start + BATCH]}
            bodies.append((token, gzip.compress(json.dumps(doc).encode()), len(doc["events"])))
    total = sum(n for _, _, n in bodies)
    stored = 0
    lock = threading.Lock()
    local = threading.local()  # one client (one connection) per sending thread, as real clients

    def send(item: tuple[str, bytes, int]) -> None:
        nonlocal stored
        token, body, _ = item
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=url, timeout=30)
        r = local.client.post("/api/v1/qoe/events", content=body, headers={
            "Authorization": f"Bearer {token}", "Content-Encoding": "gzip", "Content-Type": "application/json"})
        r.raise_for_status()
        with lock:
            stored += r.json()["stored"]

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(send, bodies))
    elapsed = time.perf_counter() - started
    listed = http.get("/api/v1/qoe/sessions", params={"limit": 1000}).json()["sessions"]
    counts = {s["session_id"]: s["event_count"] for s in listed}
    lost = sum(n - counts.get(sid, 0) for sid, n in expected.items())
    print(f"raw ingest: {total} events in {len(bodies)} gzip batches of {BATCH}, {CLIENTS} clients: "
          f"{total / elapsed:,.0f} events/s ({elapsed:.2f} s); stored {stored}, lost {lost}")
    assert stored == total and lost == 0


def _end_to_end(url: str, http: httpx.Client) -> None:
    title = http.get("/api/v1/home").json()["rows"][0]["items"][0]["id"]
    token = http.post(f"/api/v1/titles/{title}/playback").json()["token"]
    with tempfile.TemporaryDirectory() as tmp:
        telemetry = Telemetry(TelemetryConfig(queue_path=Path(tmp) / "q.db", batch_size=500, batch_delay_s=0.2))
        try:
            qoe = telemetry.start_session(title_id=title, collector_url=f"{url}/api/v1/qoe/events", token=token,
                                          fmt="dash", start_s=0.0, ui_mode="headless", player_config={})
            assert qoe is not None
            started = time.perf_counter()
            record_s = 0.0
            for i in range(BURST - 2):
                t = time.perf_counter()
                qoe(RenditionSwitched("video", 200, 400, 640, 360, "bench", float(i)))
                record_s += time.perf_counter() - t
                qoe(Position(float(i), 1e6, 5.0))  # not an event of its own: the listener's cheap path
            qoe.end()
            assert telemetry.flush(120), "not delivered in time"
            elapsed = time.perf_counter() - started
        finally:
            telemetry.close()
    stored = http.get(f"/api/v1/qoe/sessions/{qoe.session_id}").json()
    seqs = sorted(e["seq"] for e in stored["events"])
    lost = BURST - len(seqs)
    print(f"end to end (queue, batches of 500, gzip, POST): {len(seqs)} events in {elapsed:.2f} s: "
          f"{len(seqs) / elapsed:,.0f} events/s; lost {lost}; recording one event on the player thread "
          f"takes {record_s / (BURST - 2) * 1e6:.1f} µs")
    assert seqs == list(range(BURST)) and lost == 0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, \
            EmbeddedBackend(_library(), db=Path(tmp) / "marquee.db", log_file=Path(tmp) / "backend.log") as url, \
            httpx.Client(base_url=url, timeout=30) as http:
        _raw_ingest(url, http)
        _end_to_end(url, http)


if __name__ == "__main__":
    main()
