"""DASH and HLS manifests over the same CMAF segment files, written from the measured timing.

Layout of a clip directory (all URLs in the manifests are relative to it)::

    manifest.mpd  master.m3u8
    <rendition-id>/init.mp4  <rendition-id>/<n>.m4s (n from 1)  <rendition-id>/playlist.m3u8
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

from .media import ClipMedia, Rendition
from .profile import FRAME_RATE, SEGMENT_SECONDS
from .protection import Protection

DASH_NS = "urn:mpeg:dash:schema:mpd:2011"
MEDIA_PLAYLIST = "playlist.m3u8"
AUDIO_GROUP = "audio"
AUDIO_LANGUAGE = "en"


def _iso_duration(seconds: float) -> str:
    return f"PT{seconds:.3f}S"


def _segment_template(parent: ET.Element, rendition: Rendition) -> None:
    """A $Number$ template with a run-length SegmentTimeline (shared by aligned renditions)."""
    template = ET.SubElement(parent, "SegmentTemplate", {
        "timescale": str(rendition.track.timescale),
        "initialization": "$RepresentationID$/init.mp4",
        "media": "$RepresentationID$/$Number$.m4s",
        "startNumber": "1",
    })
    timeline = ET.SubElement(template, "SegmentTimeline")
    runs: list[list[int]] = []  # [duration, repeat]
    for segment in rendition.segments:
        if runs and runs[-1][0] == segment.duration:
            runs[-1][1] += 1
        else:
            runs.append([segment.duration, 0])
    for i, (duration, repeat) in enumerate(runs):
        attrs = {"t": str(rendition.segments[0].start)} if i == 0 else {}
        attrs["d"] = str(duration)
        if repeat:
            attrs["r"] = str(repeat)
        ET.SubElement(timeline, "S", attrs)


def dash_manifest(clip: ClipMedia, protection: Protection | None = None) -> str:
    """A static, single-period MPD (isoff-live profile) with one video and one audio set, each
    with its ``ContentProtection`` descriptors when the clip is protected."""
    mpd = ET.Element("MPD", {
        "xmlns": DASH_NS,
        **(protection.dash_namespaces() if protection else {}),
        "profiles": "urn:mpeg:dash:profile:isoff-live:2011",
        "type": "static",
        "mediaPresentationDuration": _iso_duration(clip.duration_s),
        "minBufferTime": _iso_duration(SEGMENT_SECONDS),
    })
    period = ET.SubElement(mpd, "Period", {"id": "0", "start": "PT0S"})
    top = max(clip.video, key=lambda r: r.track.width * r.track.height)
    video_set = ET.SubElement(period, "AdaptationSet", {
        "id": "0", "contentType": "video", "mimeType": "video/mp4", "segmentAlignment": "true",
        "startWithSAP": "1", "frameRate": str(FRAME_RATE), "par": _ratio(top.track.width, top.track.height),
        "maxWidth": str(top.track.width), "maxHeight": str(top.track.height),
    })
    if protection:
        video_set.extend(protection.content_protection("video"))
    ET.SubElement(video_set, "Role", {"schemeIdUri": "urn:mpeg:dash:role:2011", "value": "main"})
    _segment_template(video_set, clip.video[0])
    for rendition in clip.video:
        ET.SubElement(video_set, "Representation", {
            "id": rendition.id, "codecs": rendition.track.codec,
            "bandwidth": str(rendition.peak_bps), "width": str(rendition.track.width),
            "height": str(rendition.track.height), "frameRate": str(FRAME_RATE), "sar": "1:1",
        })
    audio = clip.audio
    audio_set = ET.SubElement(period, "AdaptationSet", {
        "id": "1", "contentType": "audio", "mimeType": "audio/mp4", "lang": AUDIO_LANGUAGE,
        "segmentAlignment": "true", "startWithSAP": "1",
    })
    ET.SubElement(audio_set, "AudioChannelConfiguration", {
        "schemeIdUri": "urn:mpeg:dash:23003:3:audio_channel_configuration:2011",
        "value": str(audio.track.channels),
    })
    if protection:
        audio_set.extend(protection.content_protection("audio"))
    ET.SubElement(audio_set, "Role", {"schemeIdUri": "urn:mpeg:dash:role:2011", "value": "main"})
    _segment_template(audio_set, audio)
    ET.SubElement(audio_set, "Representation", {
        "id": audio.id, "codecs": audio.track.codec, "bandwidth": str(audio.peak_bps),
        "audioSamplingRate": str(audio.track.sample_rate),
    })
    ET.indent(mpd)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(mpd, encoding="unicode") + "\n"


def _ratio(width: int, height: int) -> str:
    g = math.gcd(width, height)
    return f"{width // g}:{height // g}"


def media_playlist(rendition: Rendition, key_tag: str | None = None) -> str:
    """An HLS v7 VOD media playlist of the rendition's segments (paths relative to its dir).

    ``key_tag`` (an ``EXT-X-KEY`` line) follows the ``EXT-X-MAP``: it covers the segments but
    not the init segment, which stays clear."""
    timescale = rendition.track.timescale
    durations = [s.duration / timescale for s in rendition.segments]
    target = max(math.floor(d + 0.5) for d in durations)  # EXTINF rounded must not exceed it
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        '#EXT-X-MAP:URI="init.mp4"',
        *([key_tag] if key_tag else []),
    ]
    for number, duration in enumerate(durations, start=1):
        lines += [f"#EXTINF:{duration:.6f},", f"{number}.m4s"]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def master_playlist(clip: ClipMedia) -> str:
    """The HLS master: one variant per video rendition, all sharing the audio group."""
    audio = clip.audio
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="{AUDIO_GROUP}",NAME="English",'
        f'LANGUAGE="{AUDIO_LANGUAGE}",DEFAULT=YES,AUTOSELECT=YES,'
        f'CHANNELS="{audio.track.channels}",URI="{audio.id}/{MEDIA_PLAYLIST}"',
    ]
    for rendition in clip.video:
        attrs = [
            f"BANDWIDTH={rendition.peak_bps + audio.peak_bps}",
            f"AVERAGE-BANDWIDTH={rendition.average_bps + audio.average_bps}",
            f"RESOLUTION={rendition.track.width}x{rendition.track.height}",
            f'CODECS="{rendition.track.codec},{audio.track.codec}"',
            f"FRAME-RATE={FRAME_RATE:.3f}",
            f'AUDIO="{AUDIO_GROUP}"',
        ]
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attrs), f"{rendition.id}/{MEDIA_PLAYLIST}"]
    return "\n".join(lines) + "\n"


def write_manifests(clip: ClipMedia, clip_dir: Path, protection: Protection | None = None) -> None:
    """Write manifest.mpd, master.m3u8 and every rendition's playlist.m3u8 (of a protected
    clip, those of the formats its protection is offered in)."""
    if protection is None or protection.has_dash:
        (clip_dir / "manifest.mpd").write_text(dash_manifest(clip, protection))
    if protection is None or protection.has_hls:
        (clip_dir / "master.m3u8").write_text(master_playlist(clip))
        for rendition in (*clip.video, clip.audio):
            key_tag = protection.hls_key_tag(rendition.track.kind) if protection else None
            (clip_dir / rendition.id / MEDIA_PLAYLIST).write_text(media_playlist(rendition, key_tag))
