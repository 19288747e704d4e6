"""Live streams: a real encoder writing DASH or HLS in real time, the player joining behind the
live edge, reloading as it goes, and ending when the presentation does (the MPD turning static,
``EXT-X-ENDLIST``)."""

from __future__ import annotations

import datetime
import re
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.report import PlaybackReport
from tests.player.origin import serve
from tests.playing import play_to_end

SOURCE = ["-re", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=24", "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000",
          "-t", "16", "-c:v", "libx264", "-preset", "ultrafast", "-g", "48", "-keyint_min", "48", "-sc_threshold", "0",
          "-c:a", "aac"]


def play_live(folder: Path, muxer: list[str], manifest: str, joinable: Callable[[], bool],
              still_live: Callable[[str], bool]) -> tuple[PlaybackReport, float]:
    """Start the encoder, join once ``joinable``, play to the end; (report, seconds it took)."""
    encoder = subprocess.Popen(["ffmpeg", "-v", "error", *SOURCE, *muxer, str(folder / manifest)])
    try:
        deadline = time.monotonic() + 30
        while not joinable() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert still_live((folder / manifest).read_text()), "the stream ended before the player joined"
        joined_at = time.monotonic()
        with serve(folder) as base:
            report = play_to_end(base + manifest, speed=1, timeout=60)
        assert encoder.wait(10) == 0
    finally:
        if encoder.poll() is None:
            encoder.kill()
    return report, time.monotonic() - joined_at


def assert_followed_to_the_end(report: PlaybackReport, took_s: float) -> None:
    summary = report.as_dict()
    assert summary["ended"] and summary["errors"] == [], summary
    # Joined a few segments behind the edge, then played on to the very end, in real time.
    assert 4.0 <= summary["played_s"] <= 16.0
    assert took_s >= summary["played_s"] - 1.0


@pytest.mark.parametrize("window", ["event", "sliding"])
def test_live_hls_is_joined_followed_and_ended(tmp_path: Path, window: str) -> None:
    window_args = (["-hls_playlist_type", "event"] if window == "event"
                   else ["-hls_list_size", "4", "-hls_flags", "delete_segments"])
    playlist = tmp_path / "live.m3u8"
    report, took = play_live(
        tmp_path, ["-f", "hls", "-hls_time", "2", "-hls_segment_type", "fmp4", *window_args], "live.m3u8",
        joinable=lambda: playlist.exists() and playlist.read_text().count("#EXTINF") >= 3,
        still_live=lambda text: "#EXT-X-ENDLIST" not in text)
    assert_followed_to_the_end(report, took)


def test_live_dash_is_joined_followed_and_ended(tmp_path: Path) -> None:
    report, took = play_live(
        tmp_path, ["-f", "dash", "-seg_duration", "2", "-use_template", "1", "-use_timeline", "1", "-window_size", "5",
                   "-adaptation_sets", "id=0,streams=v id=1,streams=a"], "live.mpd",
        joinable=lambda: (tmp_path / "live.mpd").exists() and len(list(tmp_path.glob("chunk-stream0-*.m4s"))) >= 3,
        still_live=lambda text: 'type="dynamic"' in text)
    assert_followed_to_the_end(report, took)


def test_live_dash_plays_on_into_a_period_whose_segment_numbers_start_afresh(tmp_path: Path) -> None:
    """A live MPD with a second period (another encoding, its segment numbers starting at 1 again)
    announced before it begins: the player joins with the second period still ahead, reloads
    across the boundary and plays into it, and ends when the MPD turns static."""
    periods = []
    for name, start, pattern in (("p1", 0, "testsrc2"), ("p2", 6, "smptebars")):
        folder = tmp_path / name
        folder.mkdir()
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"{pattern}=s=320x180:r=24", "-f", "lavfi",
             "-i", "sine=f=500:sample_rate=48000", "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-g", "48",
             "-keyint_min", "48", "-sc_threshold", "0", "-c:a", "aac", "-f", "dash", "-seg_duration", "2",
             "-use_template", "1", "-use_timeline", "0", "-adaptation_sets", "id=0,streams=v id=1,streams=a",
             str(folder / "manifest.mpd")], check=True)
        text = (folder / "manifest.mpd").read_text()
        body = text[text.index("<Period"):text.index("</Period>") + len("</Period>")]
        periods.append(re.sub(r'<Period[^>]*>', f'<Period id="{name}" start="PT{start}S" duration="PT6S">', body, count=1)
                       .replace('initialization="', f'initialization="{name}/').replace('media="', f'media="{name}/'))
    begun = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=3)
    header = ('<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" '
              'profiles="urn:mpeg:dash:profile:isoff-live:2011" ')
    manifest = tmp_path / "live.mpd"
    manifest.write_text(
        header + f'type="dynamic" availabilityStartTime="{begun.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}" '
        'minimumUpdatePeriod="PT1S" suggestedPresentationDelay="PT2S" timeShiftBufferDepth="PT30S">'
        + "".join(periods) + "</MPD>")
    ending = threading.Timer(12.5 - 3, lambda: manifest.write_text(
        header + 'type="static" mediaPresentationDuration="PT12S">' + "".join(periods) + "</MPD>"))
    ending.start()
    try:
        joined_at = time.monotonic()
        with serve(tmp_path) as base:
            report = play_to_end(base + "live.mpd", speed=1, timeout=60)
    finally:
        ending.cancel()
    summary = report.as_dict()
    assert summary["ended"] and summary["errors"] == [], summary
    # From about 1 s (2 s behind the edge at 3 s) through both periods, and nothing played twice
    # (matched by number, a reload in the second period would go back to the first one's segments).
    assert 9.0 <= summary["played_s"] <= 12.3
    assert time.monotonic() - joined_at >= summary["played_s"] - 1.0  # in real time: it was live
