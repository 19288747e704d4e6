"""The backend as a program: ready line, clean shutdown, clear start-up errors."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, start_server


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_shut_down_cleanly(quick_library: Path, tmp_path: Path, sig: int) -> None:
    running = start_server(quick_library, tmp_path / "marquee.db")
    with running.client() as http:
        assert http.get("/api/v1/health").status_code == 200
    assert running.stop(sig) == 0
    assert running.process.stderr is not None
    assert "Traceback" not in running.process.stderr.read()
    assert running.lines.empty()  # nothing on stdout after the ready line


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server", "--port", "0", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_data_dir_without_complete_marker_is_refused(tmp_path: Path) -> None:
    (tmp_path / "catalog.json").write_text("{}")
    result = _run("--data", str(tmp_path))
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"marquee server: error: data directory {tmp_path} holds no complete library")


def test_malformed_catalog_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".complete").write_text("x\n")
    (tmp_path / "catalog.json").write_text('{"clips": {}, "titles": [{"id": "a"}]}')
    result = _run("--data", str(tmp_path), "--db", str(tmp_path / "db.sqlite"))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "catalog.json is malformed" in line


def test_busy_port_is_a_clear_error(quick_library: Path, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "server", "--port", str(port), "--data",
                                 str(quick_library), "--db", str(tmp_path / "db.sqlite")],
                                cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
