"""The backend's state in SQLite: viewing progress and playback sessions.

One connection shared by the request threads behind a lock: the writes are tiny and rare, and
this keeps the store a plain object tests can open on a temporary file.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

#: A title watched to within this many seconds of its end counts as finished.
FINISHED_MARGIN_S = 5.0

_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS progress (
    title_id   TEXT PRIMARY KEY,
    position_s REAL NOT NULL,
    duration_s REAL NOT NULL,
    seq        INTEGER NOT NULL,  -- order of updates, for "most recent first"
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS playback_session (
    token      TEXT PRIMARY KEY,
    title_id   TEXT NOT NULL,
    created_at REAL NOT NULL
);
"""


class StoreError(Exception):
    """The database cannot be opened or has an unknown schema."""


@dataclass(frozen=True)
class Progress:
    title_id: str
    position_s: float
    duration_s: float

    @property
    def finished(self) -> bool:
        return self.position_s >= self.duration_s - FINISHED_MARGIN_S

    @property
    def resume_s(self) -> float:
        """Where playback should resume: the position, or 0 for a finished title."""
        return 0.0 if self.finished else self.position_s


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, _SCHEMA_VERSION):
                raise StoreError(f"database {path} has schema version {version}, "
                                 f"this backend knows {_SCHEMA_VERSION}")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open database {path}: {exc}") from None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def save_progress(self, title_id: str, position_s: float, duration_s: float) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO progress (title_id, position_s, duration_s, seq, updated_at) "
                "VALUES (?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM progress), ?) "
                "ON CONFLICT(title_id) DO UPDATE SET position_s = excluded.position_s, "
                "duration_s = excluded.duration_s, seq = excluded.seq, updated_at = excluded.updated_at",
                (title_id, position_s, duration_s, time.time()),
            )

    def progress(self) -> list[Progress]:
        """Every title's progress, most recently updated first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT title_id, position_s, duration_s FROM progress ORDER BY seq DESC").fetchall()
        return [Progress(*row) for row in rows]

    def progress_of(self, title_id: str) -> Progress | None:
        with self._lock:
            row = self._db.execute("SELECT title_id, position_s, duration_s FROM progress "
                                   "WHERE title_id = ?", (title_id,)).fetchone()
        return Progress(*row) if row else None

    def playback_title(self, token: str) -> str | None:
        """The title a playback token was issued for; None for a token this store never issued."""
        with self._lock:
            row = self._db.execute("SELECT title_id FROM playback_session WHERE token = ?", (token,)).fetchone()
        return row[0] if row else None

    def new_playback_session(self, title_id: str) -> str:
        """Record a playback start and return its opaque random token."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._db.execute("INSERT INTO playback_session (token, title_id, created_at) "
                             "VALUES (?, ?, ?)", (token, title_id, time.time()))
        return token
