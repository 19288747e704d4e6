"""HLS playlists to the manifest model, via the ``m3u8`` package.

A master playlist names media playlists that must be fetched before the presentation is known, so
parsing is split in two sans-I/O steps: :func:`media_playlist_urls` says what to fetch, and
:func:`parse_hls` builds the model from the master and the fetched media playlists. A media
playlist on its own is also accepted (one video-or-audio track of one rendition).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import m3u8

from drm.sources import KeySourceError, parse_hls_key

from player.manifest.model import (
    ByteRange,
    Manifest,
    ManifestError,
    Protection,
    Rendition,
    SegmentKey,
    SegmentRef,
    Track,
    TrackKind,
)


def _load(text: str, url: str) -> m3u8.M3U8:
    try:
        return m3u8.loads(text, uri=url)
    except KeyError as exc:
        raise ManifestError(f"{url}: malformed playlist (missing attribute {str(exc.args[0]).upper()})") from None
    except (ValueError, IndexError, AttributeError) as exc:
        raise ManifestError(f"{url}: malformed playlist ({exc})") from None


def media_playlist_urls(text: str, url: str) -> list[str]:
    """Absolute URLs of the media playlists a master playlist refers to ([] for a media playlist)."""
    playlist = _load(text, url)
    if not playlist.is_variant:
        return []
    urls = [urljoin(url, p.uri) for p in playlist.playlists]
    urls += [urljoin(url, m.uri) for m in playlist.media if m.uri and m.type in ("AUDIO", "VIDEO", "SUBTITLES")]
    return list(dict.fromkeys(urls))


def _byte_range(spec: str | None, next_offset: int, where: str) -> ByteRange | None:
    """``EXT-X-BYTERANGE``/``BYTERANGE``: ``length[@offset]``; no offset continues the previous."""
    if not spec:
        return None
    length, _, offset = spec.partition("@")
    try:
        first = int(offset) if offset else next_offset
        size = int(length)
    except ValueError:
        raise ManifestError(f"{where}: bad byte range {spec!r}") from None
    if size <= 0:
        raise ManifestError(f"{where}: empty byte range {spec!r}")
    return ByteRange(first, first + size - 1)


def _attribute_text(key: m3u8.Key) -> str:
    """The key tag's attribute list again, KEYID included (``m3u8`` keeps it aside)."""
    parts = [f"METHOD={key.method}"]
    if key.uri:
        parts.append(f'URI="{key.uri}"')
    if key.iv:
        parts.append(f"IV={key.iv}")
    if key.keyformat:
        parts.append(f'KEYFORMAT="{key.keyformat}"')
    keyid = key._extra_params.get("keyid")
    if keyid:
        parts.append(f"KEYID={keyid}")
    return ",".join(parts)


_GAP_TAG = "#EXT-X-GAP"


def _check_gap_tags(text: str, url: str) -> None:
    """``EXT-X-GAP`` has no value and applies to the segment URI after it. ``m3u8`` accepts any
    line that begins with the tag and drops one that no segment follows, so both are checked here."""
    if _GAP_TAG not in text:
        return
    pending: int | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith(_GAP_TAG):
            if line != _GAP_TAG:
                raise ManifestError(f"{url} line {number}: EXT-X-GAP takes no value, got {line!r}")
            pending = number
        elif line and not line.startswith("#"):
            pending = None
    if pending is not None:
        raise ManifestError(f"{url} line {pending}: EXT-X-GAP is followed by no segment URI")


def _key(key: m3u8.Key | None, url: str, where: str) -> tuple[SegmentKey | None, Protection | None]:
    """What an ``EXT-X-KEY`` means for the segments after it: a whole-segment AES-128 key, or
    sample protection (CENC on fMP4) with its key URI or ClearKey license server."""
    if key is None:
        return None, None
    try:
        parsed = parse_hls_key(_attribute_text(key))
        inline = parsed.data()
    except KeySourceError as exc:
        raise ManifestError(f"{where}: {exc}") from None
    if parsed.scheme is None:
        return None, None
    uri = urljoin(url, parsed.uri) if parsed.uri and inline is None else None
    if parsed.scheme == "aes-128":
        if uri is None:
            raise ManifestError(f"{where}: METHOD=AES-128 needs a key URL")
        return SegmentKey(uri, parsed.iv), None
    kids = (parsed.kid,) if parsed.kid else ()
    if parsed.identity:
        if uri is None:
            raise ManifestError(f"{where}: KEYFORMAT identity needs a key URL")
        return None, Protection(kids, scheme=parsed.scheme, key_uri=uri)
    if parsed.clearkey:
        if inline is not None and len(inline) == 16 and not kids:
            kids = (inline,)
        return None, Protection(kids, scheme=parsed.scheme, license_url=uri)
    raise ManifestError(f"{where}: KEYFORMAT {parsed.keyformat!r} is not supported (identity or ClearKey)")


def _segments(
    text: str, url: str
) -> tuple[SegmentRef | None, tuple[SegmentRef, ...], bool, Protection | None]:
    """Init segment, segments, whether the playlist is complete (``EXT-X-ENDLIST``), and the
    sample protection its keys announce."""
    playlist = _load(text, url)
    if playlist.is_variant:
        raise ManifestError(f"{url}: expected a media playlist, got a master playlist")
    if not playlist.segments:
        raise ManifestError(f"{url}: media playlist has no segments")
    _check_gap_tags(text, url)
    if playlist.is_endlist and all(seg.gap_tag for seg in playlist.segments):
        # (A live window may be all gaps while its encoder is down; :func:`_joinable` judges those.)
        raise ManifestError(f"{url}: every segment of the media playlist is an EXT-X-GAP, none has media")
    init: SegmentRef | None = None
    segments: list[SegmentRef] = []
    start = 0.0
    next_offset: dict[str, int] = {}
    sequence = playlist.media_sequence or 0
    protection: Protection | None = None
    for i, seg in enumerate(playlist.segments):
        where = f"{url} segment {i} ({seg.uri})"
        segment_key, sample_protection = _key(seg.key, url, where)
        protection = protection or sample_protection
        if seg.duration is None or seg.duration < 0:
            raise ManifestError(f"{where}: missing or negative EXTINF duration")
        if init is None and seg.init_section is not None:
            section = seg.init_section
            init = SegmentRef(urljoin(url, section.uri), byte_range=_byte_range(section.byterange, 0, where))
        absolute = urljoin(url, seg.uri)
        rng = _byte_range(seg.byterange, next_offset.get(absolute, 0), where)
        if rng is not None:
            next_offset[absolute] = rng.last + 1
        segments.append(SegmentRef(absolute, start, float(seg.duration), sequence + i, rng, segment_key,
                                   discontinuity=bool(seg.discontinuity), gap=bool(seg.gap_tag)))
        start += float(seg.duration)
    return init, tuple(segments), bool(playlist.is_endlist), protection


@dataclass
class _Parse:
    """What one parse learns besides the renditions: whether a playlist is live, how often to
    reload, and the previous parse's renditions to keep segment times stable across reloads."""

    previous: Mapping[str, Rendition]
    live: bool = False
    target_s: float = 0.0


def _anchored(segments: tuple[SegmentRef, ...], previous: Rendition | None) -> tuple[SegmentRef, ...]:
    """Segment times continuing the previous load's: a live playlist's window slides, so times are
    pinned by media sequence number, not by position in the list."""
    if previous is None or not previous.segments or not segments:
        return segments
    known = {s.number: s.start_s for s in previous.segments}
    common = next((s for s in segments if s.number in known), None)
    if common is not None:
        shift = known[common.number] - common.start_s
    else:  # the window moved past everything we knew: continue after it
        last = previous.segments[-1]
        gap = max(segments[0].number - last.number - 1, 0) * last.duration_s
        shift = last.end_s + gap - segments[0].start_s
    return tuple(dataclasses.replace(s, start_s=s.start_s + shift) for s in segments)


def _rendition(rid: str, bandwidth: int, codecs: str, text: str, url: str, parse: _Parse, info: Any = None,
               session: Protection | None = None) -> Rendition:
    init, segments, complete, protection = _segments(text, url)
    if not complete:
        parse.live = True
        parse.target_s = max(parse.target_s, _load(text, url).target_duration or 0.0)
    segments = _anchored(segments, parse.previous.get(rid))
    width, height = (info.resolution if info is not None and info.resolution else (0, 0))
    return Rendition(
        id=rid, bandwidth_bps=bandwidth, codecs=codecs, segments=segments, init=init,
        width=width, height=height, frame_rate=float(info.frame_rate or 0) if info is not None else 0.0,
        protection=protection or session,
    )


def _codec_kinds(codecs: str) -> set[str]:
    kinds = set()
    for codec in filter(None, (c.strip().lower() for c in codecs.split(","))):
        kinds.add("audio" if codec.startswith(("mp4a", "ac-3", "ec-3", "opus", "flac")) else "video")
    return kinds


def parse_hls(text: str, url: str, playlists: Mapping[str, str], previous: Manifest | None = None) -> Manifest:
    """Build the model from a master (or media) playlist and its fetched media playlists;
    ``previous`` is the last load of the same live presentation, whose segment times carry on."""
    parse = _Parse({r.id: r for t in previous.tracks for r in t.renditions} if previous else {})
    master = _load(text, url)
    if not master.is_variant:
        rendition = _rendition("0", 0, "", text, url, parse)
        track = Track("video", (rendition,))
        return _joinable(Manifest(url, "hls", rendition.segments[-1].end_s, (track,), live=parse.live,
                                  refresh_s=parse.target_s, hold_back_s=3 * parse.target_s), previous)

    def media_text(uri: str) -> tuple[str, str]:
        absolute = urljoin(url, uri)
        if absolute not in playlists:
            raise ManifestError(f"{url}: media playlist {uri} was not loaded")
        return playlists[absolute], absolute

    session: Protection | None = None
    for i, key in enumerate(master.session_keys):
        _, session = _key(key, url, f"{url} EXT-X-SESSION-KEY #{i}")
        if session is not None:
            break
    video: list[Rendition] = []
    audio_only: list[Rendition] = []
    for i, variant in enumerate(master.playlists):
        info = variant.stream_info
        if not info.bandwidth:
            raise ManifestError(f"{url}: EXT-X-STREAM-INF #{i} has no BANDWIDTH")
        codecs = info.codecs or ""
        body, absolute = media_text(variant.uri)
        rendition = _rendition(str(i), int(info.bandwidth), codecs, body, absolute, parse, info, session)
        kinds = _codec_kinds(codecs)
        (audio_only if kinds == {"audio"} else video).append(rendition)
    tracks: list[Track] = []
    if video:
        tracks.append(Track("video", tuple(sorted(video, key=lambda r: r.bandwidth_bps))))
    groups: dict[tuple[str, str], list[Rendition]] = {}
    labels: dict[tuple[str, str], str] = {}
    for m in master.media:
        if m.type != "AUDIO" or not m.uri:
            continue
        body, absolute = media_text(m.uri)
        key = (m.language or "", m.group_id or "")
        groups.setdefault(key, []).append(
            _rendition(f"{m.group_id}:{m.name}", 0, "", body, absolute, parse, session=session))
        labels[key] = m.name or ""
    for key, renditions in groups.items():
        tracks.append(Track("audio", tuple(renditions), language=key[0], label=labels[key]))
    for m in master.media:
        if m.type == "SUBTITLES" and m.uri:
            body, absolute = media_text(m.uri)
            rendition = _rendition(f"{m.group_id}:{m.name}", 0, "", body, absolute, parse)
            tracks.append(Track("text", (rendition,), language=m.language or "", label=m.name or ""))
    if audio_only and not groups:
        tracks.append(Track("audio", tuple(sorted(audio_only, key=lambda r: r.bandwidth_bps))))
    if not tracks:
        raise ManifestError(f"{url}: master playlist has no variants")
    duration = max(t.renditions[0].segments[-1].end_s for t in tracks)
    kind_order: dict[TrackKind, int] = {"video": 0, "audio": 1, "text": 2}
    return _joinable(Manifest(url, "hls", duration, tuple(sorted(tracks, key=lambda t: kind_order[t.kind])),
                              live=parse.live, refresh_s=parse.target_s, hold_back_s=3 * parse.target_s), previous)


def _joinable(manifest: Manifest, previous: Manifest | None) -> Manifest:
    """``manifest``, unless it is a live presentation being joined whose main track has no media
    in its window at all (every segment an ``EXT-X-GAP``): there is nothing to start from. A
    reload of a stream already playing may be all gaps while its encoder is down; the player
    holds the picture and carries on when media returns."""
    main = manifest.tracks[0]
    if manifest.live and previous is None and all(s.gap for r in main.renditions for s in r.segments):
        raise ManifestError(f"{manifest.url}: the live stream has no media right now: every segment in its "
                            "window is an EXT-X-GAP")
    return manifest
