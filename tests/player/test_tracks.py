"""Audio languages and subtitles: chosen by preference, switched during playback, shown by mpv."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest

from player import Player
from player.events import Ended, FirstFrame, PlayerError, PlayerEvent, TrackSelected
from player.tracks import TrackPreferences
from tests.player.origin import serve

VTT = "WEBVTT\n\n00:00:00.500 --> 00:00:03.500\nHello from the sidecar\n\n00:00:04.000 --> 00:00:07.500\nSecond line\n"


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def _dash(out: Path, name: str, source: list[str], codec: list[str]) -> str:
    folder = out / name
    folder.mkdir()
    ffmpeg(*source, "-t", "8", *codec, "-f", "dash", "-seg_duration", "2", "-use_template", "1",
           "-use_timeline", "1", str(folder / "m.mpd"))
    text = (folder / "m.mpd").read_text()
    rep = text[text.index("<Representation"):text.index("</Representation>") + len("</Representation>")]
    rep = rep.replace("$RepresentationID$", "0")  # the files keep ffmpeg's names when the id changes
    return rep.replace('initialization="', f'initialization="{name}/').replace('media="', f'media="{name}/')


@pytest.fixture(scope="module")
def languages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("languages")
    video = _dash(out, "v", ["-f", "lavfi", "-i", "testsrc2=s=320x180:r=24"],
                  ["-c:v", "libx264", "-preset", "ultrafast", "-g", "48", "-keyint_min", "48", "-sc_threshold", "0"])
    audio = {lang: _dash(out, lang, ["-f", "lavfi", "-i", f"sine=f={freq}:sample_rate=48000"], ["-c:a", "aac"])
             for lang, freq in (("en", 440), ("de", 880))}
    (out / "subs-en.vtt").write_text(VTT)
    sets = [f'<AdaptationSet contentType="video" mimeType="video/mp4">{video}</AdaptationSet>']
    for lang, rep in audio.items():
        rep = rep.replace('id="0"', f'id="{lang}"')
        sets.append(f'<AdaptationSet contentType="audio" mimeType="audio/mp4" lang="{lang}" '
                    f'label="{lang.upper()}">{rep}</AdaptationSet>')
    sets.append('<AdaptationSet contentType="text" mimeType="text/vtt" lang="en"><Representation id="s" '
                'bandwidth="256"><BaseURL>subs-en.vtt</BaseURL></Representation></AdaptationSet>')
    (out / "manifest.mpd").write_text(
        '<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
        'mediaPresentationDuration="PT8S"><Period>' + "".join(sets) + "</Period></MPD>")
    return out


class Session:
    def __init__(self, preferences: TrackPreferences) -> None:
        self.events: list[PlayerEvent] = []
        self.started = threading.Event()
        self.ended = threading.Event()
        self.player = Player(audio_output="null")
        self.player.add_listener(self._on)
        self.preferences = preferences

    def _on(self, event: PlayerEvent) -> None:
        self.events.append(event)
        if isinstance(event, FirstFrame):
            self.started.set()
        if isinstance(event, (Ended, PlayerError)):
            self.ended.set()

    def selected(self, kind: str) -> list[str]:
        return [e.language for e in self.events if isinstance(e, TrackSelected) and e.kind == kind]


def test_audio_follows_preference_and_switches_without_restarting_video(languages: Path) -> None:
    requests: list[tuple[str, dict[str, str]]] = []
    session = Session(TrackPreferences(audio_language="de"))
    try:
        with serve(languages, requests) as base:
            session.player.open(base + "manifest.mpd", preferences=session.preferences)
            assert session.started.wait(20)
            assert session.selected("audio") == ["de"]
            video_loads = sum(1 for e in session.events if isinstance(e, FirstFrame))
            time.sleep(2.5)  # into the second segment: the new language starts there, not at the top
            session.player.set_audio_language("en")
            assert session.ended.wait(30)
    finally:
        session.player.close()
    assert session.selected("audio") == ["de", "en"]
    assert sum(1 for e in session.events if isinstance(e, FirstFrame)) == video_loads  # no restart
    assert not any(isinstance(e, PlayerError) for e in session.events)
    paths = [p for p, _ in requests]
    assert any(p.startswith("/de/") for p in paths) and any(p.startswith("/en/") for p in paths)
    first_en = next(i for i, p in enumerate(paths) if p.startswith("/en/") and "init" not in p)
    assert "/en/" in paths[first_en] and not paths[first_en].split("?")[0].endswith("-00001.m4s")


def test_sidecar_subtitles_are_shown_and_can_be_turned_off(languages: Path) -> None:
    session = Session(TrackPreferences(subtitle_language="en"))
    try:
        with serve(languages) as base:
            session.player.open(base + "manifest.mpd", preferences=session.preferences)
            assert session.started.wait(20)
            deadline = time.monotonic() + 10
            while session.player.mpv.sub_text != "Hello from the sidecar" and time.monotonic() < deadline:
                time.sleep(0.05)
            assert session.player.mpv.sub_text == "Hello from the sidecar"
            session.player.set_subtitles("off")
            time.sleep(0.3)
            assert not session.player.mpv.sub_text
    finally:
        session.player.close()
    assert session.selected("text") == ["en", "off"]


def test_hls_segmented_webvtt_subtitles(tmp_path: Path) -> None:
    (tmp_path / "s.vtt").write_text("WEBVTT\n\n00:00:00.500 --> 00:00:03.000\nHello HLS\n\n"
                                    "00:00:04.000 --> 00:00:07.000\nSecond cue\n")
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x180:r=24", "-i", str(tmp_path / "s.vtt"), "-t", "8",
           "-map", "0:v", "-map", "1:s", "-c:v", "libx264", "-preset", "ultrafast", "-g", "48", "-c:s", "webvtt",
           "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
           "-var_stream_map", "v:0,s:0,sgroup:subs", str(tmp_path / "v%v.m3u8"))
    assert len(list(tmp_path.glob("v0*.vtt"))) >= 2  # segmented WebVTT
    (tmp_path / "master.m3u8").write_text(
        "#EXTM3U\n#EXT-X-VERSION:7\n"
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Deutsch",LANGUAGE="de",URI="v0_vtt.m3u8"\n'
        '#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=320x180,CODECS="avc1.42c00c",SUBTITLES="subs"\nv0.m3u8\n')
    session = Session(TrackPreferences(subtitle_language="de"))
    try:
        with serve(tmp_path) as base:
            session.player.open(base + "master.m3u8", preferences=session.preferences)
            assert session.started.wait(20)
            seen: set[str] = set()
            deadline = time.monotonic() + 12
            while time.monotonic() < deadline and "Second cue" not in seen:
                seen.add(session.player.mpv.sub_text or "")
                time.sleep(0.05)
    finally:
        session.player.close()
    assert {"Hello HLS", "Second cue"} <= seen
    assert session.selected("text") == ["de"]
