"""A small multi-language DASH presentation made with ffmpeg, for the player page's menus.

The demo library has one audio language and no subtitles; this has two video renditions (so the
ABR switches and the statistics have something to say), audio in three languages (each its own
tone, so a switch is audible in a recording) and WebVTT subtitles in two. Served from a folder
with ``tests.player.origin.serve``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

SECONDS = 40
AUDIO = {"en": 440, "de": 660, "fr": 880}  # language -> tone (Hz)
SUBTITLES = {"en": "Hello", "de": "Hallo"}
VIDEO = (("360", "640x360", 500), ("720", "1280x720", 1600))  # id, size, kbps


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def _representation(out: Path, name: str, source: list[str], codec: list[str]) -> str:
    """Encode one representation with ffmpeg's DASH muxer and return its ``<Representation>``
    (ffmpeg's codecs, bandwidth and size), with id ``name`` and paths under ``name/``."""
    folder = out / name
    folder.mkdir()
    _ffmpeg(*source, "-t", str(SECONDS), *codec, "-f", "dash", "-seg_duration", "2", "-use_template", "1",
            "-use_timeline", "1", "-init_seg_name", "init.m4s", "-media_seg_name", "$Number%05d$.m4s",
            str(folder / "m.mpd"))
    text = (folder / "m.mpd").read_text()
    rep = text[text.index("<Representation"):text.index("</Representation>") + len("</Representation>")]
    rep = rep.replace('id="0"', f'id="{name}"', 1)
    return rep.replace('initialization="', f'initialization="{name}/').replace('media="', f'media="{name}/')


def _vtt(word: str) -> str:
    cues = [f"{_clock(t)} --> {_clock(t + 1.5)}\n{word} {t // 2 + 1}\n" for t in range(0, SECONDS, 2)]
    return "WEBVTT\n\n" + "\n".join(cues)


def _clock(seconds: float) -> str:
    return f"00:00:{seconds:06.3f}" if seconds < 60 else f"00:{int(seconds // 60):02d}:{seconds % 60:06.3f}"


def build_languages(out: Path) -> Path:
    """Write the presentation under ``out`` and return its manifest's path."""
    video = "".join(
        _representation(out, f"v{rid}", ["-f", "lavfi", "-i", f"testsrc2=s={size}:r=24"],
                        ["-c:v", "libx264", "-preset", "ultrafast", "-b:v", f"{kbps}k", "-maxrate", f"{kbps}k",
                         "-bufsize", f"{kbps}k", "-g", "48", "-keyint_min", "48", "-sc_threshold", "0"])
        for rid, size, kbps in VIDEO)
    sets = [f'<AdaptationSet contentType="video" mimeType="video/mp4" segmentAlignment="true">{video}</AdaptationSet>']
    for lang, tone in AUDIO.items():
        rep = _representation(out, f"a-{lang}", ["-f", "lavfi", "-i", f"sine=f={tone}:sample_rate=48000"],
                              ["-c:a", "aac", "-b:a", "96k"])
        sets.append(f'<AdaptationSet contentType="audio" mimeType="audio/mp4" lang="{lang}">{rep}</AdaptationSet>')
    for lang, word in SUBTITLES.items():
        (out / f"subs-{lang}.vtt").write_text(_vtt(word))
        sets.append(f'<AdaptationSet contentType="text" mimeType="text/vtt" lang="{lang}"><Representation '
                    f'id="s-{lang}" bandwidth="256"><BaseURL>subs-{lang}.vtt</BaseURL></Representation></AdaptationSet>')
    manifest = out / "manifest.mpd"
    manifest.write_text(
        '<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
        f'profiles="urn:mpeg:dash:profile:isoff-live:2011" mediaPresentationDuration="PT{SECONDS}S">'
        "<Period>" + "".join(sets) + "</Period></MPD>")
    return manifest
