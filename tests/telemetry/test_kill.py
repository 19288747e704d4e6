"""The app killed with SIGKILL mid-session: what it had queued is delivered on its next start.

Both runs are the real command (``python -m app.cli play ID --headless``) with a private
``XDG_DATA_HOME``, so the queue is where a viewer's would be."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.catalog import CatalogClient
from tests.telemetry.conftest import session_fields, stored_session, validate_stream


def marquee_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "MARQUEE_TELEMETRY_DB")}
    # A slow batch delay keeps events waiting on disk between sends, as on a slow link.
    return {**env, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache"),
            "MARQUEE_TELEMETRY_BATCH_S": "3"}


def queued(db: Path) -> list[tuple[str, str]]:
    """(session id, event JSON) of every event waiting in the queue at ``db``."""
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        try:
            return conn.execute("SELECT session_id, body FROM events ORDER BY id").fetchall()
        except sqlite3.OperationalError:  # not created yet
            return []


def sessions_of(backend: str, title: str) -> list[dict]:
    listed = httpx.get(f"{backend}/api/v1/qoe/sessions", timeout=10).json()["sessions"]
    return [s for s in listed if s["title_id"] == title]


def test_killed_app_delivers_the_rest_on_next_start(backend: str, tmp_path: Path) -> None:
    with CatalogClient(backend) as catalog:
        titles = [item.id for row in catalog.home() for item in row.items]
    title, other = titles[0], titles[1]
    known = {s["session_id"] for s in sessions_of(backend, title)}
    env = marquee_env(tmp_path)
    db = tmp_path / "data" / "marquee" / "telemetry.db"
    log = tmp_path / "first-run.log"
    app = subprocess.Popen([sys.executable, "-m", "app.cli", "play", title, "--headless", "--catalog", backend],
                           env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    try:
        deadline = time.monotonic() + 40
        while True:  # some events delivered and some waiting: kill it there
            assert app.poll() is None, f"the app finished before it could be killed: {log.read_text()[-1500:]}"
            assert time.monotonic() < deadline, "never had events both delivered and waiting"
            mine = [s for s in sessions_of(backend, title) if s["session_id"] not in known]
            if mine and mine[0]["event_count"] >= 3 and queued(db):
                break
            time.sleep(0.1)
        app.send_signal(signal.SIGKILL)
        app.wait(10)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    session_id = mine[0]["session_id"]
    left = [body for sid, body in queued(db) if sid == session_id]
    assert left, "nothing was left to deliver"
    before = stored_session(backend, session_id)

    # Next start: another title, briefly; the leftovers go with it.
    result = subprocess.run([sys.executable, "-m", "app.cli", "play", other, "--headless", "--duration", "1",
                             "--catalog", backend], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]

    after = stored_session(backend, session_id)
    events = after["events"]
    validate_stream(session_fields(after), events)
    assert len(events) > len(before["events"])
    assert sorted(e["seq"] for e in events) == list(range(len(events))), "an event was lost or stored twice"
    ids = {e["event_id"] for e in events}
    assert {e["event_id"] for e in before["events"]} < ids
    assert {json.loads(body)["event_id"] for body in left} <= ids
    assert "session_end" not in [e["type"] for e in events]  # it was killed: no end to report
    assert after["summary"] is None and after["startup_ms"] is not None
    assert not [sid for sid, _ in queued(db) if sid == session_id], "leftovers are still queued"
    newer = [s for s in sessions_of(backend, other) if s["ended"]]
    assert newer, "the second run's own session was not delivered"
