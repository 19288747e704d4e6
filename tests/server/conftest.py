"""Fixtures for the backend's tests: the quick library (built once per session, or reused when
``.complete`` says it is current) and backend processes on loopback.

The backend is always a real subprocess (``python -m server``) spoken to over HTTP.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest


ROOT = Path(__file__).resolve().parents[2]
READY = "MARQUEE_SERVER_READY "


@pytest.fixture(scope="session")
def quick_library(library: Path) -> Path:
    """The quick demo library (the shared ``library`` fixture, by the name these tests use)."""
    return library


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    url: str
    db: Path
    lines: queue.Queue[str] = field(default_factory=queue.Queue)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


def start_server(data: Path, db: Path, timeout_s: float = 30.0) -> ServerProcess:
    """Run ``python -m server --port 0`` and wait for its ready line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", "0",
         "--data", str(data), "--db", str(db)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
    try:
        line = lines.get(timeout=timeout_s)
    except queue.Empty:
        process.kill()
        process.wait()
        raise AssertionError("backend did not print its ready line") from None
    if not line.startswith(READY):
        process.kill()
        _, err = process.communicate()
        raise AssertionError(f"unexpected first line {line!r}; stderr: {err[-500:]}")
    return ServerProcess(process, line[len(READY):].strip(), db, lines)


@pytest.fixture(scope="session")
def server(quick_library: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One backend for read-only tests (tests that record progress start their own)."""
    running = start_server(quick_library, tmp_path_factory.mktemp("server") / "marquee.db")
    yield running
    running.stop()


@pytest.fixture
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


@pytest.fixture
def fresh_server(quick_library: Path, tmp_path: Path) -> Iterator[ServerProcess]:
    """A backend with an empty database of its own, for tests that change state."""
    running = start_server(quick_library, tmp_path / "marquee.db")
    yield running
    running.stop()
