"""The ``marquee`` command as a user runs it: a real process, the embedded backend, real playback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def marquee(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**base, **(env or {})})


@pytest.fixture()
def home(tmp_path: Path) -> dict[str, str]:
    """A private HOME so the embedded backend's database and log stay out of the user's."""
    return {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}


def test_catalog_lists_title_ids_from_the_embedded_backend(library: Path, home: dict[str, str]) -> None:
    result = marquee("catalog", "--json", "--data", str(library), env=home)
    assert result.returncode == 0, result.stderr
    titles = json.loads(result.stdout)
    assert len(titles) >= 20 and all(t["id"] and t["title"] for t in titles)


def test_play_headless_json_summary(library: Path, home: dict[str, str], backend: str) -> None:
    with_ids = marquee("catalog", "--json", "--catalog", backend, env=home)
    title = json.loads(with_ids.stdout)[0]["id"]
    result = marquee("play", title, "--headless", "--json", "--duration", "6", "--catalog", backend, env=home)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    for key in ("startup_ms", "played_s", "rebuffer_count", "rebuffer_s", "switches", "mean_video_kbps",
                "renditions", "errors"):
        assert key in summary
    assert summary["errors"] == []
    assert 6 <= summary["played_s"] < 9
    assert summary["startup_ms"] > 0 and summary["mean_video_kbps"] > 0


def test_no_display_plays_the_demo_headless(library: Path, home: dict[str, str]) -> None:
    result = marquee("--data", str(library), env=home, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "no display" in result.stderr
    assert "played" in result.stderr and "startup" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("play",), "the following arguments are required: TARGET"),
        (("play", "x", "--duration", "soon"), "invalid float value"),
        (("play", "x", "--format", "avi"), "invalid choice"),
        (("frobnicate",), "invalid choice"),
    ],
)
def test_bad_arguments_give_one_clear_line(args: tuple[str, ...], message: str) -> None:
    result = marquee(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_unknown_title_and_unreachable_catalog_are_one_line(home: dict[str, str], backend: str) -> None:
    result = marquee("play", "no-such-title", "--headless", "--catalog", backend, env=home)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("marquee: ") and "Traceback" not in result.stderr
    result = marquee("catalog", "--catalog", "http://127.0.0.1:9", env=home)
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1


def test_every_command_has_help() -> None:
    for args in (("--help",), ("play", "--help"), ("catalog", "--help"), ("server", "--help"),
                 ("content", "build", "--help")):
        result = marquee(*args)
        assert result.returncode == 0 and "usage" in result.stdout.lower(), args


def test_abr_live_reports_the_live_run_beside_the_model(tmp_path: Path, home: dict[str, str], backend: str) -> None:
    trace = tmp_path / "steps.log"  # Pensieve cooked: seconds, Mbit/s
    trace.write_text("0 2.5\n6 2.5\n14 0.45\n60 1.2\n")
    result = marquee("abr", "live", "--trace", str(trace), "northern-lights", "--algorithm", "rate", "--json",
                     "--catalog", backend, env=home, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["trace"] == "steps.log" and report["algorithm"] == "rate" and report["startup_ms"] > 0
    assert len(report["model"]["renditions"]) == len(report["renditions"]) == 4
    assert report["agrees"] is (report["disagreement"] is None)
    assert report["bitrate_kbps_mean"] > 0 and report["model"]["bitrate_kbps_mean"] > 0


def test_abr_live_names_a_bad_trace_in_one_line(tmp_path: Path, home: dict[str, str], backend: str) -> None:
    trace = tmp_path / "broken.log"
    trace.write_text("0 2.5\n6 fast\n")
    result = marquee("abr", "live", "--trace", str(trace), "northern-lights", "--catalog", backend, env=home)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "broken.log" in lines[0] and "2" in lines[0]
