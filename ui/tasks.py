"""Blocking work off the UI thread, with the outcome handed back on the UI thread.

The catalog client and the player's commands block (network, mpv's core lock); the UI thread must
never wait on either. A :class:`TaskRunner` runs a callable on its own worker threads and calls
``on_done(result)`` or ``on_error(exception)`` later on the thread that owns the runner (the UI
thread), through a queued signal.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal

T = TypeVar("T")


class TaskRunner(QObject):
    """Runs callables on ``threads`` workers; one worker keeps submissions in order."""

    _finished = Signal(int, object, object)  # token, result, exception

    def __init__(self, name: str, *, threads: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"marquee-{name}")
        self._tokens = itertools.count(1)
        self._pending: dict[int, tuple[Callable[[Any], None], Callable[[Exception], None]]] = {}
        self._closed = False
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def submit(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None] = lambda _result: None,
        on_error: Callable[[Exception], None] = lambda _error: None,
    ) -> Future[T] | None:
        """Run ``work()`` on a worker; its outcome reaches ``on_done``/``on_error`` on this thread.

        After :meth:`shutdown` nothing runs and ``None`` is returned.
        """
        if self._closed:
            return None
        token = next(self._tokens)
        self._pending[token] = (on_done, on_error)

        def job() -> T:
            try:
                result = work()
            except Exception as exc:  # handed to on_error on the UI thread
                self._finished.emit(token, None, exc)
                raise
            self._finished.emit(token, result, None)
            return result

        return self._pool.submit(job)

    def shutdown(self, *, wait: bool = True) -> None:
        """Drop what has not started, finish what runs, and deliver nothing more."""
        self._closed = True
        self._pending.clear()
        self._pool.shutdown(wait=wait, cancel_futures=True)

    def _deliver(self, token: int, result: Any, error: Exception | None) -> None:
        callbacks = self._pending.pop(token, None)
        if callbacks is None or self._closed:
            return
        on_done, on_error = callbacks
        if error is None:
            on_done(result)
        else:
            on_error(error)
