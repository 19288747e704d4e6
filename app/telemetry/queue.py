"""The bounded on-disk queue: events wait here, in SQLite, until the collector acknowledges them.

Each event is committed before anything tries to send it, so a collector that is down, a network
outage or the app killed with SIGKILL loses nothing: the next start sends what is left. Past
``max_events`` the oldest events go, and a per-session ``dropped`` record counts them; that record
rides on the session's next batch. Batches hold one session's events (one session, one token).

One connection behind a lock serves the writer and the sender threads: every operation is a
short local transaction, and the network is never touched while the lock is held.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app.telemetry.schema import SCHEMA_VERSION

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id    TEXT PRIMARY KEY,
    collector_url TEXT NOT NULL,
    token         TEXT NOT NULL,
    session       TEXT NOT NULL,   -- the batch's "session" object, as JSON
    closed        INTEGER NOT NULL DEFAULT 0,
    updated_at    REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  TEXT NOT NULL,
    body        TEXT NOT NULL,     -- one event, as JSON
    enqueued_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_session ON events (session_id, id);
CREATE TABLE IF NOT EXISTS dropped (
    session_id TEXT NOT NULL,
    reason     TEXT NOT NULL,      -- queue_full | rejected
    count      INTEGER NOT NULL,
    event_id   TEXT NOT NULL,      -- id of the record that will report this count
    ts         REAL NOT NULL,
    PRIMARY KEY (session_id, reason)
);
"""

#: A session never closed (its process was killed) is forgotten once idle and empty this long.
STALE_SESSION_S = 7 * 24 * 3600.0


class QueueError(Exception):
    """The queue's database cannot be opened or written."""


@dataclass(frozen=True)
class Delivery:
    """Where a session's events go and who they belong to."""

    session_id: str
    collector_url: str
    token: str
    session: dict[str, object]


@dataclass(frozen=True)
class Batch:
    """Up to ``limit`` of one session's waiting events, ready to POST."""

    delivery: Delivery
    row_ids: tuple[int, ...]
    dropped: tuple[tuple[str, int], ...]
    """(reason, count) of the dropped records included."""
    body: bytes
    """The JSON document to send (uncompressed)."""
    oldest_enqueued_at: float

    @property
    def size(self) -> int:
        return len(self.row_ids) + len(self.dropped)


class EventQueue:
    def __init__(self, path: Path, max_events: int) -> None:
        if max_events < 1:
            raise ValueError(f"max_events must be at least 1, not {max_events}")
        self.path = path
        self.max_events = max_events
        self._lock = threading.Lock()
        self._inflight: set[int] = set()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a commit survives a crash of the app
            self._db.executescript(_SCHEMA)
            self._forget_finished_sessions(time.time())
        except (OSError, sqlite3.Error) as exc:
            raise QueueError(f"cannot open the telemetry queue {path}: {exc}") from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One atomic write (the connection is in autocommit mode otherwise)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- writer side -----------------------------------------------------------------------------

    def register(self, delivery: Delivery) -> None:
        """Remember where ``delivery.session_id``'s events go (before its first event)."""
        with self._lock, self._transaction():
            self._db.execute(
                "INSERT INTO sessions (session_id, collector_url, token, session, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(session_id) DO UPDATE SET "
                "collector_url = excluded.collector_url, token = excluded.token, "
                "session = excluded.session, updated_at = excluded.updated_at",
                (delivery.session_id, delivery.collector_url, delivery.token,
                 json.dumps(delivery.session, separators=(",", ":")), time.time()),
            )

    def append(self, events: Iterable[tuple[str, str]], *, closing: Iterable[str] = (),
               lost: dict[str, int] | None = None) -> None:
        """Commit ``(session_id, event JSON)`` pairs in one transaction, mark ``closing``
        sessions finished, count ``lost`` events (dropped before they reached the disk), and
        evict the oldest events past the bound."""
        now = time.time()
        rows = [(session_id, body, now) for session_id, body in events]
        with self._lock, self._transaction():
            self._db.executemany("INSERT INTO events (session_id, body, enqueued_at) VALUES (?, ?, ?)", rows)
            for session_id in closing:
                self._db.execute("UPDATE sessions SET closed = 1, updated_at = ? WHERE session_id = ?",
                                 (now, session_id))
            for session_id, count in (lost or {}).items():
                self._add_dropped(session_id, "queue_full", count, now)
            self._evict(now)

    def _evict(self, now: float) -> None:
        excess = self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0] - self.max_events
        if excess <= 0:
            return
        candidates = self._db.execute("SELECT id, session_id FROM events ORDER BY id LIMIT ?",
                                      (excess + len(self._inflight),)).fetchall()
        victims = [(row_id, sid) for row_id, sid in candidates if row_id not in self._inflight][:excess]
        self._db.executemany("DELETE FROM events WHERE id = ?", [(row_id,) for row_id, _ in victims])
        per_session: dict[str, int] = {}
        for _, sid in victims:
            per_session[sid] = per_session.get(sid, 0) + 1
        for sid, count in per_session.items():
            self._add_dropped(sid, "queue_full", count, now)

    def _add_dropped(self, session_id: str, reason: str, count: int, now: float) -> None:
        self._db.execute(
            "INSERT INTO dropped (session_id, reason, count, event_id, ts) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(session_id, reason) DO UPDATE SET count = count + excluded.count",
            (session_id, reason, count, str(uuid.uuid4()), now),
        )

    # -- sender side -----------------------------------------------------------------------------

    def pending(self) -> int:
        """Events and dropped records waiting to be sent."""
        with self._lock:
            events = self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
            dropped = self._db.execute("SELECT COUNT(*) FROM dropped").fetchone()[0]
        return events + dropped

    def next_batch(self, limit: int, *, claim: bool = True) -> Batch | None:
        """The oldest waiting session's next events (and its dropped records), marked in flight
        until :meth:`ack`, :meth:`reject` or :meth:`release`. With ``claim=False`` only a look:
        nothing is marked, so eviction may still take those events."""
        with self._lock:
            # A session with only a dropped record left goes first (it never gets an event to
            # ride on); then the session of the oldest event.
            row = self._db.execute(
                "SELECT session_id FROM dropped WHERE session_id IN (SELECT session_id FROM sessions) "
                "AND session_id NOT IN (SELECT session_id FROM events) LIMIT 1").fetchone()
            if row is None:
                row = self._db.execute(
                    "SELECT session_id FROM events WHERE session_id IN (SELECT session_id FROM sessions) "
                    "ORDER BY id LIMIT 1").fetchone()
            if row is None:
                return None
            session_id = row[0]
            url, token, session = self._db.execute(
                "SELECT collector_url, token, session FROM sessions WHERE session_id = ?",
                (session_id,)).fetchone()
            events = self._db.execute(
                "SELECT id, body, enqueued_at FROM events WHERE session_id = ? ORDER BY id LIMIT ?",
                (session_id, limit)).fetchall()
            dropped = self._db.execute(
                "SELECT reason, count, event_id, ts FROM dropped WHERE session_id = ?", (session_id,)).fetchall()
            if claim:
                self._inflight = {row_id for row_id, _, _ in events}
        records = [body for _, body, _ in events]
        records += [json.dumps({"event_id": event_id, "type": "dropped", "ts": round(ts * 1000, 1),
                                "count": count, "reason": reason}, separators=(",", ":"))
                    for reason, count, event_id, ts in dropped]
        body = f'{{"schema_version":{SCHEMA_VERSION},"session":{session},"events":[{",".join(records)}]}}'
        return Batch(
            delivery=Delivery(session_id, url, token, json.loads(session)),
            row_ids=tuple(row_id for row_id, _, _ in events),
            dropped=tuple((reason, count) for reason, count, _, _ in dropped),
            body=body.encode("utf-8"),
            oldest_enqueued_at=min((at for _, _, at in events), default=dropped[0][3] if dropped else time.time()),
        )

    def ack(self, batch: Batch) -> None:
        """The collector stored ``batch``: forget it."""
        now = time.time()
        with self._lock, self._transaction():
            self._forget(batch, now)
            self._forget_finished_sessions(now)

    def reject(self, batch: Batch) -> None:
        """The collector refused ``batch`` as invalid (resending cannot help): forget it and count
        its events as dropped, so the session's next batch says so."""
        now = time.time()
        with self._lock, self._transaction():
            self._forget(batch, now)
            if batch.row_ids:
                self._add_dropped(batch.delivery.session_id, "rejected", len(batch.row_ids), now)

    def discard_session(self, session_id: str) -> int:
        """The collector refused the session's token: nothing of it can ever be delivered."""
        with self._lock, self._transaction():
            count = self._db.execute("DELETE FROM events WHERE session_id = ?", (session_id,)).rowcount
            self._db.execute("DELETE FROM dropped WHERE session_id = ?", (session_id,))
            self._db.execute("DELETE FROM sessions WHERE session_id = ?", (session_id,))
            self._inflight.clear()
        return count

    def release(self) -> None:
        """The batch in flight was not delivered; it stays queued and may be evicted again."""
        with self._lock:
            self._inflight.clear()

    def _forget(self, batch: Batch, now: float) -> None:
        self._db.executemany("DELETE FROM events WHERE id = ?", [(row_id,) for row_id in batch.row_ids])
        for reason, count in batch.dropped:
            # Drops counted while the batch was in flight stay, under a fresh record id.
            self._db.execute("UPDATE dropped SET count = count - ?, event_id = ?, ts = ? "
                             "WHERE session_id = ? AND reason = ?",
                             (count, str(uuid.uuid4()), now, batch.delivery.session_id, reason))
        self._db.execute("DELETE FROM dropped WHERE count <= 0")
        self._inflight.clear()

    def _forget_finished_sessions(self, now: float) -> None:
        self._db.execute(
            "DELETE FROM sessions WHERE (closed = 1 OR updated_at < ?) "
            "AND session_id NOT IN (SELECT session_id FROM events) "
            "AND session_id NOT IN (SELECT session_id FROM dropped)",
            (now - STALE_SESSION_S,),
        )
