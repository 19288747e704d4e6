"""Videos from DASH and HLS manifests, and :func:`read_video`, which accepts every video
description the command line does (offline tooling: reads files).

Segment sizes come from byte ranges where the manifest states them (DASH ``SegmentURL@mediaRange``,
HLS ``EXT-X-BYTERANGE``); elsewhere each segment is taken to weigh its rendition's nominal bitrate
times its duration. Only local files are read: a manifest is a description here, not a stream.
"""

from __future__ import annotations

import math
import re
import statistics
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import m3u8
import numpy as np

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


@dataclass(frozen=True)
class _PeriodVideo:
    """One period's video ladder (ascending), its segment sizes, ``columns[r][k]``, and segment
    durations (the lowest representation's; the others are cut alike)."""

    span_s: float | None
    durations: tuple[float, ...]
    representations: tuple[ET.Element, ...]
    columns: tuple[list[int], ...]

    @property
    def segment_s(self) -> float:
        return _typical(self.durations)

    @property
    def bitrates(self) -> list[int]:
        return [int(float(r.get("bandwidth", "0"))) for r in self.representations]  # checked by _period_video

    @property
    def count(self) -> int:
        """Segments every representation has."""
        return min(len(c) for c in self.columns)

    @property
    def duration_s(self) -> float:
        return sum(self.durations[: self.count]) if self.span_s is None else self.span_s


def _period_spans(periods: list[ET.Element], total_s: float, path: Path) -> list[float | None]:
    """Each period's duration: its ``duration``, else up to the next period's ``start``, else (the
    last) up to the end of the presentation; None where the MPD does not say (segment lists and
    timelines count their segments themselves). A period without ``start`` begins where the one
    before it ends."""
    def start_of(period: ET.Element) -> float | None:
        text = period.get("start")
        return None if text is None else _iso_duration(text, path)

    spans: list[float | None] = []
    begins: float | None = 0.0
    for index, period in enumerate(periods):
        own = start_of(period)
        begins = begins if own is None else own
        following = start_of(periods[index + 1]) if index + 1 < len(periods) else total_s
        span: float | None = None
        if period.get("duration") is not None:
            span = _iso_duration(period.get("duration", ""), path)
        elif following is not None and begins is not None and following > begins:
            span = following - begins
        spans.append(span)
        begins = None if begins is None or span is None else begins + span
    return spans


def _number(element: ET.Element, name: str, default: str, path: Path, *, positive: bool = False) -> float:
    """Attribute ``name`` of ``element`` as a number, or a VideoError that names the file, the element
    and the attribute: a damaged manifest must not end in a traceback or a division by zero."""
    text = element.get(name, default)
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        need = "a positive number" if positive else "a non-negative number"
        raise VideoError(f"{path}: {_local(element.tag)}@{name} is {text!r}, not {need}")
    return value


def _seconds(element: ET.Element, path: Path) -> float:
    """A ``SegmentList``'s or ``SegmentTemplate``'s segment duration in seconds."""
    return _number(element, "duration", "0", path) / _number(element, "timescale", "1", path, positive=True)


def _byte_count(media_range: str, path: Path) -> int:
    """Bytes of a ``first-last`` range."""
    match = re.fullmatch(r"\s*(\d+)-(\d+)\s*", media_range)
    if not match or int(match[2]) < int(match[1]):
        raise VideoError(f"{path}: SegmentURL@mediaRange is {media_range!r}, not a byte range first-last")
    return int(match[2]) - int(match[1]) + 1


def _column(rep: ET.Element, adaptation: ET.Element, period: ET.Element, span_s: float | None,
            path: Path) -> tuple[list[int], list[float]]:
    """Segment sizes and durations of one representation: sizes from byte ranges of a
    ``SegmentList`` where every segment has one, nominal bitrate times duration otherwise."""
    bitrate = _number(rep, "bandwidth", "", path, positive=True)
    segment_list = next((e for e in (_child(x, "SegmentList") for x in (rep, adaptation, period)) if e is not None), None)
    template = next((e for e in (_child(x, "SegmentTemplate") for x in (rep, adaptation, period)) if e is not None), None)
    if segment_list is not None and all(u.get("mediaRange") for u in segment_list if _local(u.tag) == "SegmentURL"):
        column = [_byte_count(u.get("mediaRange", ""), path) for u in segment_list if _local(u.tag) == "SegmentURL"]
        spans = [_seconds(segment_list, path)] * len(column)
    elif template is not None and template.get("duration"):
        if span_s is None:
            raise VideoError(f"{path}: period {period.get('id', '')!r} has no duration, so its segments cannot be counted")
        segment_s = _seconds(template, path)
        count = math.ceil(span_s / segment_s - 1e-9) if segment_s > 0 else 0
        column, spans = [round(bitrate * segment_s / 8)] * count, [segment_s] * count
    elif template is not None and _child(template, "SegmentTimeline") is not None:
        timescale = _number(template, "timescale", "1", path, positive=True)
        spans = []
        for entry in _child(template, "SegmentTimeline") or ():
            repeats = _repeats(entry, spans, span_s, timescale, path)
            spans.extend([_number(entry, "d", "", path, positive=True) / timescale] * repeats)
        column = [round(bitrate * d / 8) for d in spans]
    else:
        raise VideoError(f"{path}: representation {rep.get('id')} has no segment list or template")
    if not column or not all(d > 0 for d in spans):
        raise VideoError(f"{path}: representation {rep.get('id')} has no segment duration or count")
    return column, spans


def _repeats(entry: ET.Element, spans: list[float], span_s: float | None, timescale: float, path: Path) -> int:
    """How many segments a timeline ``S`` entry stands for: ``r`` repeats after the first, and
    ``r="-1"`` as many as fill the period (DASH's "until the next entry or the period's end")."""
    text = entry.get("r", "0")
    if text.strip() == "-1":
        if span_s is None:
            raise VideoError(f"{path}: S@r=\"-1\" in a period whose length is unknown")
        duration_s = _number(entry, "d", "", path, positive=True) / timescale
        return max(1, math.ceil((span_s - sum(spans)) / duration_s - 1e-9))
    return int(_number(entry, "r", "0", path)) + 1


def _period_video(period: ET.Element, span_s: float | None, path: Path) -> _PeriodVideo:
    adaptations = [a for a in period if _local(a.tag) == "AdaptationSet" and _is_video(a)]
    if not adaptations:
        raise VideoError(f"{path}: period {period.get('id', '')!r} has no video AdaptationSet")
    adaptation = max(adaptations, key=len)
    reps = sorted((r for r in adaptation if _local(r.tag) == "Representation"),
                  key=lambda r: _number(r, "bandwidth", "", path, positive=True))
    if not reps:
        raise VideoError(f"{path}: the video AdaptationSet has no Representation")
    columns, durations = zip(*(_column(rep, adaptation, period, span_s, path) for rep in reps))
    return _PeriodVideo(span_s, tuple(durations[0]), tuple(reps), columns)


def _typical(durations: Sequence[float]) -> float:
    """The grid a video is cut to: the longest duration at least half the segments reach (the upper
    median), so a short last segment or a few short ones around an ad do not set it."""
    return float(statistics.median_high(durations))


def _uniform(durations: Sequence[float], segment_s: float) -> bool:
    """Whether segments of ``durations`` already are ``segment_s`` long; the last may be shorter,
    as media rarely ends on a segment boundary."""
    *body, last = durations
    return all(math.isclose(d, segment_s, rel_tol=0.02) for d in body) and last <= segment_s * 1.02


def _regrid(sizes: Sequence[int], durations: Sequence[float], segment_s: float) -> list[int]:
    """Sizes of segments of ``durations`` re-cut into segments of ``segment_s``, because simulators
    assume one segment duration: each segment's bytes are spread evenly over its time and summed
    over the new ones. Bytes are kept exactly and the playing time to within half a segment (the
    last absorbs the remainder); only the points where the ABR decides move."""
    count = min(len(sizes), len(durations))
    own_bounds = np.concatenate(([0.0], np.cumsum(durations[:count], dtype=float)))
    total_s = float(own_bounds[-1])
    bounds = np.minimum(np.arange(max(1, round(total_s / segment_s)) + 1) * segment_s, total_s)
    bounds[-1] = total_s
    carried = np.concatenate(([0.0], np.cumsum(sizes[:count], dtype=float)))
    return [int(size) for size in np.diff(np.round(np.interp(bounds, own_bounds, carried)))]


def _recut(part: _PeriodVideo, segment_s: float) -> _PeriodVideo:
    """``part`` in segments of ``segment_s`` (see :func:`_regrid`)."""
    columns = tuple(_regrid(column, part.durations, segment_s) for column in part.columns)
    return replace(part, durations=(segment_s,) * len(columns[0]), columns=columns)


def read_dash(path: Path) -> Video:
    """A DASH MPD as one video. Several periods (pre-roll ads, chapters) play one after another, as
    the player plays them: the ladder is the longest period's (the first of equally long ones), and
    every other period fetches, for each rung, its highest representation that costs no more (its
    lowest where all cost more). A period whose segments are not of the longest period's typical
    duration is re-cut onto it (:func:`_regrid`): simulators assume one segment duration."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise VideoError(f"{path}:{exc.position[0]}: invalid XML: {exc}") from None
    periods = [p for p in root if _local(p.tag) == "Period"]
    if not periods:
        raise VideoError(f"{path}: no Period")
    total_s = _iso_duration(root.get("mediaPresentationDuration", "PT0S"), path)
    parts = [_period_video(p, span, path) for p, span in zip(periods, _period_spans(periods, total_s, path))]
    main = max(parts, key=lambda part: part.duration_s)
    parts = [part if _uniform(part.durations, main.segment_s) else _recut(part, main.segment_s) for part in parts]
    rows: list[tuple[int, ...]] = []
    for part in parts:
        picks = [max((i for i, b in enumerate(part.bitrates) if b <= rung), default=0) for rung in main.bitrates]
        rows.extend(tuple(part.columns[i][k] for i in picks) for k in range(part.count))
    ladder = tuple(Rendition(*(int(_number(r, name, "0", path)) for name in ("bandwidth", "width", "height")))
                   for r in main.representations)
    return Video(path.stem, main.segment_s, ladder, tuple(rows))


def _playlist(path: Path) -> m3u8.M3U8:
    try:
        return m3u8.load(str(path))
    except KeyError as exc:  # m3u8 indexes a tag's attributes without checking them
        raise VideoError(f"{path}: a tag lacks its {str(exc.args[0]).upper()} attribute") from None
    except Exception as exc:  # m3u8 raises plain exceptions of several kinds on bad input
        raise VideoError(f"{path}: unreadable playlist ({type(exc).__name__}: {exc})") from None


def read_hls(path: Path) -> Video:
    """A master playlist and its local variant playlists as one video; segments of unequal
    ``EXTINF`` are re-cut onto the typical duration (:func:`_regrid`)."""
    master = _playlist(path)
    if not master.is_variant:
        raise VideoError(f"{path}: a master playlist with variants is needed")
    for variant in master.playlists:
        if not variant.stream_info.bandwidth or variant.stream_info.bandwidth <= 0:
            raise VideoError(f"{path}: variant {variant.uri} has no positive BANDWIDTH")
    variants = sorted(master.playlists, key=lambda p: p.stream_info.bandwidth)
    columns: list[list[int]] = []
    durations: list[list[float]] = []
    ladder = []
    for variant in variants:
        media_path = path.parent / variant.uri
        if not media_path.is_file():
            raise VideoError(f"{path}: variant playlist {variant.uri} is not a local file")
        media = _playlist(media_path)
        bitrate = variant.stream_info.bandwidth
        column = []
        for segment in media.segments:
            if not segment.duration or segment.duration <= 0:
                raise VideoError(f"{media_path}: EXTINF {segment.duration!r} of {segment.uri} "
                                 "is not a positive duration")
            if segment.byterange:
                length = segment.byterange.split("@")[0]
                if not length.isdigit():
                    raise VideoError(f"{media_path}: EXT-X-BYTERANGE {segment.byterange!r} is not length[@offset]")
                column.append(int(length))
            else:
                column.append(round(bitrate * segment.duration / 8))
        if not column:
            raise VideoError(f"{media_path}: no segments")
        columns.append(column)
        durations.append([s.duration for s in media.segments])
        width, height = variant.stream_info.resolution or (0, 0)
        ladder.append(Rendition(bitrate, width, height))
    segment_s = _typical(durations[0])
    columns = [column if _uniform(spans, segment_s) else _regrid(column, spans, segment_s)
               for column, spans in zip(columns, durations)]
    count = min(len(c) for c in columns)
    return Video(path.stem, segment_s, tuple(ladder), tuple(tuple(c[k] for c in columns) for k in range(count)))


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
