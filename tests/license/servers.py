"""A reference backend with options of its own (``--no-license``), for tests whose backend must
differ from the shared one. A real subprocess on loopback, as everywhere else."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READY = "MARQUEE_SERVER_READY "


@contextmanager
def run_backend(data: Path, db: Path, *options: str, timeout_s: float = 30.0) -> Iterator[str]:
    """Run ``python -m server`` on a free port with ``options``; yields its base URL. Its
    stderr (the log) goes to ``db`` with the suffix ``.log``."""
    with open(db.with_suffix(".log"), "a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", "0", "--data", str(data),
             "--db", str(db), *options],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    lines: queue.Queue[str] = queue.Queue()
    stdout = process.stdout
    assert stdout is not None
    threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
    try:
        try:
            line = lines.get(timeout=timeout_s)
        except queue.Empty:
            raise AssertionError(f"backend did not start; log: {db.with_suffix('.log').read_text()[-500:]}") from None
        assert line.startswith(READY), line
        yield line[len(READY):].strip()
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
