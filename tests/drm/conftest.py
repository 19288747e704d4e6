"""Media for the drm tests, made by a real encoder (ffmpeg) once per session."""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

_FRAG = "+frag_keyframe+empty_moov+default_base_moof"
_QUIET = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]
_VIDEO = ["-f", "lavfi", "-i", "testsrc2=size=128x72:rate=24"]
_AUDIO = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]


@dataclass(frozen=True)
class Media:
    root: Path
    av: Path
    """H.264 (with B-frames) + AAC, fragmented, both tracks in each moof."""
    hevc: Path
    """HEVC (hvc1), fragmented."""
    tiny: Path
    """A very small H.264 fragmented file, the fuzzers' seed."""
    dash: Path
    """``-f dash`` output: init-stream{0,1}.m4s and chunk-stream{0,1}-NNNNN.m4s."""


def ffmpeg(*args: str | Path) -> None:
    subprocess.run([*_QUIET, *map(str, args)], check=True, timeout=120)


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Media:
    root = tmp_path_factory.mktemp("media")
    av, hevc, tiny, dash = root / "av.mp4", root / "hevc.mp4", root / "tiny.mp4", root / "dash"
    ffmpeg(*_VIDEO, *_AUDIO, "-t", "2", "-c:v", "libx264", "-g", "12", "-bf", "2", "-c:a", "aac",
           "-b:a", "64k", "-movflags", _FRAG, av)
    ffmpeg(*_VIDEO, "-t", "1", "-c:v", "libx265", "-x265-params", "log-level=error", "-g", "12",
           "-tag:v", "hvc1", "-movflags", _FRAG, hevc)
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=32x32:rate=8", "-t", "0.5", "-c:v", "libx264",
           "-g", "2", "-movflags", _FRAG, tiny)
    dash.mkdir()
    ffmpeg(*_VIDEO, *_AUDIO, "-t", "2", "-c:v", "libx264", "-g", "12", "-c:a", "aac",
           "-seg_duration", "0.5", "-f", "dash", dash / "m.mpd")
    return Media(root, av, hevc, tiny, dash)


def packet_md5s(path: Path, stream: str) -> list[tuple[int, int, str]]:
    """(duration, size, md5) of each packet of a stream as ffmpeg demuxes it, bytes untouched."""
    out = subprocess.run([*_QUIET, "-i", str(path), "-map", f"0:{stream}", "-c", "copy", "-f", "framemd5", "-"],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    rows = [line.split(",") for line in out.splitlines() if line and not line.startswith("#")]
    return [(int(r[3]), int(r[4]), r[5].strip()) for r in rows]


def decoded_md5s(path: Path, stream: str = "v") -> list[str]:
    """The md5 of every decoded frame of a stream, in presentation order."""
    out = subprocess.run([*_QUIET, "-i", str(path), "-map", f"0:{stream}", "-f", "framemd5", "-"],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    return [line.rsplit(",", 1)[1].strip() for line in out.splitlines() if line and not line.startswith("#")]


def md5(data: bytes | memoryview) -> str:
    return hashlib.md5(data).hexdigest()
