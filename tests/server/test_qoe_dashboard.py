"""The QoE dashboard in a real headless Chromium: it draws what the query API holds.

Screenshots go to ``MARQUEE_SCREENSHOTS`` when set (else a temporary directory)."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.server.conftest import ServerProcess
from tests.server.test_qoe import playback, post, titles
from tests.telemetry.batches import MadeSession, batch, make_session

SESSIONS = 24


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    assert binary, "chromium is not installed (scripts/bootstrap.sh installs it)"
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--hide-scrollbars",
             "--virtual-time-budget=8000", *args],
            capture_output=True, text=True, timeout=90)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = os.environ.get("MARQUEE_SCREENSHOTS")
    path = Path(target) if target else tmp_path_factory.mktemp("screens")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture()
def filled(fresh_server: ServerProcess) -> tuple[str, list[MadeSession]]:
    """A collector holding a day of sessions over several titles, some with stalls."""
    rng = random.Random(2066)
    made = []
    with fresh_server.client() as http:
        names = titles(http)[:4]
        now = time.time() * 1000
        for i in range(SESSIONS):
            title = names[i % len(names)]
            token = playback(http, title)["token"]
            session = make_session(rng, title, now - (SESSIONS - i) * 3_600_000, duration_s=rng.uniform(40, 120),
                                   stalls=2 if i == SESSIONS - 1 else None)
            assert post(http, token, batch(session)).status_code == 200
            made.append(session)
    return fresh_server.url, made


def test_dashboard_draws_the_sessions(filled: tuple[str, list[MadeSession]], screenshots: Path) -> None:
    url, made = filled
    newest = made[-1]
    page = f"{url}/qoe?session={newest.session['session_id']}"
    dom = chromium("--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-1000:]
    html = dom.stdout
    assert 'data-ready="yes"' in html, re.findall(r'id="error">[^<]*', html)

    def count(svg_id: str, cls: str) -> int:
        part = re.search(rf'<svg id="{svg_id}".*?</svg>', html, re.S)
        assert part, svg_id
        return len(re.findall(rf'class="{cls}"', part.group(0)))

    aggregates = httpx.get(f"{url}/api/v1/qoe/aggregates", timeout=10).json()
    assert count("startup", "bar") == len(aggregates["startup_ms"]["histogram"])
    assert count("rebuffer", "bar") == SESSIONS
    assert count("bitrate", "dot") == 2 * SESSIONS
    assert count("timeline", "stall") == 2 == newest.summary["rebuffer_count"]
    assert count("timeline", "bitrate") == 1 and count("timeline", "buffer") == 1
    assert len(re.findall(r"<tr[ >]", html)) == SESSIONS + 1  # header and one row per session
    assert f"{aggregates['rebuffer_ratio'] * 100:.2f} %" in html

    shot = screenshots / "qoe-dashboard.png"
    result = chromium("--window-size=1400,1500", f"--screenshot={shot}", page)
    assert result.returncode == 0 and shot.exists(), result.stderr[-1000:]
    with Image.open(shot) as image:
        assert image.size == (1400, 1500)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 200  # charts and text, not a blank page


def test_dashboard_with_no_sessions_says_so(fresh_server: ServerProcess, screenshots: Path) -> None:
    dom = chromium("--dump-dom", f"{fresh_server.url}/qoe")
    assert 'data-ready="yes"' in dom.stdout
    assert "no sessions yet" in dom.stdout and "no sessions started" in dom.stdout
