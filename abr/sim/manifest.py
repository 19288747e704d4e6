"""Videos from DASH and HLS manifests, and :func:`read_video`, which accepts every video
description the command line does (offline tooling: reads files).

Segment sizes come from byte ranges where the manifest states them (DASH ``SegmentURL@mediaRange``,
HLS ``EXT-X-BYTERANGE``); elsewhere each segment is taken to weigh its rendition's nominal bitrate
times its duration. Only local files are read: a manifest is a description here, not a stream.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import m3u8

from abr.api import Rendition
from abr.sim.video import Video, VideoError, read_pensieve_sizes, read_sabre_video

_DURATION = re.compile(r"P(?:(?P<d>[\d.]+)D)?(?:T(?:(?P<h>[\d.]+)H)?(?:(?P<m>[\d.]+)M)?(?:(?P<s>[\d.]+)S)?)?$")


def _iso_duration(text: str, path: Path) -> float:
    match = _DURATION.match(text.strip())
    if not match:
        raise VideoError(f"{path}: bad ISO 8601 duration {text!r}")
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    return parts.get("d", 0) * 86400 + parts.get("h", 0) * 3600 + parts.get("m", 0) * 60 + parts.get("s", 0)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _is_video(adaptation: ET.Element) -> bool:
    kind = adaptation.get("contentType") or adaptation.get("mimeType", "")
    representations = [c for c in adaptation if _local(c.tag) == "Representation"]
    return kind.startswith("video") or any(r.get("width") for r in representations)


def read_dash(path: Path) -> Video:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise VideoError(f"{path}:{exc.position[0]}: invalid XML: {exc}") from None
    adaptations = [a for a in root.iter() if _local(a.tag) == "AdaptationSet" and _is_video(a)]
    if not adaptations:
        raise VideoError(f"{path}: no video AdaptationSet")
    adaptation = max(adaptations, key=len)
    reps = sorted((r for r in adaptation if _local(r.tag) == "Representation"),
                  key=lambda r: int(r.get("bandwidth", "0")))
    if not reps:
        raise VideoError(f"{path}: the video AdaptationSet has no Representation")
    total_s = _iso_duration(root.get("mediaPresentationDuration", "PT0S"), path)
    columns: list[list[int]] = []
    durations: list[float] = []
    for rep in reps:
        bitrate = int(rep.get("bandwidth", "0"))
        segment_list = _child(rep, "SegmentList") or _child(adaptation, "SegmentList")
        template = _child(rep, "SegmentTemplate") or _child(adaptation, "SegmentTemplate")
        if segment_list is not None and all(u.get("mediaRange") for u in segment_list if _local(u.tag) == "SegmentURL"):
            timescale = float(segment_list.get("timescale", "1"))
            seg_s = float(segment_list.get("duration", "0")) / timescale
            ranges = [u.get("mediaRange", "") for u in segment_list if _local(u.tag) == "SegmentURL"]
            column = []
            for text in ranges:
                start, _, end = text.partition("-")
                column.append(int(end) - int(start) + 1)
        elif template is not None and template.get("duration"):
            seg_s = float(template.get("duration", "0")) / float(template.get("timescale", "1"))
            count = math.ceil(total_s / seg_s - 1e-9) if seg_s > 0 else 0
            column = [round(bitrate * seg_s / 8)] * count
        elif template is not None and _child(template, "SegmentTimeline") is not None:
            timescale = float(template.get("timescale", "1"))
            spans = []
            for s in _child(template, "SegmentTimeline") or ():
                spans.extend([float(s.get("d", "0")) / timescale] * (int(s.get("r", "0")) + 1))
            seg_s = sum(spans) / len(spans) if spans else 0.0
            column = [round(bitrate * d / 8) for d in spans]
        else:
            raise VideoError(f"{path}: representation {rep.get('id')} has no segment list or template")
        if seg_s <= 0 or not column:
            raise VideoError(f"{path}: representation {rep.get('id')} has no segment duration or count")
        columns.append(column)
        durations.append(seg_s)
    count = min(len(c) for c in columns)
    ladder = tuple(Rendition(int(r.get("bandwidth", "0")), int(r.get("width", "0")), int(r.get("height", "0")))
                   for r in reps)
    return Video(path.stem, durations[0], ladder, tuple(tuple(c[k] for c in columns) for k in range(count)))


def read_hls(path: Path) -> Video:
    try:
        master = m3u8.load(str(path))
    except Exception as exc:  # m3u8 raises plain exceptions of several kinds on bad input
        raise VideoError(f"{path}: unreadable playlist: {exc}") from None
    if not master.is_variant:
        raise VideoError(f"{path}: a master playlist with variants is needed")
    variants = sorted(master.playlists, key=lambda p: p.stream_info.bandwidth)
    columns: list[list[int]] = []
    durations: list[float] = []
    ladder = []
    for variant in variants:
        media_path = path.parent / variant.uri
        if not media_path.is_file():
            raise VideoError(f"{path}: variant playlist {variant.uri} is not a local file")
        media = m3u8.load(str(media_path))
        bitrate = variant.stream_info.bandwidth
        column = []
        for segment in media.segments:
            if segment.byterange:
                column.append(int(segment.byterange.split("@")[0]))
            else:
                column.append(round(bitrate * segment.duration / 8))
        if not column:
            raise VideoError(f"{media_path}: no segments")
        columns.append(column)
        durations.append(sum(s.duration for s in media.segments) / len(media.segments))
        width, height = variant.stream_info.resolution or (0, 0)
        ladder.append(Rendition(bitrate, width, height))
    count = min(len(c) for c in columns)
    return Video(path.stem, durations[0], tuple(ladder), tuple(tuple(c[k] for c in columns) for k in range(count)))


def read_video(spec: str | Path) -> Video:
    """Pensieve size directory (or one of its files), Sabre JSON, or a DASH/HLS manifest."""
    path = Path(spec)
    if path.is_dir():
        return read_pensieve_sizes(path)
    if not path.is_file():
        raise VideoError(f"{path}: no such file or directory")
    if path.suffix == ".json":
        return read_sabre_video(path)
    if path.suffix == ".mpd":
        return read_dash(path)
    if path.suffix == ".m3u8":
        return read_hls(path)
    if re.fullmatch(r"video_size_\d+", path.name):
        return read_pensieve_sizes(path.parent)
    raise VideoError(f"{path}: unknown video description (expected a size directory, .json, .mpd or .m3u8)")
