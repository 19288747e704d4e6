"""One manifest model for DASH and HLS.

The scheduler, the ABR and the UI only ever see these types, so they never care which format a
title was published in. Everything is resolved at parse time: absolute URLs, byte ranges, segment
start times in seconds, so that the hot path does no string templating or XML walking.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Literal

TrackKind = Literal["video", "audio", "text"]


class ManifestError(ValueError):
    """A manifest that cannot be played: the message names what is wrong and where."""


@dataclass(frozen=True, slots=True)
class ByteRange:
    """An inclusive byte range, as HTTP ``Range`` and DASH ``mediaRange`` spell it."""

    first: int
    last: int

    @property
    def header(self) -> str:
        return f"bytes={self.first}-{self.last}"

    @property
    def length(self) -> int:
        return self.last - self.first + 1


@dataclass(frozen=True, slots=True)
class SegmentRef:
    """Where one segment's bytes live and which media time they cover."""

    url: str
    start_s: float = 0.0
    duration_s: float = 0.0
    number: int = 0
    byte_range: ByteRange | None = None
    key: SegmentKey | None = None
    init: SegmentRef | None = None
    """This segment's own init where it differs from its rendition's (a later DASH Period)."""
    discontinuity: bool = False
    """HLS ``EXT-X-DISCONTINUITY`` before this segment: its timestamps start afresh."""
    time_offset_s: float = 0.0
    """Add to the media's timestamps to get presentation time (Period start minus its
    ``presentationTimeOffset``): the remuxer applies it so the player sees one timeline."""
    gap: bool = False
    """HLS ``EXT-X-GAP``: the URL holds no media and must not be loaded. The scheduler takes the
    span from another rendition, or skips it when no rendition has media there."""

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


@dataclass(frozen=True, slots=True)
class Protection:
    """What a manifest says about a rendition's protection: the keys and where to get them.

    Init segments (``tenc``, ``pssh``) may name more KIDs; the player adds those when it sees them.
    """

    kids: tuple[bytes, ...] = ()
    license_url: str | None = None
    scheme: str = ""
    """``cenc``/``cbcs``/``cens``/``cbc1`` when the manifest says, else empty."""
    key_uri: str | None = None
    """HLS: where the key itself lives (``KEYFORMAT="identity"``), fetched like a segment."""


@dataclass(frozen=True, slots=True)
class SegmentKey:
    """HLS ``METHOD=AES-128``: the whole segment is AES-CBC encrypted with this key."""

    uri: str
    iv: bytes | None
    """None means the media sequence number, as RFC 8216 says."""


@dataclass(frozen=True, slots=True)
class Rendition:
    """One encoding of a track: a rung of the ladder."""

    id: str
    bandwidth_bps: int
    codecs: str
    segments: tuple[SegmentRef, ...]
    init: SegmentRef | None = None
    width: int = 0
    height: int = 0
    frame_rate: float = 0.0
    mime_type: str = ""
    protection: Protection | None = None
    index: SegmentRef | None = None
    """Where a segment index (``sidx``) still to be loaded lives; segments are empty until then."""
    _starts: tuple[float, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", tuple(s.start_s for s in self.segments))

    @property
    def label(self) -> str:
        """Human name used in events and the UI, e.g. ``720p 1850k``."""
        kbps = round(self.bandwidth_bps / 1000)
        return f"{self.height}p {kbps}k" if self.height else f"{kbps}k"

    def index_at(self, position_s: float) -> int:
        """Index of the segment that contains ``position_s`` (clamped to the available range)."""
        i = bisect.bisect_right(self._starts, position_s + 1e-6) - 1
        return min(max(i, 0), len(self.segments) - 1)


@dataclass(frozen=True, slots=True)
class Track:
    """A set of interchangeable renditions (a DASH AdaptationSet, an HLS group)."""

    kind: TrackKind
    renditions: tuple[Rendition, ...]
    """Ascending bandwidth, so ABR decisions are indexes into this tuple."""
    language: str = ""
    label: str = ""


@dataclass(frozen=True, slots=True)
class Manifest:
    url: str
    format: Literal["dash", "hls"]
    duration_s: float
    tracks: tuple[Track, ...]
    mirrors: tuple[tuple[str, ...], ...] = ()
    """Groups of equivalent base URLs (the first is the one segment URLs use): failover hosts."""
    live: bool = False
    """Still growing (a dynamic MPD, an HLS playlist without ``EXT-X-ENDLIST``): reload every
    ``refresh_s`` and join ``hold_back_s`` behind the live edge."""
    refresh_s: float = 0.0
    hold_back_s: float = 0.0

    @property
    def playlist_timeline(self) -> bool:
        """HLS: segment times come from the playlist, not from the media's own timestamps."""
        return self.format == "hls"

    def first(self, kind: TrackKind) -> Track | None:
        """The first track of a kind, in manifest order."""
        return next((t for t in self.tracks if t.kind == kind), None)
