"""Remux-light: segments of any rendition joined into one continuous fragmented MP4 per track.

mpv gets one init segment per stream: ffmpeg's MP4 demuxer ignores a second ``moov``. So at a
rendition switch the new rendition's media must be made to fit the first init:

* its parameter sets (SPS/PPS, and VPS for HEVC) travel in band, prepended to the first sample
  after the switch, so the decoder reconfigures (resolution, profile) without a new ``avcC``;
* its ``track_ID`` is renumbered to the first init's;
* its timescale is rescaled to the first init's (decode times, durations, composition offsets);
* its NAL length prefixes are rewritten if its length size differs from the first init's.

Segments of the rendition that the stream started with pass through untouched: the common case
costs nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from drm import bmff


class RemuxError(ValueError):
    """Media that cannot be joined into the stream (malformed boxes, incompatible codecs)."""


@dataclass(frozen=True, slots=True)
class _TrackFormat:
    track_id: int
    timescale: int
    codec: str
    length_size: int
    parameter_sets: bytes
    """In-band form (length-prefixed NAL units, in the base stream's length size)."""
    init: bmff.InitSegment
    """The rendition's parsed init: fragments may lean on its ``trex`` defaults."""


def _track_format(init: bytes, kind: str) -> _TrackFormat:
    handler = {"video": "vide", "audio": "soun"}.get(kind)
    parsed = bmff.parse_init(init)
    track = next((t for t in parsed.tracks if t.handler == handler), None) or parsed.tracks[0]
    if not track.sample_entries:
        raise RemuxError(f"track {track.track_id} has no sample description")
    entry = track.sample_entries[0]
    config = entry.codec_config
    length_size = config.length_size if config is not None else 0
    parameter_sets = bmff.in_band_parameter_sets(config) if config is not None else b""
    return _TrackFormat(track.track_id, track.timescale, entry.original_format, length_size, parameter_sets, parsed)


def _relength(data: bytes | memoryview, old: int, new: int) -> bytes:
    """Rewrite a sample's NAL unit length prefixes from ``old`` to ``new`` bytes each."""
    view = memoryview(data)
    out = []
    pos = 0
    while pos < len(view):
        if pos + old > len(view):
            raise RemuxError("NAL length prefix runs past the sample")
        n = int.from_bytes(view[pos : pos + old], "big")
        pos += old
        if pos + n > len(view):
            raise RemuxError("NAL unit runs past the sample")
        out.append(n.to_bytes(new, "big"))
        out.append(view[pos : pos + n])
        pos += n
    return b"".join(out)


class Remuxer:
    """One track's continuous stream. Feed it every segment in play order with :meth:`push`."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._base: _TrackFormat | None = None
        self._current: _TrackFormat | None = None
        self._source: str | None = None
        self._inject = False
        self._aligned_ticks = 0
        self._transport_stream = False

    def push(self, source: str, init: bytes | None, segment: bytes, time_offset_s: float = 0.0,
             align_to_s: float | None = None) -> bytes:
        """Bytes to append to the stream for ``segment``.

        ``source`` names the segment's init (its URL, say): when it changes, that is a switch,
        and ``init`` (those init bytes) is needed; otherwise ``init`` may be None. The first push
        returns the init followed by the segment. ``time_offset_s`` is added to the segment's
        timestamps (DASH periods and ``presentationTimeOffset``). ``align_to_s`` moves the
        segment, and those after it, so that it starts exactly there (HLS, whose timeline is the
        playlist's, at the start and after a discontinuity).

        MPEG-TS segments (no init) carry their own parameter sets and pass through unchanged.
        """
        try:
            return self._push(source, init, segment, time_offset_s, align_to_s)
        except bmff.BoxError as exc:
            raise RemuxError(str(exc)) from None

    def _push(self, source: str, init: bytes | None, segment: bytes, time_offset_s: float,
              align_to_s: float | None) -> bytes:
        if self._transport_stream or (self._base is None and init is None and segment[:1] == b"\x47"):
            self._transport_stream = True
            return segment
        if self._base is None:
            if init is None:
                raise RemuxError("the first segment of a stream needs its init segment")
            self._base = self._current = _track_format(init, self.kind)
            self._source = source
            offset = self._offset_ticks(segment, self._base, time_offset_s, align_to_s)
            return init + (self._rewrite(segment, self._base, offset) if offset else segment)
        if source != self._source:
            if init is None:
                raise RemuxError(f"switch to {source} without its init segment")
            current = _track_format(init, self.kind)
            if current.codec != self._base.codec:
                raise RemuxError(f"cannot switch from {self._base.codec} to {current.codec} in one stream")
            if current.length_size != self._base.length_size and current.parameter_sets:
                sets = _relength(current.parameter_sets, current.length_size, self._base.length_size)
                current = dataclasses.replace(current, parameter_sets=sets)
            self._current = current
            self._source = source
            self._inject = bool(current.parameter_sets)
        current = self._current
        assert current is not None
        offset = self._offset_ticks(segment, current, time_offset_s, align_to_s)
        same_format = current.track_id == self._base.track_id and current.timescale == self._base.timescale
        if not self._inject and same_format and not offset:
            return segment
        return self._rewrite(segment, current, offset)

    def _offset_ticks(self, segment: bytes, fmt: _TrackFormat, time_offset_s: float, align_to_s: float | None) -> int:
        """Ticks (in the base timescale) to add to ``segment``'s decode times."""
        base = self._base
        assert base is not None
        if align_to_s is not None:
            first = next(bmff.iter_fragments(segment, fmt.init), None)
            decode_time = first.trafs[0].base_media_decode_time if first and first.trafs else None
            if decode_time is not None:
                scaled = round(decode_time * base.timescale / fmt.timescale)
                self._aligned_ticks = round(align_to_s * base.timescale) - scaled
        return round(time_offset_s * base.timescale) + self._aligned_ticks

    def _rewrite(self, segment: bytes, fmt: _TrackFormat, offset: int) -> bytes:
        """``segment`` in the base format: track ID, timescale (+ ``offset`` ticks), NAL lengths,
        and the pending in-band parameter sets."""
        base = self._base
        assert base is not None
        scale = base.timescale / fmt.timescale
        out = []
        for fragment in bmff.iter_fragments(segment, fmt.init):
            traf = next((t for t in fragment.trafs if t.track_id == fmt.track_id), fragment.trafs[0])
            samples = fragment.samples_of(traf)
            if fmt.length_size != base.length_size:
                samples = [s._replace(data=_relength(s.data, fmt.length_size, base.length_size)) for s in samples]
            if scale != 1.0:
                samples = [s._replace(duration=round(s.duration * scale), cto=round(s.cto * scale)) for s in samples]
            if self._inject and samples:
                first = samples[0]
                samples[0] = first._replace(data=fmt.parameter_sets + bytes(first.data))
                self._inject = False
            decode_time = traf.base_media_decode_time
            new_traf = dataclasses.replace(
                traf,
                track_id=base.track_id,
                base_media_decode_time=round(decode_time * scale) + offset if decode_time is not None else None,
            )
            fragment = dataclasses.replace(fragment, trafs=(new_traf,))
            out.append(bmff.write_fragment(fragment, {base.track_id: samples}, prefix=[b.raw for b in fragment.prefix]))
        return b"".join(out)
