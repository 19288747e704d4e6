"""The on-disk queue on its own (real SQLite files): what survives a reopen, what the bound
evicts, and how dropped counts stay exact while a batch is in flight."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from app.telemetry import QueueError
from app.telemetry.queue import STALE_SESSION_S, Delivery, EventQueue


def delivery(sid: str = "s1") -> Delivery:
    return Delivery(sid, "http://127.0.0.1:9/c", "tok", {"session_id": sid})


def events(sid: str, first: int, count: int) -> list[tuple[str, str]]:
    return [(sid, json.dumps({"seq": n, "type": "heartbeat"})) for n in range(first, first + count)]


def body(batch) -> dict:
    return json.loads(batch.body)


def test_events_survive_a_reopen_and_batches_are_per_session_in_order(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    queue = EventQueue(path, max_events=100)
    queue.register(delivery("a"))
    queue.register(delivery("b"))
    queue.append(events("a", 0, 3) + events("b", 0, 2) + events("a", 3, 2))
    queue.close()  # as if the process ended here

    queue = EventQueue(path, max_events=100)
    first = queue.next_batch(limit=4)
    assert first is not None and first.delivery.session_id == "a"
    doc = body(first)
    assert doc["schema_version"] == 1 and doc["session"] == {"session_id": "a"}
    assert [e["seq"] for e in doc["events"]] == [0, 1, 2, 3]
    queue.ack(first)
    second = queue.next_batch(limit=10)  # b's events are older than a's last one
    assert second is not None and second.delivery.session_id == "b" and len(second.row_ids) == 2
    queue.ack(second)
    last = queue.next_batch(limit=10)
    assert last is not None and [e["seq"] for e in body(last)["events"]] == [4]
    queue.ack(last)
    assert queue.next_batch(limit=10) is None and queue.pending() == 0
    queue.close()


def test_the_bound_evicts_the_oldest_but_never_what_is_in_flight(tmp_path: Path) -> None:
    queue = EventQueue(tmp_path / "q.db", max_events=10)
    queue.register(delivery())
    queue.append(events("s1", 0, 6))
    in_flight = queue.next_batch(limit=3)  # seqs 0-2 are being sent
    assert in_flight is not None
    queue.append(events("s1", 6, 7))  # 13 > 10: three go, but not 0-2
    queue.ack(in_flight)
    batch = queue.next_batch(limit=100)
    assert batch is not None
    doc = body(batch)
    kept = [e["seq"] for e in doc["events"] if e["type"] != "dropped"]
    assert kept == [6, 7, 8, 9, 10, 11, 12]  # 3, 4, 5 were the oldest not in flight
    dropped = [e for e in doc["events"] if e["type"] == "dropped"]
    assert [(d["count"], d["reason"]) for d in dropped] == [(3, "queue_full")]
    queue.close()


def test_drops_counted_while_a_dropped_record_is_in_flight_are_not_lost(tmp_path: Path) -> None:
    queue = EventQueue(tmp_path / "q.db", max_events=2)
    queue.register(delivery())
    queue.append(events("s1", 0, 5))  # 3 dropped
    batch = queue.next_batch(limit=10)
    assert batch is not None and batch.dropped == (("queue_full", 3),)
    first_id = next(e["event_id"] for e in body(batch)["events"] if e["type"] == "dropped")
    queue.append(events("s1", 5, 4))  # 4 more over the bound while the record is in flight
    queue.ack(batch)
    again = queue.next_batch(limit=10)
    assert again is not None
    record = next(e for e in body(again)["events"] if e["type"] == "dropped")
    assert record["count"] == 4 and record["event_id"] != first_id  # a new record for the rest
    queue.ack(again)
    assert queue.pending() == 0
    queue.close()


def test_a_rejected_batch_becomes_a_dropped_record_and_a_refused_session_goes(tmp_path: Path) -> None:
    queue = EventQueue(tmp_path / "q.db", max_events=100)
    queue.register(delivery("bad"))
    queue.register(delivery("gone"))
    queue.append(events("bad", 0, 4) + events("gone", 0, 3))
    queue.reject(queue.next_batch(limit=10))
    record = queue.next_batch(limit=10)
    assert record is not None and record.delivery.session_id == "bad" and record.row_ids == ()
    assert [(e["count"], e["reason"]) for e in body(record)["events"]] == [(4, "rejected")]
    queue.ack(record)
    refused = queue.next_batch(limit=10)
    assert refused is not None and refused.delivery.session_id == "gone"
    assert queue.discard_session("gone") == 3
    assert queue.next_batch(limit=10) is None and queue.pending() == 0
    queue.close()


def test_finished_and_stale_sessions_are_forgotten_once_empty(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    queue = EventQueue(path, max_events=100)
    for sid in ("closed", "killed", "old"):
        queue.register(delivery(sid))
    queue.append(events("closed", 0, 1), closing=["closed"])
    queue.ack(queue.next_batch(limit=10))
    queue.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE sessions SET updated_at = ? WHERE session_id = 'old'", (time.time() - STALE_SESSION_S - 1,))
    queue = EventQueue(path, max_events=100)
    queue.close()
    with sqlite3.connect(path) as db:
        left = {row[0] for row in db.execute("SELECT session_id FROM sessions")}
    assert left == {"killed"}  # a killed session may still get events from another process


def test_bad_bound_and_unwritable_path_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_events"):
        EventQueue(tmp_path / "q.db", max_events=0)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(QueueError, match="cannot open the telemetry queue"):
        EventQueue(blocker / "q.db", max_events=10)
