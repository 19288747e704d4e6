"""The content builder's contract: idempotent, atomic, and clear about failures."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from server.content import ContentError, build
from server.content.profile import QUICK
from server.content.protect import PROTECTED_TITLES, source_clip

from .conftest import ROOT


def test_second_build_with_the_same_parameters_is_a_no_op(quick_library: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in quick_library.rglob("*") if p.is_file()}
    inode = quick_library.stat().st_ino
    said: list[str] = []
    started = time.monotonic()
    build(quick_library, quick=True, progress=said.append)
    elapsed = time.monotonic() - started
    assert said == [f"already built: {quick_library} (quick)"]
    assert quick_library.stat().st_ino == inode
    assert {p: p.stat().st_mtime_ns for p in quick_library.rglob("*") if p.is_file()} == before
    assert elapsed < 2.0  # a build takes tens of seconds; a check reads one small file


def test_cli_reports_already_built(quick_library: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "server.content", "build", "--quick",
                             "--out", str(quick_library)], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0
    assert result.stdout.strip() == f"already built: {quick_library} (quick)"


def test_refuses_to_replace_a_directory_that_is_not_a_library(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "holiday.jpg").write_bytes(b"precious")
    with pytest.raises(ContentError, match="not a Marquee library"):
        build(tmp_path / "photos", quick=True)
    assert (tmp_path / "photos" / "holiday.jpg").read_bytes() == b"precious"


def test_missing_ffmpeg_is_one_clear_error_line(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "server.content", "build", "--quick",
                             "--out", str(tmp_path / "lib")], cwd=ROOT, capture_output=True,
                            text=True, env=dict(os.environ, PATH=str(tmp_path)), timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "marquee content: error: ffmpeg not found on PATH (install Debian's ffmpeg package)"]
    assert not (tmp_path / "lib").exists()


def test_failing_ffmpeg_is_one_clear_error_line(tmp_path: Path) -> None:
    fake = tmp_path / "bin" / "ffmpeg"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'Unknown encoder libx264' >&2\nexit 1\n")
    fake.chmod(0o755)
    result = subprocess.run([sys.executable, "-m", "server.content", "build", "--quick",
                             "--out", str(tmp_path / "lib")], cwd=ROOT, capture_output=True,
                            text=True, env=dict(os.environ, PATH=f"{fake.parent}:{os.environ['PATH']}"),
                            timeout=60)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("marquee content: error: ffmpeg failed encoding clip 'aurora' (exit 1)")
    assert "Unknown encoder libx264" in line
    assert not (tmp_path / "lib").exists()
    assert not list(tmp_path.glob(".lib.building-*"))


def _start_build(out: Path) -> subprocess.Popen[str]:
    """A quick build in its own process group, returned once it is encoding."""
    process = subprocess.Popen([sys.executable, "-u", "-m", "server.content", "build", "--quick",
                                "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                               start_new_session=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("  aurora: 25%"):
            return process
    raise AssertionError(f"build ended early with status {process.wait()}")


def test_terminated_build_cleans_up(tmp_path: Path) -> None:
    out = tmp_path / "lib"
    process = _start_build(out)
    process.terminate()
    assert process.wait(timeout=30) == 128 + signal.SIGTERM
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lib.lock"]


def test_killed_build_leaves_no_library_and_a_stale_one_is_rebuilt(
        quick_library: Path, tmp_path: Path) -> None:
    out = tmp_path / "lib"
    process = _start_build(out)
    os.killpg(process.pid, signal.SIGKILL)  # the build and its ffmpeg, with no chance to clean up
    process.wait()
    assert not out.exists()
    assert len(list(tmp_path.glob(".lib.building-*"))) == 1  # what the killed build left

    # An older library (other parameters) in place: rebuilt, and the leftovers cleaned up.
    shutil.copytree(quick_library, out)
    (out / ".complete").write_text("digest-of-other-parameters\n")
    said: list[str] = []
    build(out, quick=True, progress=said.append)
    assert any(s.startswith("encoding clip aurora") for s in said)
    assert (out / ".complete").read_text().strip() == QUICK.digest()
    assert not list(tmp_path.glob(".lib.building-*")) and not list(tmp_path.glob(".lib.old-*"))
    assert oct(out.stat().st_mode & 0o777) == "0o755"
    clips = [c.id for c in QUICK.clips] + [f"{source_clip(t, QUICK)}-{t.scheme}" for t in PROTECTED_TITLES]
    assert sorted(p.name for p in (out / "media").iterdir()) == sorted(clips)
