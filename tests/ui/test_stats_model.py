"""The statistics overlay's words and figures, and the track menus' choices, from player events
(no window: these are the models' own rules)."""

from __future__ import annotations

import pytest

from player.events import Loaded, RenditionSwitched, StallEnded, StallStarted, Stats, TrackSelected
from ui.stats import (
    PlaybackStats,
    format_buffer,
    format_codec,
    format_rate,
    format_rendition,
    format_switch,
)
from ui.tracks import TrackChoices, language_name


@pytest.mark.parametrize(("bps", "text"), [
    (None, "—"), (0, "—"), (850_000, "850 kbps"), (4_300_000, "4.30 Mbps"), (48_240_000, "48.2 Mbps"),
    (152_000_000, "152 Mbps"),
])
def test_rates_read_as_a_viewer_reads_them(bps: float | None, text: str) -> None:
    assert format_rate(bps) == text


def test_renditions_buffers_codecs_and_switches() -> None:
    assert format_rendition(2400, 720, (500, 2400, 1200, 4800)) == "720p · 2.40 Mbps · 3 of 4"
    assert format_rendition(2400, 0, ()) == "2.40 Mbps"
    assert format_buffer(24.26, 5 * 1024 * 1024 + 100_000) == "24.3 s · 5.1 MiB"
    assert format_codec("h264 (H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10)") == "h264"
    up = RenditionSwitched("video", 500, 1600, 1280, 720, "throughput", 4.0)
    down = RenditionSwitched("video", 1600, 500, 640, 360, "buffer-low", 9.0)
    first = RenditionSwitched("video", None, 500, 640, 360, "startup", 0.0)
    assert format_switch(up) == "throughput · ↑ 500 kbps → 720p"
    assert format_switch(down) == "buffer-low · ↓ 1.60 Mbps → 360p"
    assert format_switch(first) == "startup · 360p"


def values(stats: PlaybackStats) -> dict[str, str]:
    return {row["key"]: row["value"] for row in stats.property("rows")}


def test_the_overlay_keeps_the_latest_of_each_event_and_counts_stalls(qapp) -> None:
    stats = PlaybackStats()
    stats.reset("1f0e")
    assert values(stats)["session"] == "1f0e" and values(stats)["buffer"] == "—"
    stats.on_event(Loaded("u", "dash", 60.0, (500, 1600), (96,), ("de",)))
    stats.on_event(RenditionSwitched("video", None, 500, 640, 360, "startup", 0.0))
    assert values(stats)["video"] == "360p · 500 kbps · 1 of 2"  # before the first Stats
    stats.on_event(TrackSelected("audio", "de"))
    stats.on_event(RenditionSwitched("audio", None, 96, 0, 0, "audio-share", 0.0))
    stats.on_event(StallStarted(3.0))
    stats.on_event(StallEnded(3.4, 0.4))
    stats.on_event(StallStarted(8.0))
    stats.on_event(StallEnded(9.1, 1.1))
    stats.on_event(Stats(10.0, 20.0, 3_100_000.0, 1600, 1280, 720, "h264", 2, 1234, 3_000_000))
    shown = values(stats)
    assert shown["video"] == "720p · 1.60 Mbps · 2 of 2"
    assert shown["resolution"] == "1280 × 720"
    assert shown["buffer"] == "20.0 s · 2.9 MiB"
    assert shown["throughput"] == "3.10 Mbps"
    assert shown["frames"] == "2 dropped · 1,234 decoded"
    assert shown["stalls"] == "2 · 1.5 s"
    assert shown["audio"] == "German (de) · 96 kbps"
    assert shown["switch"] == "startup · 360p"
    stats.reset()
    assert values(stats)["stalls"] == "none" and values(stats)["session"] == "—"


def test_track_choices_follow_what_the_player_reports(qapp) -> None:
    tracks = TrackChoices()
    tracks.on_event(Loaded("u", "dash", 60.0, (500,), (96, 128), ("en", "de", "en"), ("fr",)))
    assert [c["code"] for c in tracks.property("audio")] == ["en", "de"]  # one entry a language
    assert [(c["code"], c["current"]) for c in tracks.property("subtitles")] == [("off", True), ("fr", False)]
    tracks.on_event(TrackSelected("audio", "de"))
    tracks.on_event(TrackSelected("text", "fr"))
    assert [c["current"] for c in tracks.property("audio")] == [False, True]
    assert tracks.property("audioName") == "German" and tracks.property("subtitleName") == "French"
    tracks.on_event(TrackSelected("text", "off"))
    assert tracks.property("subtitleName") == "Off"


@pytest.mark.parametrize(("code", "name"), [
    ("en", "English"), ("de", "German"), ("pt-BR", "Portuguese (Brazil)"), ("zh-Hant", "Chinese"),
    ("und", "Unknown"), ("qqq", "qqq"),
])
def test_language_names(code: str, name: str) -> None:
    assert language_name(code) == name
