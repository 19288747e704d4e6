"""Live HLS: a real encoder writing the playlist in real time, the player joining behind the edge,
reloading at the target duration, and ending when the playlist does (``EXT-X-ENDLIST``)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.player.origin import serve
from tests.playing import play_to_end


@pytest.mark.parametrize("window", ["event", "sliding"])
def test_live_hls_is_joined_followed_and_ended(tmp_path: Path, window: str) -> None:
    window_args = (["-hls_playlist_type", "event"] if window == "event"
                   else ["-hls_list_size", "4", "-hls_flags", "delete_segments"])
    encoder = subprocess.Popen(
        ["ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=24", "-f", "lavfi",
         "-i", "sine=f=440:sample_rate=48000", "-t", "16", "-c:v", "libx264", "-preset", "ultrafast", "-g", "48",
         "-keyint_min", "48", "-sc_threshold", "0", "-c:a", "aac", "-f", "hls", "-hls_time", "2",
         "-hls_segment_type", "fmp4", *window_args, str(tmp_path / "live.m3u8")])
    try:
        playlist = tmp_path / "live.m3u8"
        deadline = time.monotonic() + 30
        while (not playlist.exists() or playlist.read_text().count("#EXTINF") < 3) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "#EXT-X-ENDLIST" not in playlist.read_text()  # still live when the player joins
        joined_at = time.monotonic()
        with serve(tmp_path) as base:
            report = play_to_end(base + "live.m3u8", speed=1, timeout=60)
        assert encoder.wait(10) == 0
    finally:
        if encoder.poll() is None:
            encoder.kill()
    summary = report.as_dict()
    assert summary["ended"] and summary["errors"] == [], summary
    # It joined a few segments behind the edge and played on to the very end, in real time.
    assert 4.0 <= summary["played_s"] <= 16.0
    assert time.monotonic() - joined_at >= summary["played_s"] - 1.0


def test_live_dash_is_joined_followed_and_ended(tmp_path: Path) -> None:
    encoder = subprocess.Popen(
        ["ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=24", "-f", "lavfi",
         "-i", "sine=f=440:sample_rate=48000", "-t", "16", "-c:v", "libx264", "-preset", "ultrafast", "-g", "48",
         "-keyint_min", "48", "-sc_threshold", "0", "-c:a", "aac", "-f", "dash", "-seg_duration", "2",
         "-use_template", "1", "-use_timeline", "1", "-window_size", "5", "-adaptation_sets",
         "id=0,streams=v id=1,streams=a", str(tmp_path / "live.mpd")])
    try:
        mpd = tmp_path / "live.mpd"
        deadline = time.monotonic() + 30
        while (not mpd.exists() or len(list(tmp_path.glob("chunk-stream0-*.m4s"))) < 3) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert 'type="dynamic"' in mpd.read_text()  # still live when the player joins
        with serve(tmp_path) as base:
            report = play_to_end(base + "live.mpd", speed=1, timeout=60)
        assert encoder.wait(10) == 0
    finally:
        if encoder.poll() is None:
            encoder.kill()
    summary = report.as_dict()
    assert summary["ended"] and summary["errors"] == [], summary
    assert 4.0 <= summary["played_s"] <= 16.0
