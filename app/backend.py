"""Starts the reference backend (``server/``) as a child process on a free loopback port.

The backend is its own program: the client only runs it and talks HTTP to it, so a separate
process keeps the two honest (no shared code) and keeps the origin's work off the player's GIL.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

READY_PREFIX = "MARQUEE_SERVER_READY "


class BackendError(RuntimeError):
    """The embedded backend did not start; the message carries its last words."""


class EmbeddedBackend:
    """``with EmbeddedBackend(data_dir) as url:`` runs the backend for the block's duration."""

    def __init__(self, data_dir: Path, *, db: Path | None = None, log_file: Path | None = None,
                 timeout_s: float = 30.0, options: Sequence[str] = ()) -> None:
        """``options`` are more of the backend's own arguments (``--no-license``, ``--faults``)."""
        self.data_dir = data_dir
        self.options = tuple(options)
        self.db = db
        self.log_file = log_file
        self.timeout_s = timeout_s
        self.url = ""
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> str:
        cmd = [sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", "0", "--data", str(self.data_dir)]
        if self.db is not None:
            cmd += ["--db", str(self.db)]
        cmd += self.options
        log = open(self.log_file, "a") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self._process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True, env=env)
        lines: queue.Queue[str] = queue.Queue()
        stdout = self._process.stdout
        assert stdout is not None
        threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                if self._process.poll() is not None:
                    raise BackendError(f"backend failed to start: {self._last_words()}") from None
                continue
            if line.startswith(READY_PREFIX):
                self.url = line[len(READY_PREFIX):].strip()
                return self.url
        self.stop()
        raise BackendError(f"backend did not start within {self.timeout_s:.0f} s: {self._last_words()}")

    def _last_words(self) -> str:
        """The last line the backend wrote to its log, else its exit status."""
        if self.log_file is not None and self.log_file.exists():
            tail = [line.strip() for line in self.log_file.read_text(errors="replace").splitlines() if line.strip()]
            if tail:
                return tail[-1][-300:]
        process = self._process
        return f"exit status {process.returncode}" if process is not None else "not running"

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
