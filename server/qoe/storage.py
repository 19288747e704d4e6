"""Where the collector keeps QoE events: a small interface and its SQLite implementation.

Each event is stored once, keyed by its ``event_id``: a batch sent again (the client never heard
the first answer) adds nothing. A session row keeps what the dashboard lists, filled from the
session's events as they arrive: the summary of ``session_end`` when it came, else the startup
time of ``first_frame`` (a session whose app was killed has no end).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

_SCHEMA = """
CREATE TABLE IF NOT EXISTS qoe_session (
    session_id           TEXT PRIMARY KEY,
    title_id             TEXT NOT NULL,
    app_version          TEXT NOT NULL,
    platform             TEXT NOT NULL,
    ui_mode              TEXT NOT NULL,
    player_config_digest TEXT NOT NULL,
    started_at           REAL NOT NULL,   -- epoch ms
    last_event_at        REAL NOT NULL,   -- epoch ms
    event_count          INTEGER NOT NULL DEFAULT 0,
    dropped              INTEGER NOT NULL DEFAULT 0,
    startup_ms           REAL,
    end_reason           TEXT,
    summary              TEXT             -- session_end's summary, as JSON
);
CREATE INDEX IF NOT EXISTS qoe_session_by_start ON qoe_session (started_at);
CREATE TABLE IF NOT EXISTS qoe_event (
    event_id    TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL,
    seq         INTEGER,
    type        TEXT NOT NULL,
    ts          REAL NOT NULL,
    body        TEXT NOT NULL,
    received_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS qoe_event_by_session ON qoe_event (session_id, ts);
"""

#: Upper bounds (ms) of the startup-time histogram's buckets; the last bucket is open.
STARTUP_BUCKETS_MS = (250, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000)


class StorageError(Exception):
    """The QoE database cannot be opened."""


@dataclass(frozen=True)
class IngestResult:
    stored: int
    duplicates: int


class QoeStore(Protocol):
    """What the collector's routes need from storage."""

    def add_batch(self, session: dict[str, Any], events: list[dict[str, Any]]) -> IngestResult: ...

    def sessions(self, since_ms: float | None, until_ms: float | None, limit: int) -> list[dict[str, Any]]: ...

    def session(self, session_id: str) -> dict[str, Any] | None: ...

    def aggregates(self, since_ms: float | None, until_ms: float | None) -> dict[str, Any]: ...

    def close(self) -> None: ...


class SqliteQoeStore:
    """:class:`QoeStore` in one SQLite file; one connection behind a lock, as the backend's store."""

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot open QoE database {path}: {exc}") from None
        self.path = path
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- ingest ----------------------------------------------------------------------------------

    def add_batch(self, session: dict[str, Any], events: list[dict[str, Any]]) -> IngestResult:
        now = time.time()
        sid = session["session_id"]
        ids = [e["event_id"] for e in events]
        with self._transaction() as db:
            known = {row[0] for chunk in _chunks(ids, 500) for row in db.execute(
                f"SELECT event_id FROM qoe_event WHERE event_id IN ({','.join('?' * len(chunk))})", chunk)}
            fresh: dict[str, dict[str, Any]] = {}
            for event in events:  # a batch may repeat an id too: the first one counts
                if event["event_id"] not in known:
                    fresh.setdefault(event["event_id"], event)
            db.execute(
                "INSERT INTO qoe_session (session_id, title_id, app_version, platform, ui_mode, "
                "player_config_digest, started_at, last_event_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(session_id) DO NOTHING",
                (sid, session["title_id"], session["app_version"], session["platform"], session["ui_mode"],
                 session["player_config_digest"], session["started_at"], session["started_at"]),
            )
            db.executemany(
                "INSERT INTO qoe_event (event_id, session_id, seq, type, ts, body, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(e["event_id"], sid, e.get("seq"), e["type"], e["ts"], json.dumps(e, separators=(",", ":")), now)
                 for e in fresh.values()],
            )
            if fresh:
                self._update_session(db, sid, list(fresh.values()))
        return IngestResult(stored=len(fresh), duplicates=len(events) - len(fresh))

    @staticmethod
    def _update_session(db: sqlite3.Connection, sid: str, fresh: list[dict[str, Any]]) -> None:
        dropped = sum(e["count"] for e in fresh if e["type"] == "dropped")
        db.execute("UPDATE qoe_session SET event_count = event_count + ?, dropped = dropped + ?, "
                   "last_event_at = MAX(last_event_at, ?) WHERE session_id = ?",
                   (len(fresh) - sum(1 for e in fresh if e["type"] == "dropped"), dropped,
                    max(e["ts"] for e in fresh), sid))
        for event in fresh:
            if event["type"] == "first_frame":
                db.execute("UPDATE qoe_session SET startup_ms = COALESCE(startup_ms, ?) WHERE session_id = ?",
                           (event["startup_ms"], sid))
            elif event["type"] == "session_end":
                db.execute("UPDATE qoe_session SET end_reason = ?, summary = ?, startup_ms = ? WHERE session_id = ?",
                           (event["reason"], json.dumps(event["summary"]), event["summary"]["startup_ms"], sid))

    # -- queries ---------------------------------------------------------------------------------

    def sessions(self, since_ms: float | None, until_ms: float | None, limit: int) -> list[dict[str, Any]]:
        """Sessions started in the range, newest first, each with its summary (None until the
        session ended)."""
        where, args = _range(since_ms, until_ms)
        with self._lock:
            rows = self._db.execute(f"SELECT * FROM qoe_session {where} ORDER BY started_at DESC LIMIT ?",
                                    (*args, limit)).fetchall()
            names = [d[0] for d in self._db.execute("SELECT * FROM qoe_session LIMIT 0").description]
        return [_session_out(dict(zip(names, row, strict=True))) for row in rows]

    def session(self, session_id: str) -> dict[str, Any] | None:
        with self._lock:
            cursor = self._db.execute("SELECT * FROM qoe_session WHERE session_id = ?", (session_id,))
            row = cursor.fetchone()
            if row is None:
                return None
            names = [d[0] for d in cursor.description]
            bodies = self._db.execute(
                "SELECT body FROM qoe_event WHERE session_id = ? ORDER BY ts, COALESCE(seq, 1e18)",
                (session_id,)).fetchall()
        out = _session_out(dict(zip(names, row, strict=True)))
        out["events"] = [json.loads(body) for (body,) in bodies]
        return out

    def aggregates(self, since_ms: float | None, until_ms: float | None) -> dict[str, Any]:
        """Fleet figures over the sessions started in the range (CTA-2066 style aggregates)."""
        sessions = self.sessions(since_ms, until_ms, limit=1_000_000)
        ended = [s for s in sessions if s["summary"] is not None]
        startups = sorted(s["startup_ms"] for s in sessions if s["startup_ms"] is not None)
        played = sum(s["summary"]["played_s"] for s in ended)
        rebuffer = sum(s["summary"]["rebuffer_s"] for s in ended)
        weighted = sum(s["summary"]["bitrate_time_weighted_kbps"] * s["summary"]["played_s"] for s in ended)
        buckets = [0] * (len(STARTUP_BUCKETS_MS) + 1)
        for value in startups:
            buckets[next((i for i, top in enumerate(STARTUP_BUCKETS_MS) if value <= top), len(STARTUP_BUCKETS_MS))] += 1
        return {
            "since_ms": since_ms,
            "until_ms": until_ms,
            "sessions": len(sessions),
            "ended_sessions": len(ended),
            "startup_ms": {
                "count": len(startups),
                "mean": round(sum(startups) / len(startups), 1) if startups else None,
                "p50": _percentile(startups, 0.5),
                "p90": _percentile(startups, 0.9),
                "histogram": [{"le_ms": top, "count": n} for top, n in
                              zip((*STARTUP_BUCKETS_MS, None), buckets, strict=True)],
            },
            "played_s": round(played, 3),
            "rebuffer_s": round(rebuffer, 3),
            "rebuffer_ratio": round(rebuffer / (played + rebuffer), 5) if played + rebuffer else 0.0,
            "sessions_with_rebuffering": sum(1 for s in ended if s["summary"]["rebuffer_count"] > 0),
            "bitrate_time_weighted_kbps": round(weighted / played, 1) if played else None,
            "exits_before_video_start": sum(1 for s in ended if s["summary"]["exited_before_start"]),
            "video_start_failures": sum(1 for s in ended if s["summary"]["start_failed"]),
            "dropped_events": sum(s["dropped"] for s in sessions),
        }


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _range(since_ms: float | None, until_ms: float | None) -> tuple[str, tuple[float, ...]]:
    clauses, args = [], []
    if since_ms is not None:
        clauses.append("started_at >= ?")
        args.append(since_ms)
    if until_ms is not None:
        clauses.append("started_at < ?")
        args.append(until_ms)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)


def _session_out(row: dict[str, Any]) -> dict[str, Any]:
    summary = row.pop("summary")
    row["summary"] = json.loads(summary) if summary else None
    row["ended"] = row["end_reason"] is not None
    return row


def _percentile(ordered: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * q // 1))
    return ordered[int(rank) - 1]
