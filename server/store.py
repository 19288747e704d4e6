"""The backend's state in SQLite: viewing progress, playback sessions and content keys.

One connection shared by the request threads behind a lock: the writes are tiny and rare, and
this keeps the store a plain object tests can open on a temporary file.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
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
CREATE TABLE IF NOT EXISTS content_key (  -- the library's keys.json, reloaded at each start
    kid        BLOB PRIMARY KEY,
    title_id   TEXT NOT NULL,
    key        BLOB NOT NULL
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

    def replace_content_keys(self, keys: Iterable[tuple[bytes, str, bytes]]) -> None:
        """Make (KID, title id, key) rows the only content keys, in one transaction: the keys
        of a rebuilt library replace the old ones."""
        rows = [(bytes(kid), title_id, bytes(key)) for kid, title_id, key in keys]
        if rows:
            self._owner_only()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM content_key")
                self._db.executemany("INSERT INTO content_key (kid, title_id, key) VALUES (?, ?, ?)", rows)
            except sqlite3.Error:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _owner_only(self) -> None:
        """A database holding content keys is the owner's alone (its WAL files too)."""
        for path in (self.path, self.path.with_name(self.path.name + "-wal"),
                     self.path.with_name(self.path.name + "-shm")):
            try:
                path.chmod(0o600)
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise StoreError(f"cannot restrict {path} to its owner: {exc.strerror}") from None

    def content_keys(self, kids: Sequence[bytes]) -> dict[bytes, tuple[str, bytes]]:
        """KID -> (owning title id, key) for those of ``kids`` the store has."""
        if not kids:
            return {}
        marks = ", ".join("?" * len(kids))
        with self._lock:
            rows = self._db.execute(f"SELECT kid, title_id, key FROM content_key WHERE kid IN ({marks})",
                                    [bytes(k) for k in kids]).fetchall()
        return {bytes(kid): (title_id, bytes(key)) for kid, title_id, key in rows}
