"""Just enough ISO BMFF reading to describe what ffmpeg wrote: the track's timescale and codec
string from an init segment, and each media segment's start time and duration from its
``tfdt``/``trun`` boxes.  Manifests are then written from these facts, not from assumptions.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError

_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"mvex", b"moof", b"traf"}


@dataclass(frozen=True)
class TrackInfo:
    """What a manifest needs to know about a rendition's init segment."""

    track_id: int
    timescale: int
    kind: str  # "video" or "audio"
    codec: str  # RFC 6381 string, e.g. "avc1.64001f" or "mp4a.40.2"
    width: int = 0
    height: int = 0
    channels: int = 0
    sample_rate: int = 0
    default_sample_duration: int = 0


@dataclass(frozen=True)
class SegmentTiming:
    """A media segment's decode start and duration, in its track's timescale."""

    start: int
    duration: int
    size: int


def iter_boxes(data: bytes | memoryview, start: int = 0, end: int | None = None,
               where: str = "file") -> Iterator[tuple[bytes, int, int]]:
    """Yield ``(type, payload_start, box_end)`` for the boxes in ``data[start:end]``."""
    end = len(data) if end is None else end
    offset = start
    while offset < end:
        if end - offset < 8:
            raise ContentError(f"{where}: truncated box header at byte {offset}")
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            if end - offset < 16:
                raise ContentError(f"{where}: truncated large box header at byte {offset}")
            size = struct.unpack_from(">Q", data, offset + 8)[0]
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            raise ContentError(f"{where}: box {kind!r} at byte {offset} has bad size {size}")
        yield bytes(kind), offset + header, offset + size
        offset += size


def _find(data: bytes, path: list[bytes], start: int, end: int, where: str) -> tuple[int, int]:
    """Payload span of the first box along ``path`` (each step a child type)."""
    for step in path:
        for kind, payload, box_end in iter_boxes(data, start, end, where):
            if kind == step:
                start, end = payload, box_end
                break
        else:
            raise ContentError(f"{where}: no {b'/'.join(path).decode()} box")
    return start, end


def read_init(path: Path) -> TrackInfo:
    """Describe the single track of an init segment written by ffmpeg."""
    data = path.read_bytes()
    where = str(path)
    trak = _find(data, [b"moov", b"trak"], 0, len(data), where)
    tkhd = _find(data, [b"tkhd"], *trak, where)
    version = data[tkhd[0]]
    track_id = struct.unpack_from(">I", data, tkhd[0] + (20 if version == 1 else 12))[0]
    mdhd = _find(data, [b"mdia", b"mdhd"], *trak, where)
    version = data[mdhd[0]]
    timescale = struct.unpack_from(">I", data, mdhd[0] + (20 if version == 1 else 12))[0]
    hdlr = _find(data, [b"mdia", b"hdlr"], *trak, where)
    handler = data[hdlr[0] + 8:hdlr[0] + 12]
    stsd = _find(data, [b"mdia", b"minf", b"stbl", b"stsd"], *trak, where)
    # stsd: full box header (4) + entry count (4), then the sample entries.
    entry_kind, entry_start, entry_end = next(iter_boxes(data, stsd[0] + 8, stsd[1], where))
    default_duration = _trex_default_duration(data, track_id, where)
    if handler == b"vide" and entry_kind == b"avc1":
        width, height = struct.unpack_from(">HH", data, entry_start + 24)
        avcc = _find(data, [b"avcC"], entry_start + 78, entry_end, where)
        profile, compat, level = data[avcc[0] + 1:avcc[0] + 4]
        return TrackInfo(track_id, timescale, "video", f"avc1.{profile:02x}{compat:02x}{level:02x}",
                         width=width, height=height, default_sample_duration=default_duration)
    if handler == b"soun" and entry_kind == b"mp4a":
        channels = struct.unpack_from(">H", data, entry_start + 16)[0]
        sample_rate = struct.unpack_from(">I", data, entry_start + 24)[0] >> 16
        esds = _find(data, [b"esds"], entry_start + 28, entry_end, where)
        return TrackInfo(track_id, timescale, "audio", _mp4a_codec(data[esds[0]:esds[1]], where),
                         channels=channels, sample_rate=sample_rate,
                         default_sample_duration=default_duration)
    raise ContentError(f"{where}: unsupported track {handler!r}/{entry_kind!r}")


def _trex_default_duration(data: bytes, track_id: int, where: str) -> int:
    mvex = _find(data, [b"moov", b"mvex"], 0, len(data), where)
    for kind, payload, _ in iter_boxes(data, *mvex, where):
        if kind == b"trex" and struct.unpack_from(">I", data, payload + 4)[0] == track_id:
            return struct.unpack_from(">I", data, payload + 12)[0]
    return 0


def _mp4a_codec(esds: bytes, where: str) -> str:
    """``mp4a.<objectTypeIndication>.<audioObjectType>`` from an esds payload."""
    pos = 4  # full box version/flags
    object_type = None
    while pos < len(esds):
        tag = esds[pos]
        pos += 1
        length = 0
        for _ in range(4):
            byte = esds[pos]
            pos += 1
            length = (length << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        if tag == 0x03:  # ES_Descriptor: ES_ID, flags, optional fields, then children
            flags = esds[pos + 2]
            pos += 3
            if flags & 0x80:
                pos += 2
            if flags & 0x40:
                pos += 1 + esds[pos]
            if flags & 0x20:
                pos += 2
        elif tag == 0x04:  # DecoderConfigDescriptor, children follow its 13 fixed bytes
            object_type = esds[pos]
            pos += 13
        elif tag == 0x05 and object_type is not None:  # DecoderSpecificInfo: AudioSpecificConfig
            aot = esds[pos] >> 3
            if aot == 31:
                aot = 32 + (((esds[pos] & 0x07) << 3) | (esds[pos + 1] >> 5))
            return f"mp4a.{object_type:02x}.{aot}"
        else:
            pos += length
    raise ContentError(f"{where}: esds has no AudioSpecificConfig")


def read_segment(path: Path, track: TrackInfo) -> SegmentTiming:
    """Start (tfdt of the first fragment) and total duration of a media segment."""
    data = path.read_bytes()
    where = str(path)
    start: int | None = None
    duration = 0
    for kind, payload, box_end in iter_boxes(data, 0, len(data), where):
        if kind != b"moof":
            continue
        for traf_kind, traf, traf_end in iter_boxes(data, payload, box_end, where):
            if traf_kind != b"traf":
                continue
            t, d = _traf_timing(data, traf, traf_end, track, where)
            start = t if start is None else start
            duration += d
    if start is None:
        raise ContentError(f"{where}: no movie fragment")
    return SegmentTiming(start, duration, len(data))


def _traf_timing(data: bytes, start: int, end: int, track: TrackInfo, where: str) -> tuple[int, int]:
    default_duration = track.default_sample_duration
    decode_time: int | None = None
    duration = 0
    for kind, payload, _ in iter_boxes(data, start, end, where):
        flags = struct.unpack_from(">I", data, payload)[0] & 0xFFFFFF
        if kind == b"tfhd":
            pos = payload + 8  # version/flags, track_ID
            pos += 8 if flags & 0x01 else 0  # base-data-offset
            pos += 4 if flags & 0x02 else 0  # sample-description-index
            if flags & 0x08:
                default_duration = struct.unpack_from(">I", data, pos)[0]
        elif kind == b"tfdt":
            fmt = ">Q" if data[payload] == 1 else ">I"
            decode_time = struct.unpack_from(fmt, data, payload + 4)[0]
        elif kind == b"trun":
            count = struct.unpack_from(">I", data, payload + 4)[0]
            if not flags & 0x100:
                duration += count * default_duration
                continue
            pos = payload + 8 + (4 if flags & 0x01 else 0) + (4 if flags & 0x04 else 0)
            fields = sum(1 for bit in (0x100, 0x200, 0x400, 0x800) if flags & bit)
            if pos + count * fields * 4 > end:
                raise ContentError(f"{where}: trun sample table overruns its fragment")
            # Per-sample fields are 32-bit words; the duration is the first of each record.
            words = struct.unpack_from(f">{count * fields}I", data, pos)
            duration += sum(words[::fields])
    if decode_time is None:
        raise ContentError(f"{where}: fragment without tfdt")
    return decode_time, duration
