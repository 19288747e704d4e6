"""The telemetry service: takes events from player threads without ever blocking them, commits
them to the on-disk queue, and sends them to the collector in the background.

Two threads of its own: a writer that commits what the player hands over (a memory hand-off, so a
slow disk never stalls playback) and a sender that batches by count and age, gzips, POSTs and
retries with backoff. Acknowledged events leave the queue; everything else stays for later, in
this run or the next one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import queue
import sqlite3
import threading
import time
import uuid
from collections.abc import Mapping
from importlib import metadata
from typing import Any, Literal

import httpx

from app.telemetry.config import TelemetryConfig
from app.telemetry.queue import Delivery, EventQueue, QueueError
from app.telemetry.recorder import QoeSession
from app.telemetry.transport import Backoff, Outcome, post_batch

log = logging.getLogger(__name__)

UiMode = Literal["headless", "desktop", "tv"]

#: Events held in memory between a player thread and the writer; past it they are counted lost.
INBOX_SIZE = 10_000

_STOP = object()


def app_version() -> str:
    try:
        return metadata.version("marquee")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def platform_name() -> str:
    name = (f"{platform.system()}-{platform.release()}-{platform.machine()} "
            f"{platform.python_implementation()} {platform.python_version()}")
    return name[:128]


def config_digest(player_config: Mapping[str, Any]) -> str:
    """16 hex digits identifying a player configuration (canonical JSON, SHA-256)."""
    canonical = json.dumps(player_config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


class Telemetry:
    """One per process: ``start_session`` for each playback, ``close`` before exit."""

    def __init__(self, config: TelemetryConfig | None = None) -> None:
        self.config = config or TelemetryConfig.from_env()
        self.queue = EventQueue(self.config.queue_path, self.config.max_queued)
        self._inbox: queue.Queue[Any] = queue.Queue(maxsize=INBOX_SIZE)
        self._lost: dict[str, int] = {}
        self._lost_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._flushing = threading.Event()
        self._writer = threading.Thread(target=self._write_loop, name="marquee-telemetry-writer", daemon=True)
        self._sender = threading.Thread(target=self._send_loop, name="marquee-telemetry-sender", daemon=True)
        self.delivered = 0
        """Events (and dropped records) the collector acknowledged in this run."""
        self._writer.start()
        self._sender.start()

    # -- sessions --------------------------------------------------------------------------------

    def start_session(
        self,
        *,
        title_id: str,
        collector_url: str | None,
        token: str | None,
        fmt: str,
        start_s: float,
        ui_mode: UiMode,
        player_config: Mapping[str, Any],
        session_id: str | None = None,
        requested_at: tuple[float, float] | None = None,
    ) -> QoeSession | None:
        """Begin reporting one playback (recording ``play_requested``); None when there is
        nowhere to send it. ``requested_at`` is ``(time.time(), time.monotonic())`` of the
        viewer's request, if earlier than now. Writes to the queue: not for the UI thread."""
        url = self.config.collector_url or collector_url
        if not self.config.enabled or not url or not token:
            return None
        wall, mono = requested_at or (time.time(), time.monotonic())
        session_id = session_id or str(uuid.uuid4())
        session = {
            "session_id": session_id,
            "title_id": title_id,
            "app_version": app_version(),
            "platform": platform_name(),
            "ui_mode": ui_mode,
            "player_config_digest": config_digest(player_config),
            "started_at": round(wall * 1000, 1),
        }
        try:
            self.queue.register(Delivery(session_id, url, token, session))
        except sqlite3.Error as exc:  # a broken disk costs the report, never the playback
            log.warning("telemetry: cannot record session %s in %s: %s", session_id, self.queue.path, exc)
            return None
        return QoeSession(self, session_id, fmt=fmt, start_s=start_s, requested_at=(wall, mono),
                          heartbeat_s=self.config.heartbeat_s)

    def record(self, session_id: str, event: dict[str, Any], *, closing: bool = False) -> None:
        """Hand ``event`` over for the queue; never blocks (past the hand-off bound the event is
        counted as dropped instead)."""
        try:
            self._inbox.put_nowait((session_id, event, closing))
        except queue.Full:
            with self._lost_lock:
                self._lost[session_id] = self._lost.get(session_id, 0) + 1

    # -- lifecycle -------------------------------------------------------------------------------

    def flush(self, timeout_s: float) -> bool:
        """Send everything now, batch delay or not; True when nothing is left waiting."""
        deadline = time.monotonic() + timeout_s
        self._flushing.set()
        try:
            while True:
                self._wake.set()
                if self._inbox.unfinished_tasks == 0 and self.queue.pending() == 0:
                    return True
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.02)
        finally:
            self._flushing.clear()

    def close(self, flush_timeout_s: float = 3.0) -> None:
        """Flush for up to ``flush_timeout_s``, then stop; what is left stays on disk."""
        if self._stopping.is_set():
            return
        self.flush(flush_timeout_s)
        self._stopping.set()
        self._inbox.put(_STOP)
        self._wake.set()
        self._writer.join(timeout=5)
        self._sender.join(timeout=self.config.request_timeout_s + 1)
        if not self._writer.is_alive() and not self._sender.is_alive():
            self.queue.close()

    def __enter__(self) -> Telemetry:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- writer thread ---------------------------------------------------------------------------

    def _write_loop(self) -> None:
        while True:
            items = [self._inbox.get()]
            while len(items) < 2000:
                try:
                    items.append(self._inbox.get_nowait())
                except queue.Empty:
                    break
            stop = any(item is _STOP for item in items)
            events = [(sid, json.dumps(ev, separators=(",", ":"))) for sid, ev, _ in
                      (item for item in items if item is not _STOP)]
            closing = [item[0] for item in items if item is not _STOP and item[2]]
            with self._lost_lock:
                lost, self._lost = self._lost, {}
            try:
                self.queue.append(events, closing=closing, lost=lost)
            except sqlite3.Error:
                log.exception("telemetry: cannot write %d events to %s", len(events), self.queue.path)
            for _ in items:
                self._inbox.task_done()
            self._wake.set()
            if stop:
                return

    # -- sender thread ---------------------------------------------------------------------------

    def _send_loop(self) -> None:
        backoff = Backoff(self.config.backoff_initial_s, self.config.backoff_max_s)
        with httpx.Client(timeout=self.config.request_timeout_s) as http:
            while not self._stopping.is_set():
                self._wake.clear()
                try:
                    wait = self._send_one(http, backoff)
                except sqlite3.Error:
                    log.exception("telemetry: queue %s failed", self.queue.path)
                    wait = self.config.backoff_max_s
                if wait is not None:
                    self._wake.wait(wait)

    def _send_one(self, http: httpx.Client, backoff: Backoff) -> float | None:
        """Send the next due batch; returns how long to wait for a wake-up (from the writer or
        ``flush``) before looking again, None to look again at once."""
        # Look first, claim only what is due: a claimed batch is safe from eviction, so claiming one
        # that then waits would keep old events past the queue's bound.
        waiting = self.queue.next_batch(self.config.batch_size, claim=False)
        if waiting is None:
            return self.config.batch_delay_s
        age = time.time() - waiting.oldest_enqueued_at
        if waiting.size < self.config.batch_size and age < self.config.batch_delay_s \
                and not self._flushing.is_set() and not self._stopping.is_set():
            return self.config.batch_delay_s - age
        batch = self.queue.next_batch(self.config.batch_size)
        if batch is None:
            return None
        outcome, detail = post_batch(http, batch)
        if outcome is Outcome.DELIVERED:
            self.queue.ack(batch)
            self.delivered += batch.size
            backoff.reset()
            return None
        if outcome is Outcome.RETRY:
            self.queue.release()
            delay = backoff.next_delay()
            log.info("telemetry: collector unavailable (%s); retrying in %.1f s", detail, delay)
            self._stopping.wait(delay)  # a retry waits out its delay, whatever wakes the sender
            return None
        backoff.reset()
        if outcome is Outcome.REJECTED:
            log.warning("telemetry: collector rejected %d events of session %s: %s", batch.size,
                        batch.delivery.session_id, detail)
            self.queue.reject(batch)
        else:
            count = self.queue.discard_session(batch.delivery.session_id)
            log.warning("telemetry: collector refused session %s (%s); discarded its %d events",
                        batch.delivery.session_id, detail, count)
        return None


def telemetry_from_env() -> Telemetry | None:
    """The telemetry service as the environment configures it (:meth:`TelemetryConfig.from_env`);
    None when it is off or its queue cannot be opened, since playback goes on without it."""
    config = TelemetryConfig.from_env()
    if not config.enabled:
        return None
    try:
        return Telemetry(config)
    except QueueError as exc:
        log.warning("telemetry off: %s", exc)
        return None
