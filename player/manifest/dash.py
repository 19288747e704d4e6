"""DASH MPD to the manifest model, via ``mpegdash``'s DOM.

Handled here: BaseURL at every level (the first of several; the others are failover hosts),
SegmentTemplate inherited attribute by attribute from Period to AdaptationSet to Representation,
``$RepresentationID$``/``$Number$``/``$Time$``/``$Bandwidth$`` with ``%0Nd`` widths,
SegmentTimeline with repeats (``r="-1"`` included), fixed-duration templates and SegmentList.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
import time
from dataclasses import dataclass
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin
from xml.parsers.expat import ExpatError

from mpegdash.parser import MPEGDASHParser

from drm.sources import KeySourceError, dash_protection

from player.manifest.model import (
    ByteRange,
    Manifest,
    ManifestError,
    Protection,
    Rendition,
    SegmentRef,
    Track,
    TrackKind,
)

_ISO_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_TEMPLATE_VAR = re.compile(r"\$(RepresentationID|Number|Time|Bandwidth|SubNumber)(%0\d+d)?\$|\$\$")
DEFAULT_LIVE_REFRESH_S = 2.0
_SIDECAR_TEXT = frozenset({"text/vtt", "application/ttml+xml"})
_TEMPLATE_ATTRS = (
    "media", "initialization", "timescale", "duration", "start_number", "presentation_time_offset",
    "segment_timelines",
)


def parse_duration(text: str | None, where: str) -> float | None:
    """ISO 8601 duration (``PT1M30.5S``) in seconds; years and months are not valid in an MPD."""
    if text is None:
        return None
    m = _ISO_DURATION.match(text.strip())
    if not m:
        raise ManifestError(f"{where}: bad ISO 8601 duration {text!r}")
    d, h, mi, s = (float(m.group(k) or 0) for k in ("d", "h", "m", "s"))
    return ((d * 24 + h) * 60 + mi) * 60 + s


def expand_template(template: str, *, rep_id: str, bandwidth: int, number: int = 0, time: int = 0) -> str:
    """Substitute DASH template identifiers (ISO/IEC 23009-1 5.3.9.4.4)."""
    values = {"RepresentationID": rep_id, "Number": number, "Time": time, "Bandwidth": bandwidth}

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        value = values.get(m.group(1))
        if value is None:
            raise ManifestError(f"template {template!r}: ${m.group(1)}$ is not supported")
        fmt = m.group(2)
        return (fmt % value) if fmt and not isinstance(value, str) else str(value)

    return _TEMPLATE_VAR.sub(sub, template)


def _first(nodes: list[Any] | None) -> Any | None:
    return nodes[0] if nodes else None


def _base_url(parent: str, node: Any) -> str:
    base = _first(getattr(node, "base_urls", None))
    if base is None or not base.base_url_value:
        return parent
    return urljoin(parent, base.base_url_value.strip())


def _merged_template(levels: Iterable[Any]) -> dict[str, Any] | None:
    """SegmentTemplate attributes, each taken from the innermost level that sets it."""
    merged: dict[str, Any] = {}
    found = False
    for node in levels:
        template = _first(getattr(node, "segment_templates", None))
        if template is None:
            continue
        found = True
        for attr in _TEMPLATE_ATTRS:
            value = getattr(template, attr)
            if value is not None:
                merged[attr] = value
    return merged if found else None


def _byte_range(text: str | None, where: str) -> ByteRange | None:
    if not text:
        return None
    first, sep, last = text.partition("-")
    if not sep or not first.isdigit() or not last.isdigit() or int(last) < int(first):
        raise ManifestError(f"{where}: bad byte range {text!r}")
    return ByteRange(int(first), int(last))


@dataclass(frozen=True, slots=True)
class Period:
    """One Period's place on the presentation timeline and its tracks."""

    start_s: float
    duration_s: float
    tracks: tuple[Track, ...]


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed MPD before its periods are joined (SegmentBase indexes may still be loading)."""

    url: str
    duration_s: float
    periods: tuple[Period, ...]
    mirrors: tuple[tuple[str, ...], ...] = ()
    live: bool = False
    refresh_s: float = 0.0
    hold_back_s: float = 0.0


PeriodTiming = tuple[float, float, "float | None"]
"""(start, length, live window): a Period's place on the timeline. For a live (dynamic) MPD the
length is how much of the Period is available now and the window is the time-shift buffer depth
(``inf`` without one); for a static MPD the window is None."""


def _timing(tpl: dict[str, Any], period: PeriodTiming) -> tuple[float, float, int, int, float]:
    """(period start, period length, timescale, presentationTimeOffset, the offset from media
    time to presentation time) of a SegmentTemplate in a period."""
    period_start, period_s, _ = period
    timescale = tpl.get("timescale") or 1
    pto = tpl.get("presentation_time_offset") or 0
    return period_start, period_s, timescale, pto, period_start - pto / timescale


def _timeline_segments(
    tpl: dict[str, Any], base: str, rep: Any, period: PeriodTiming, where: str
) -> list[SegmentRef]:
    _, period_s, timescale, pto, offset = _timing(tpl, period)
    number = tpl.get("start_number")
    number = 1 if number is None else number
    entries = tpl["segment_timelines"][0].Ss or []
    segments: list[SegmentRef] = []
    t = 0
    for i, s in enumerate(entries):
        if s.d is None or s.d <= 0:
            raise ManifestError(f"{where}: SegmentTimeline S[{i}] has no positive d")
        t = s.t if s.t is not None else t
        repeat = s.r or 0
        if repeat < 0:
            next_t = entries[i + 1].t if i + 1 < len(entries) else None
            end = next_t if next_t is not None else pto + period_s * timescale
            repeat = max(math.ceil((end - t) / s.d) - 1, 0)
        for _ in range(repeat + 1):
            url = expand_template(tpl["media"], rep_id=rep.id, bandwidth=rep.bandwidth, number=number, time=t)
            segments.append(SegmentRef(urljoin(base, url), t / timescale + offset, s.d / timescale, number,
                                       time_offset_s=offset))
            t += s.d
            number += 1
    window = period[2]
    if window is not None:  # live: only what the time-shift window still holds
        oldest = period[0] + period_s - window
        segments = [seg for seg in segments if seg.end_s > oldest]
    return segments


def _numbered_segments(
    tpl: dict[str, Any], base: str, rep: Any, period: PeriodTiming, where: str
) -> list[SegmentRef]:
    period_start, period_s, timescale, pto, offset = _timing(tpl, period)
    window = period[2]
    duration = tpl.get("duration")
    if not duration:
        raise ManifestError(f"{where}: SegmentTemplate has neither SegmentTimeline nor duration")
    if not period_s:
        raise ManifestError(f"{where}: presentation duration unknown, cannot count segments")
    seg_s = duration / timescale
    start = tpl.get("start_number")
    start = 1 if start is None else start
    if window is None:
        first, count = 0, math.ceil(period_s / seg_s - 1e-9)
    else:  # live: the segments complete by now, within the time-shift window
        count = math.floor(period_s / seg_s + 1e-9)
        first = max(0, math.floor((period_s - window) / seg_s)) if math.isfinite(window) else 0
    out = []
    for k in range(first, count):
        url = expand_template(
            tpl["media"], rep_id=rep.id, bandwidth=rep.bandwidth, number=start + k, time=pto + k * duration
        )
        out.append(SegmentRef(urljoin(base, url), period_start + k * seg_s, min(seg_s, period_s - k * seg_s),
                              start + k, time_offset_s=offset))
    return out


def _list_segments(
    seg_list: Any, base: str, period: PeriodTiming, where: str
) -> tuple[SegmentRef | None, list[SegmentRef]]:
    period_start, period_s, _ = period
    timescale = seg_list.timescale or 1
    duration = (seg_list.duration or 0) / timescale
    offset = period_start - (seg_list.presentation_time_offset or 0) / timescale
    init_node = _first(seg_list.initializations)
    init = None
    if init_node is not None:
        init = SegmentRef(urljoin(base, init_node.source_url or ""), byte_range=_byte_range(init_node.range, where))
    out = []
    start = seg_list.start_number or 1
    for k, su in enumerate(seg_list.segment_urls or []):
        out.append(
            SegmentRef(
                urljoin(base, su.media or ""), period_start + k * duration, duration or period_s, start + k,
                _byte_range(su.media_range, f"{where}/SegmentURL[{k}]"), time_offset_s=offset,
            )
        )
    return init, out


def _kind(adaptation: Any, rep: Any) -> TrackKind | None:
    content_type = adaptation.content_type or ""
    mime = rep.mime_type or adaptation.mime_type or ""
    codecs = (rep.codecs or adaptation.codecs or "").lower()
    for kind in ("video", "audio", "text"):
        if content_type == kind or mime.startswith(kind + "/"):
            return kind  # type: ignore[return-value]
    if mime == "application/mp4" or codecs.startswith(("wvtt", "stpp")):
        return "text"
    if codecs.startswith(("avc", "hvc", "hev", "vp0", "vp9", "av01")):
        return "video"
    if codecs.startswith(("mp4a", "ac-3", "ec-3", "opus", "flac")):
        return "audio"
    return None


def _frame_rate(text: str | None) -> float:
    if not text:
        return 0.0
    num, _, den = text.partition("/")
    try:
        return float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return 0.0


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in element if _local(c.tag) == name]


def _protection(elements: list[ET.Element], base: str, where: str) -> Protection | None:
    """ContentProtection descriptors (read by :func:`drm.sources.dash_protection`) in the model."""
    try:
        found = dash_protection(elements)
    except KeySourceError as exc:
        raise ManifestError(f"{where}: {exc}") from None
    if found is None:
        return None
    license_url = urljoin(base, found.license_url) if found.license_url else None
    return Protection(kids=found.kids, license_url=license_url, scheme=found.scheme or "")


def _rendition(period: Any, adaptation: Any, rep: Any, base: str, timing: PeriodTiming, where: str,
               protection: Protection | None = None) -> Rendition:
    if not rep.id or rep.bandwidth is None:
        raise ManifestError(f"{where}: Representation needs id and bandwidth")
    if rep.bandwidth <= 0:
        raise ManifestError(f"{where}: Representation@bandwidth is {rep.bandwidth}, not a positive number")
    base = _base_url(base, rep)
    tpl = _merged_template((period, adaptation, rep))
    init: SegmentRef | None = None
    index: SegmentRef | None = None
    if tpl is not None:
        if not tpl.get("media"):
            raise ManifestError(f"{where}: SegmentTemplate without media")
        if tpl.get("initialization"):
            init_url = expand_template(tpl["initialization"], rep_id=rep.id, bandwidth=rep.bandwidth)
            init = SegmentRef(urljoin(base, init_url))
        if tpl.get("segment_timelines"):
            segments = _timeline_segments(tpl, base, rep, timing, where)
        else:
            segments = _numbered_segments(tpl, base, rep, timing, where)
    elif (seg_list := _first(rep.segment_lists) or _first(adaptation.segment_lists)) is not None:
        init, segments = _list_segments(seg_list, base, timing, where)
    elif (seg_base := _first(rep.segment_bases) or _first(adaptation.segment_bases)) is not None:
        if not seg_base.index_range:
            raise ManifestError(f"{where}: SegmentBase without indexRange")
        init_node = _first(seg_base.initializations)
        if init_node is not None:
            init_url = urljoin(base, init_node.source_url) if init_node.source_url else base
            init = SegmentRef(init_url, byte_range=_byte_range(init_node.range, where))
        offset = timing[0] - (seg_base.presentation_time_offset or 0) / (seg_base.timescale or 1)
        index = SegmentRef(base, timing[0], timing[1], byte_range=_byte_range(seg_base.index_range, where),
                           time_offset_s=offset)
        segments = []
    elif (rep.mime_type or adaptation.mime_type or "") in _SIDECAR_TEXT:
        segments = [SegmentRef(base, timing[0], timing[1], time_offset_s=timing[0])]  # one whole file
    else:
        raise ManifestError(f"{where}: no SegmentTemplate, SegmentList or SegmentBase")
    if not segments and index is None and timing[2] is None:  # (live: none complete yet, or slid out)
        raise ManifestError(f"{where}: no segments")
    return Rendition(
        id=rep.id,
        bandwidth_bps=rep.bandwidth,
        codecs=rep.codecs or adaptation.codecs or "",
        segments=tuple(segments),
        init=init,
        width=rep.width or adaptation.width or 0,
        height=rep.height or adaptation.height or 0,
        frame_rate=_frame_rate(rep.frame_rate or adaptation.frame_rate),
        mime_type=rep.mime_type or adaptation.mime_type or "",
        protection=protection,
        index=index,
    )


def parse_mpd(text: str, url: str, now: float | None = None) -> Document:
    """Parse an MPD: every Period with its tracks, placed on the presentation timeline.

    A dynamic (live) MPD lists only the segments available at ``now`` (seconds since the epoch)
    within its time-shift buffer, counted from ``availabilityStartTime``.
    """
    try:
        tree = ET.fromstring(text.encode() if isinstance(text, str) else text)
    except ET.ParseError as exc:
        raise ManifestError(f"{url}: not a well-formed MPD ({exc})") from None
    _check_numbers(tree, url)
    try:
        mpd = MPEGDASHParser.parse(text)
    except (ExpatError, ET.ParseError, ValueError, TypeError, AttributeError, IndexError) as exc:
        raise ManifestError(f"{url}: not a well-formed MPD ({exc})") from None
    live = mpd.type == "dynamic"
    available_s: float | None = None
    window: float | None = None
    if live:
        available_s = (time.time() if now is None else now) - _datetime(mpd.availability_start_time, url)
        window = parse_duration(mpd.time_shift_buffer_depth, f"{url} MPD@timeShiftBufferDepth") or math.inf
    if not mpd.periods:
        raise ManifestError(f"{url}: MPD has no Period")
    duration = parse_duration(mpd.media_presentation_duration, f"{url} MPD@mediaPresentationDuration")
    period_elements = _children(tree, "Period")
    starts: list[float | None] = []
    for p, period in enumerate(mpd.periods):
        start = parse_duration(period.start, f"{url} Period[{p}]@start")
        if start is None and p > 0:
            previous = parse_duration(mpd.periods[p - 1].duration, f"{url} Period[{p - 1}]@duration")
            start = (starts[-1] + previous) if starts[-1] is not None and previous is not None else None
        if start is None and p > 0:
            raise ManifestError(f"{url} Period[{p}]: neither its start nor the previous period's duration is known")
        starts.append(start or 0.0)
    base = _base_url(url, mpd)
    periods = []
    for p, period in enumerate(mpd.periods):
        start = starts[p] or 0.0
        if available_s is not None and start >= available_s:
            continue  # live: a period announced ahead holds nothing yet
        end = starts[p + 1] if p + 1 < len(starts) else None
        own = parse_duration(period.duration, f"{url} Period[{p}]@duration")
        length = own if own is not None else (end - start if end is not None else (duration or 0.0) - start)
        if available_s is not None:  # live: only what exists by now
            length = min(length, available_s - start) if own is not None or end is not None else available_s - start
        where = f"{url} Period[{p}]" if len(mpd.periods) > 1 else url
        periods.append(Period(start, max(length, 0.0), _period_tracks(
            period, period_elements[p], _base_url(base, period), (start, max(length, 0.0), window), where)))
    if live:
        # Periods wholly behind the time-shift window hold nothing any more.
        periods = [p for p in periods if any(t.renditions[0].segments for t in p.tracks)]
        if not periods:
            raise ManifestError(f"{url}: the live stream has no media right now")
        duration = max((t.renditions[0].segments[-1].end_s for p in periods for t in p.tracks
                        if t.renditions[0].segments), default=0.0)
    elif not duration:
        duration = periods[-1].start_s + periods[-1].duration_s
    mirrors = tuple(b.base_url_value.strip() for b in (mpd.base_urls or []) if b.base_url_value)
    groups = (tuple(urljoin(url, b) for b in mirrors),) if len(mirrors) > 1 else ()
    if not live:
        return Document(url, duration, tuple(periods), groups)
    refresh = parse_duration(mpd.minimum_update_period, f"{url} MPD@minimumUpdatePeriod") or DEFAULT_LIVE_REFRESH_S
    delay = parse_duration(mpd.suggested_presentation_delay, f"{url} MPD@suggestedPresentationDelay")
    longest = max((s.duration_s for p in periods for t in p.tracks for s in t.renditions[0].segments), default=refresh)
    return Document(url, duration, tuple(periods), groups, live=True, refresh_s=refresh,
                    hold_back_s=delay if delay is not None else 3 * longest)


_WHOLE_NUMBERS = {
    "AdaptationSet": ("width", "height"),
    "Representation": ("bandwidth", "width", "height"),
    "SegmentTemplate": ("timescale", "duration", "startNumber", "presentationTimeOffset"),
    "SegmentList": ("timescale", "duration", "startNumber", "presentationTimeOffset"),
    "SegmentBase": ("timescale", "presentationTimeOffset"),
    "S": ("t", "d"),
}
"""Attributes the MPD schema makes unsigned integers (``S@r`` may be -1). Checked before
``mpegdash`` reads them, whose own error ("invalid literal for int()") names neither."""


def _check_numbers(tree: ET.Element, url: str) -> None:
    """A ManifestError naming the element and attribute of the first number that is not one."""
    for element in tree.iter():
        tag = _local(element.tag)
        for name in _WHOLE_NUMBERS.get(tag, ()):
            text = element.get(name)
            if text is not None and not text.strip().isdigit():
                raise ManifestError(f"{url}: {tag}@{name} is {text!r}, not a whole number")
        repeat = element.get("r") if tag == "S" else None
        if repeat is not None and not repeat.strip().removeprefix("-").isdigit():
            raise ManifestError(f"{url}: S@r is {repeat!r}, not a whole number")


def _datetime(text: str | None, url: str) -> float:
    """``availabilityStartTime`` (xs:dateTime, UTC when it names no zone) in epoch seconds."""
    if not text:
        raise ManifestError(f"{url}: a dynamic MPD needs availabilityStartTime")
    try:
        moment = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ManifestError(f"{url}: bad availabilityStartTime {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def _period_tracks(period: Any, element: ET.Element, base: str, timing: PeriodTiming,
                   url: str) -> tuple[Track, ...]:
    adaptation_elements = _children(element, "AdaptationSet")
    tracks: list[Track] = []
    for a, adaptation in enumerate(period.adaptation_sets or []):
        where = f"{url} AdaptationSet[{a}]"
        a_base = _base_url(base, adaptation)
        reps = adaptation.representations or []
        if not reps:
            raise ManifestError(f"{where}: no Representation")
        kind = _kind(adaptation, reps[0])
        if kind is None:
            continue  # an AdaptationSet we cannot classify (e.g. images) is not played
        a_element = adaptation_elements[a]
        a_protection = _children(a_element, "ContentProtection")
        rep_elements = _children(a_element, "Representation")
        renditions = [
            _rendition(
                period, adaptation, rep, a_base, timing, f"{where}/Representation[{r}]",
                _protection(a_protection + _children(rep_elements[r], "ContentProtection"), a_base,
                            f"{where}/Representation[{r}]"),
            )
            for r, rep in enumerate(reps)
        ]
        renditions.sort(key=lambda r: r.bandwidth_bps)
        tracks.append(Track(kind, tuple(renditions), language=adaptation.lang or "", label=adaptation.label or ""))
    if not any(t.kind in ("video", "audio") for t in tracks):
        raise ManifestError(f"{url}: no audio or video AdaptationSet")
    return tuple(tracks)


def to_manifest(document: Document, previous: Manifest | None = None) -> Manifest:
    """Join the periods into one continuous presentation, played back to back.

    The ABR chooses from one ladder for the whole presentation: the longest period's (the first
    of them), since that is where most of the viewing happens; a pre-roll ad with a short ladder
    must not cap the title after it. Each of its tracks continues in the track of the same kind
    and language of every other period, and each rung there in the rendition that costs no more
    (:func:`_partner`), so a period with another ladder (an ad break, a differently encoded
    chapter) never makes the player fetch more bits than the ABR chose. Every segment carries
    its period's init and timestamp offset, so the remuxer treats a period boundary like a
    rendition switch.

    A live reload (``previous``, the last load) keeps the previous tracks and ladder whatever
    periods the window now holds: the scheduler and the ABR keep choosing among the same rungs
    while periods slide in and out of the window.
    """
    live = {"live": document.live, "refresh_s": document.refresh_s, "hold_back_s": document.hold_back_s}
    if document.live and previous is not None:
        tracks = tuple(_joined(track, document.periods) for track in previous.tracks)
    elif len(document.periods) == 1:
        tracks = document.periods[0].tracks
    else:
        main = max(document.periods, key=lambda p: p.duration_s)
        tracks = tuple(_joined(track, document.periods, main) for track in main.tracks)
    return Manifest(document.url, "dash", document.duration_s, tracks, document.mirrors, **live)


def _joined(track: Track, periods: tuple[Period, ...], home: Period | None = None) -> Track:
    """``track`` (of period ``home``, or of an earlier load) with every rung's segments taken from
    each period in turn: its own in ``home``, its partner's elsewhere."""
    chain = [track if period is home else _continuation(track, period) for period in periods]
    renditions = []
    for rendition in track.renditions:
        segments: list[SegmentRef] = []
        for part in chain:
            if part is None:
                continue
            partner = rendition if part is track else _partner(rendition, part)
            segments.extend(dataclasses.replace(s, init=s.init or partner.init) for s in partner.segments)
        renditions.append(dataclasses.replace(rendition, segments=tuple(segments)))
    return dataclasses.replace(track, renditions=tuple(renditions))


def _partner(rendition: Rendition, track: Track) -> Rendition:
    """The rendition of ``track`` (another period's) that plays where ``rendition`` was chosen:
    the same representation where the period has it (a live window reloaded), else the highest
    whose bandwidth is not above it, or the lowest when all are."""
    same = next((r for r in track.renditions if r.id == rendition.id and r.bandwidth_bps == rendition.bandwidth_bps), None)
    if same is not None:
        return same
    fitting = [r for r in track.renditions if r.bandwidth_bps <= rendition.bandwidth_bps]
    return fitting[-1] if fitting else track.renditions[0]


def _continuation(track: Track, period: Period) -> Track | None:
    same_kind = [t for t in period.tracks if t.kind == track.kind]
    return next((t for t in same_kind if t.language == track.language), same_kind[0] if same_kind else None)
