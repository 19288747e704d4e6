"""ISO base media file format (MP4) boxes: strict, zero-copy parsing and serialisation.

Both the decryptor and the player's remuxer work on fragmented MP4, so this module holds exactly
what they share: walking boxes, reading an init segment's tracks and codec configuration, reading a
media fragment's samples, and writing a fragment back after its samples changed.

API in brief
------------
Walking (every offset is absolute in the buffer you pass; nothing is copied)::

    for box in iter_boxes(buf): box.type, box.offset, box.header_size, box.size, box.payload
    stsd = find(buf, "moov/trak/mdia/minf/stbl/stsd")       # first match or None
    traks = find_all(buf, "moov/trak")                      # "*" matches any one type
    box.children(); box.child("tenc")                       # knows stsd, sample entries, meta...
    build_box("free", b"...");  build_full_box("mfhd", 0, 0, payload)
    rewrite_boxes(buf, edit)     # edit(box) -> None (keep / descend), bytes (replace), b"" (drop)

Init segment::

    init = parse_init(buf)
    track = init.track(1)        # track_id, timescale, handler ("vide"/"soun"), trex defaults
    entry = track.sample_entries[0]  # format ("encv"), original_format ("avc1"), width, height
    entry.codec_config           # AvcConfig / HevcConfig: length_size, sps/pps(/vps), to_box()
    in_band_parameter_sets(entry.codec_config)  # length-prefixed NAL units to put before a sample

Media fragments (``styp``/``sidx``/``prft``/``emsg`` before a ``moof`` are kept in ``prefix``)::

    for frag in iter_fragments(buf, init):   # or parse_fragment(buf, init) for exactly one
        traf = frag.traf(1)                  # tfhd fields, base_media_decode_time, runs
        traf.samples                         # SampleInfo(offset, size, duration, flags, cto)
        frag.samples(1)                      # [Sample(duration, flags, cto, data memoryview)]
    out = write_fragment(frag, {1: new_samples}, drop_protection=True)

Pass ``init`` to ``iter_fragments`` whenever you have it: runs that rely on ``trex`` defaults
cannot be resolved without it (BoxError "no sample size in trun, tfhd or trex").

Non-fragmented files: ``sample_table(track)`` gives the ``stbl``'s samples, absolute offsets.
``is_protection_box(box)`` names the boxes clear output drops.

``write_fragment`` re-lays the fragment out (one ``trun`` per track with explicit per-sample
fields, ``default-base-is-moof``, ``data_offset`` and ``mdat`` size recomputed), so callers may
change sample bytes and sizes, and with ``dataclasses.replace`` the ``track_id``,
``base_media_decode_time`` or the sequence number. Every malformed input raises ``BoxError`` naming
the box path and byte offset; nothing reads outside the buffer.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Union

import numpy as np

Buffer = Union[bytes, bytearray, memoryview]

_HEADER = struct.Struct(">I4s")
_U8 = struct.Struct(">B")
_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_I32 = struct.Struct(">i")
_U64 = struct.Struct(">Q")
_AVCC_HEAD = struct.Struct(">6B")
_TREX = struct.Struct(">5I")

# Boxes whose payload is nothing but child boxes. (``udta`` is left out on purpose: writers
# often end it with a 32-bit zero terminator that is not a box, so it is carried as opaque bytes.)
_CONTAINERS = frozenset(
    {"moov", "trak", "mdia", "minf", "stbl", "dinf", "edts", "mvex", "moof", "traf", "mfra",
     "sinf", "schi", "rinf", "tref", "strk", "strd", "meco"}
)
# Full boxes whose children follow version/flags and, for tables of entries, an entry count.
_FULL_CONTAINERS = {"stsd": 8, "dref": 8, "meta": 4}
_VISUAL_ENTRIES = frozenset(
    {"avc1", "avc2", "avc3", "avc4", "hvc1", "hev1", "dvh1", "dvhe", "dva1", "dvav", "encv",
     "vp08", "vp09", "av01", "mp4v", "s263", "resv"}
)
_AUDIO_ENTRIES = frozenset(
    {"mp4a", "enca", "ac-3", "ec-3", "ac-4", "Opus", "fLaC", "alac", "mha1", "mhm1", "dtsc",
     "dtsh", "dtsl", "dtse", "samr", "sawb", "ipcm", "fpcm"}
)
_TEXT_ENTRIES = frozenset({"wvtt", "tx3g", "encs"})
_VISUAL_ENTRY_FIELDS = 78  # SampleEntry (8) + VisualSampleEntry fields (70)
_AUDIO_ENTRY_FIELDS = 28   # SampleEntry (8) + AudioSampleEntry fields (20)

REWRITE_SAFE_PREFIX = frozenset({"styp", "prft", "emsg"})
"""Boxes before a ``moof`` that stay true when the fragment is re-written (``sidx`` does not:
it records sizes)."""

PIFF_SENC_UUID = bytes.fromhex("a2394f525a9b4f14a2446c427c648df4")


def is_protection_box(box: Box) -> bool:
    """Whether a ``traf``/``stbl`` child only carries sample encryption information: ``saiz``,
    ``saio``, ``senc`` (also PIFF's ``uuid``), and ``sbgp``/``sgpd`` of the ``seig`` grouping."""
    if box.type in ("saiz", "saio", "senc"):
        return True
    if box.type in ("sbgp", "sgpd"):
        return bytes(box.buf[box.payload_offset + 4 : min(box.payload_offset + 8, box.end)]) == b"seig"
    return box.type == "uuid" and box.usertype == PIFF_SENC_UUID

# tfhd flags
TFHD_BASE_DATA_OFFSET = 0x000001
TFHD_SAMPLE_DESCRIPTION_INDEX = 0x000002
TFHD_DEFAULT_DURATION = 0x000008
TFHD_DEFAULT_SIZE = 0x000010
TFHD_DEFAULT_FLAGS = 0x000020
TFHD_DURATION_IS_EMPTY = 0x010000
TFHD_DEFAULT_BASE_IS_MOOF = 0x020000
# trun flags
TRUN_DATA_OFFSET = 0x000001
TRUN_FIRST_SAMPLE_FLAGS = 0x000004
TRUN_DURATION = 0x000100
TRUN_SIZE = 0x000200
TRUN_FLAGS = 0x000400
TRUN_CTO = 0x000800
_TFHD_OPTIONAL = (
    (TFHD_SAMPLE_DESCRIPTION_INDEX, "sample_description_index"),
    (TFHD_DEFAULT_DURATION, "default_sample_duration"),
    (TFHD_DEFAULT_SIZE, "default_sample_size"),
    (TFHD_DEFAULT_FLAGS, "default_sample_flags"),
)
_TRUN_COLUMNS = (TRUN_DURATION, TRUN_SIZE, TRUN_FLAGS, TRUN_CTO)

SAMPLE_IS_NON_SYNC = 0x00010000
"""``sample_is_non_sync_sample`` in sample flags: clear on key frames."""


class BoxError(ValueError):
    """A box that does not parse. ``path`` is the box path (``moov/trak/tkhd``), ``offset`` the
    absolute byte offset in the buffer where the problem was found."""

    def __init__(self, message: str, path: str = "", offset: int | None = None) -> None:
        self.path = path
        self.offset = offset
        where = path or "top level"
        at = "" if offset is None else f" at offset {offset}"
        super().__init__(f"{where}{at}: {message}")


def _view(buf: Buffer) -> memoryview:
    view = buf if isinstance(buf, memoryview) else memoryview(buf)
    if view.format != "B" or view.ndim != 1:
        view = view.cast("B")
    return view


@dataclass(frozen=True, slots=True)
class Box:
    """One box inside a buffer. Offsets are absolute; ``payload`` is a view, not a copy."""

    type: str
    offset: int
    header_size: int
    size: int
    path: str
    buf: memoryview = field(repr=False, compare=False)
    usertype: bytes | None = None
    """The 16-byte extended type of a ``uuid`` box."""

    @property
    def end(self) -> int:
        return self.offset + self.size

    @property
    def payload_offset(self) -> int:
        return self.offset + self.header_size

    @property
    def payload(self) -> memoryview:
        return self.buf[self.payload_offset : self.end]

    @property
    def raw(self) -> memoryview:
        """The whole box, header included."""
        return self.buf[self.offset : self.end]

    def children(self) -> Iterator[Box]:
        """The child boxes; raises BoxError for a box type that holds none."""
        skip = child_offset(self)
        if skip is None:
            raise BoxError(f"{self.type!r} is not a container box", self.path, self.offset)
        return iter_boxes(self.buf, self.payload_offset + skip, self.end, self.path)

    def child(self, box_type: str) -> Box | None:
        """The first child of that type, or None."""
        return next((b for b in self.children() if b.type == box_type), None)

    def reader(self) -> Reader:
        """A bounds-checked reader over the payload."""
        return Reader(self.buf, self.payload_offset, self.end, self.path)

    def full_header(self) -> tuple[int, int, Reader]:
        """(version, flags, reader positioned after them) for a full box."""
        reader = self.reader()
        word = reader.u32()
        return word >> 24, word & 0xFFFFFF, reader


class Reader:
    """Bounds-checked big-endian reads from ``[pos, end)`` of a buffer; errors name the box."""

    __slots__ = ("buf", "pos", "end", "path")

    def __init__(self, buf: memoryview, pos: int, end: int, path: str) -> None:
        self.buf, self.pos, self.end, self.path = buf, pos, end, path

    @property
    def remaining(self) -> int:
        return self.end - self.pos

    def need(self, n: int, what: str = "field") -> None:
        if n < 0 or n > self.end - self.pos:
            raise BoxError(f"{what} needs {n} bytes, only {self.end - self.pos} left", self.path, self.pos)

    def unpack(self, fmt: struct.Struct, what: str = "field") -> tuple:
        self.need(fmt.size, what)
        values = fmt.unpack_from(self.buf, self.pos)
        self.pos += fmt.size
        return values

    def u8(self, what: str = "field") -> int:
        return self.unpack(_U8, what)[0]

    def u16(self, what: str = "field") -> int:
        return self.unpack(_U16, what)[0]

    def u32(self, what: str = "field") -> int:
        return self.unpack(_U32, what)[0]

    def i32(self, what: str = "field") -> int:
        return self.unpack(_I32, what)[0]

    def u64(self, what: str = "field") -> int:
        return self.unpack(_U64, what)[0]

    def take(self, n: int, what: str = "field") -> memoryview:
        self.need(n, what)
        view = self.buf[self.pos : self.pos + n]
        self.pos += n
        return view

    def skip(self, n: int, what: str = "field") -> None:
        self.need(n, what)
        self.pos += n


def iter_boxes(buf: Buffer, start: int = 0, end: int | None = None, parent: str = "") -> Iterator[Box]:
    """The boxes laid end to end in ``buf[start:end]``; ``parent`` prefixes their paths.

    Handles 64-bit ``largesize``, size 0 (the box runs to ``end``) and ``uuid`` extended types.
    Raises BoxError for a truncated header, a size below the header or one past ``end``.
    """
    view = _view(buf)
    limit = len(view) if end is None else end
    if not 0 <= start <= limit <= len(view):
        raise BoxError(f"range [{start}, {limit}) lies outside the {len(view)}-byte buffer", parent, start)
    pos = start
    while pos < limit:
        left = limit - pos
        if left < 8:
            raise BoxError(f"truncated box header ({left} bytes left)", parent, pos)
        size, raw_type = _HEADER.unpack_from(view, pos)
        box_type = raw_type.decode("latin-1")
        path = f"{parent}/{box_type}" if parent else box_type
        header = 8
        if size == 1:
            if left < 16:
                raise BoxError("truncated 64-bit box size", path, pos)
            size = _U64.unpack_from(view, pos + 8)[0]
            header = 16
        elif size == 0:
            size = left
        usertype = None
        if box_type == "uuid":
            if left < header + 16:
                raise BoxError("truncated uuid extended type", path, pos)
            usertype = bytes(view[pos + header : pos + header + 16])
            header += 16
        if size < header:
            raise BoxError(f"size {size} is smaller than its {header}-byte header", path, pos)
        if size > left:
            raise BoxError(f"size {size} overflows its parent ({left} bytes left)", path, pos)
        yield Box(box_type, pos, header, size, path, view, usertype)
        pos += size


def child_offset(box: Box) -> int | None:
    """Bytes between a box's payload start and its first child, or None if it holds no boxes."""
    if box.type in _CONTAINERS:
        return 0
    if box.type == "meta" and bytes(box.buf[box.payload_offset + 4 : box.payload_offset + 8]) == b"hdlr":
        return 0  # QuickTime's meta is a plain container: its first child, hdlr, starts at once
    if box.type in _FULL_CONTAINERS:
        return _FULL_CONTAINERS[box.type]
    if not box.path.endswith(f"stsd/{box.type}"):
        return None
    if box.type in _VISUAL_ENTRIES:
        return _VISUAL_ENTRY_FIELDS
    if box.type in _AUDIO_ENTRIES:
        reader = box.reader()
        reader.skip(8, "sample entry")
        version = reader.u16("sound version")
        # QuickTime sound description versions 1 and 2 append 16 and 36 bytes.
        return _AUDIO_ENTRY_FIELDS + {1: 16, 2: 36}.get(version, 0)
    if box.type in _TEXT_ENTRIES:
        return 8
    return None


def _children_of(root: Buffer | Box) -> Iterator[Box]:
    return root.children() if isinstance(root, Box) else iter_boxes(root)


def _walk(boxes: Iterable[Box], parts: Sequence[str]) -> Iterator[Box]:
    for box in boxes:
        if parts[0] in ("*", box.type):
            if len(parts) == 1:
                yield box
            elif child_offset(box) is not None:
                yield from _walk(box.children(), parts[1:])


def find_all(root: Buffer | Box, path: str) -> list[Box]:
    """Every box at ``path`` (``/``-separated types, ``*`` for any) under a buffer or a box."""
    return list(_walk(_children_of(root), path.split("/")))


def find(root: Buffer | Box, path: str) -> Box | None:
    """The first box at ``path`` in document order, or None."""
    return next(_walk(_children_of(root), path.split("/")), None)


def _header(box_type: str, payload_size: int) -> bytes:
    name = box_type.encode("latin-1")
    if len(name) != 4:
        raise ValueError(f"box type must be four characters, got {box_type!r}")
    if payload_size + 8 <= 0xFFFFFFFF:
        return _HEADER.pack(payload_size + 8, name)
    return _HEADER.pack(1, name) + _U64.pack(payload_size + 16)


def build_box(box_type: str, payload: Buffer | Iterable[Buffer] = b"") -> bytes:
    """A box around ``payload`` (one buffer or several, joined), 64-bit size when needed."""
    body = payload if isinstance(payload, (bytes, bytearray, memoryview)) else b"".join(payload)
    return _header(box_type, len(body)) + bytes(body)


def build_full_box(box_type: str, version: int, flags: int, payload: Buffer | Iterable[Buffer] = b"") -> bytes:
    """A full box: version and 24-bit flags, then ``payload``."""
    body = payload if isinstance(payload, (bytes, bytearray, memoryview)) else b"".join(payload)
    return build_box(box_type, _U32.pack((version << 24) | (flags & 0xFFFFFF)) + bytes(body))


def rewrite_boxes(buf: Buffer, edit: Callable[[Box], Buffer | None], start: int = 0,
                  end: int | None = None, parent: str = "") -> bytes:
    """Rebuild a box tree, letting ``edit`` replace boxes; parents' sizes are recomputed.

    ``edit(box)`` returns None to keep the box (its children are visited in turn), or the bytes
    to put in its place (``b""`` drops it). Entry counts of ``stsd`` and ``dref`` follow the
    children actually written.
    """
    return b"".join(_rewrite(_view(buf), edit, start, end, parent))


def _rewrite(view: memoryview, edit: Callable[[Box], Buffer | None], start: int, end: int | None,
             parent: str) -> list[bytes]:
    pieces = []
    for box in iter_boxes(view, start, end, parent):
        new = edit(box)
        if new is not None:
            if len(new):
                pieces.append(bytes(new))
            continue
        skip = child_offset(box)
        if skip is None:
            pieces.append(bytes(box.raw))
            continue
        if box.size - box.header_size < skip:
            raise BoxError(f"payload shorter than its {skip} fixed bytes", box.path, box.offset)
        children = _rewrite(view, edit, box.payload_offset + skip, box.end, box.path)
        fixed = bytearray(view[box.payload_offset : box.payload_offset + skip])
        if box.type in ("stsd", "dref"):
            _U32.pack_into(fixed, 4, len(children))
        pieces.append(build_box(box.type, [fixed, *children]))
    return pieces


# --- codec configuration -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AvcConfig:
    """An ``avcC`` AVCDecoderConfigurationRecord."""

    profile: int
    compatibility: int
    level: int
    length_size: int
    """Bytes in each NAL unit's length prefix (lengthSizeMinusOne + 1)."""
    sps: tuple[bytes, ...]
    pps: tuple[bytes, ...]
    extension: bytes = b""
    """Bytes after the PPS list (the high-profile chroma/bit-depth fields), kept verbatim."""

    @classmethod
    def parse(cls, box: Box) -> AvcConfig:
        r = box.reader()
        version, profile, compatibility, level, length_byte, sps_count = r.unpack(_AVCC_HEAD, "avcC header")
        if version != 1:
            raise BoxError(f"unsupported configurationVersion {version}", box.path, box.offset)
        sps = _nal_list(r, sps_count & 0x1F, "SPS")
        pps = _nal_list(r, r.u8(), "PPS")
        extension = bytes(r.take(r.remaining))
        return cls(profile, compatibility, level, (length_byte & 3) + 1, sps, pps, extension)

    @property
    def parameter_sets(self) -> tuple[bytes, ...]:
        return self.sps + self.pps

    def to_box(self) -> bytes:
        if len(self.sps) > 31 or len(self.pps) > 255:
            raise ValueError("avcC holds at most 31 SPS and 255 PPS")
        head = bytes((1, self.profile, self.compatibility, self.level, 0xFC | (self.length_size - 1),
                      0xE0 | len(self.sps)))
        return build_box("avcC", [head, _nal_bytes(self.sps), bytes((len(self.pps),)),
                                  _nal_bytes(self.pps), self.extension])


@dataclass(frozen=True, slots=True)
class NalArray:
    """One array of an ``hvcC``: NAL units of one type."""

    nal_type: int
    complete: bool
    units: tuple[bytes, ...]


HEVC_VPS, HEVC_SPS, HEVC_PPS = 32, 33, 34


@dataclass(frozen=True, slots=True)
class HevcConfig:
    """An ``hvcC`` HEVCDecoderConfigurationRecord."""

    header: bytes
    """The 22 fixed bytes (profile, tier, level... lengthSizeMinusOne), kept verbatim."""
    arrays: tuple[NalArray, ...]

    _FIXED = 22

    @classmethod
    def parse(cls, box: Box) -> HevcConfig:
        r = box.reader()
        header = bytes(r.take(cls._FIXED, "hvcC header"))
        if header[0] != 1:
            raise BoxError(f"unsupported configurationVersion {header[0]}", box.path, box.offset)
        arrays = []
        for _ in range(r.u8()):
            kind = r.u8()
            arrays.append(NalArray(kind & 0x3F, bool(kind & 0x80), _nal_list(r, r.u16(), "NAL array")))
        return cls(header, tuple(arrays))

    @property
    def length_size(self) -> int:
        return (self.header[21] & 3) + 1

    def _units(self, nal_type: int) -> tuple[bytes, ...]:
        return tuple(u for a in self.arrays if a.nal_type == nal_type for u in a.units)

    @property
    def vps(self) -> tuple[bytes, ...]:
        return self._units(HEVC_VPS)

    @property
    def sps(self) -> tuple[bytes, ...]:
        return self._units(HEVC_SPS)

    @property
    def pps(self) -> tuple[bytes, ...]:
        return self._units(HEVC_PPS)

    @property
    def parameter_sets(self) -> tuple[bytes, ...]:
        """Every NAL unit of every array (VPS, SPS, PPS and any SEI), in record order."""
        return tuple(u for a in self.arrays for u in a.units)

    def to_box(self) -> bytes:
        parts = [self.header, bytes((len(self.arrays),))]
        for a in self.arrays:
            parts += [bytes(((0x80 if a.complete else 0) | a.nal_type,)), _U16.pack(len(a.units)),
                      _nal_bytes(a.units)]
        return build_box("hvcC", parts)


CodecConfig = Union[AvcConfig, HevcConfig]


def _nal_list(r: Reader, count: int, what: str) -> tuple[bytes, ...]:
    units = []
    for _ in range(count):
        units.append(bytes(r.take(r.u16(), what)))
    return tuple(units)


def _nal_bytes(units: Sequence[bytes]) -> bytes:
    return b"".join(_U16.pack(len(u)) + u for u in units)


def in_band_parameter_sets(config: CodecConfig) -> bytes:
    """The config's parameter sets as length-prefixed NAL units, ready to prepend to a sample."""
    size = config.length_size
    return b"".join(len(u).to_bytes(size, "big") + u for u in config.parameter_sets)


# --- init segment --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrackExtends:
    """``trex``: a track's fragment defaults."""

    track_id: int
    default_sample_description_index: int
    default_sample_duration: int
    default_sample_size: int
    default_sample_flags: int


@dataclass(frozen=True, slots=True)
class SampleEntry:
    """One ``stsd`` entry. For ``encv``/``enca`` the ``original_format`` comes from ``sinf/frma``."""

    format: str
    original_format: str
    box: Box
    width: int = 0
    height: int = 0
    channel_count: int = 0
    sample_rate: int = 0
    codec_config: CodecConfig | None = None
    sinf: Box | None = None

    @property
    def protected(self) -> bool:
        return self.sinf is not None


@dataclass(frozen=True, slots=True)
class Track:
    """One ``trak`` with what fragments and remuxing need."""

    track_id: int
    timescale: int
    handler: str
    duration: int
    sample_entries: tuple[SampleEntry, ...]
    trex: TrackExtends | None
    box: Box


@dataclass(frozen=True, slots=True)
class InitSegment:
    """An init segment (``ftyp`` + ``moov``) or the header of a whole fragmented file."""

    tracks: tuple[Track, ...]
    moov: Box
    pssh: tuple[Box, ...]

    def track(self, track_id: int) -> Track:
        for t in self.tracks:
            if t.track_id == track_id:
                return t
        raise KeyError(f"no track {track_id} in the init segment")


def _required(parent: Box, box_type: str) -> Box:
    box = parent.child(box_type)
    if box is None:
        raise BoxError(f"missing {box_type!r}", parent.path, parent.offset)
    return box


def _parse_tkhd(box: Box) -> int:
    version, _, r = box.full_header()
    r.skip(16 if version == 1 else 8, "tkhd times")
    return r.u32("track_ID")


def _parse_mdhd(box: Box) -> tuple[int, int]:
    version, _, r = box.full_header()
    if version == 1:
        r.skip(16, "mdhd times")
        timescale, duration = r.u32("timescale"), r.u64("duration")
    else:
        r.skip(8, "mdhd times")
        timescale, duration = r.u32("timescale"), r.u32("duration")
    if timescale == 0:
        raise BoxError("timescale is zero", box.path, box.offset)
    return timescale, duration


def _parse_hdlr(box: Box) -> str:
    _, _, r = box.full_header()
    r.skip(4, "pre_defined")
    return bytes(r.take(4, "handler_type")).decode("latin-1")


def _parse_trex(box: Box) -> TrackExtends:
    _, _, r = box.full_header()
    return TrackExtends(*r.unpack(_TREX, "trex fields"))


def parse_sample_entry(box: Box) -> SampleEntry:
    """A sample entry's format, dimensions or audio fields, codec config and protection."""
    r = box.reader()
    width = height = channels = rate = 0
    if box.type in _VISUAL_ENTRIES:
        r.skip(24, "visual sample entry")
        width, height = r.u16(), r.u16()
    elif box.type in _AUDIO_ENTRIES:
        r.skip(16, "audio sample entry")
        channels = r.u16()
        r.skip(6, "audio sample entry")
        rate = r.u32() >> 16
    config: CodecConfig | None = None
    sinf = None
    original = box.type
    if child_offset(box) is not None:
        for child in box.children():
            if child.type == "avcC":
                config = AvcConfig.parse(child)
            elif child.type == "hvcC":
                config = HevcConfig.parse(child)
            elif child.type == "sinf" and sinf is None:
                sinf = child
                frma = _required(child, "frma")
                original = bytes(frma.reader().take(4, "frma data_format")).decode("latin-1")
    return SampleEntry(box.type, original, box, width, height, channels, rate, config, sinf)


def parse_init(buf: Buffer) -> InitSegment:
    """The tracks of an init segment; raises BoxError if there is no ``moov`` or it is malformed."""
    moov = find(buf, "moov")
    if moov is None:
        raise BoxError("no moov box: not an init segment")
    trex = {t.track_id: t for t in map(_parse_trex, find_all(moov, "mvex/trex"))}
    tracks = []
    for trak in find_all(moov, "trak"):
        track_id = _parse_tkhd(_required(trak, "tkhd"))
        mdia = _required(trak, "mdia")
        timescale, duration = _parse_mdhd(_required(mdia, "mdhd"))
        handler = _parse_hdlr(_required(mdia, "hdlr"))
        stsd = find(mdia, "minf/stbl/stsd")
        if stsd is None:
            raise BoxError("missing minf/stbl/stsd", mdia.path, mdia.offset)
        entries = tuple(parse_sample_entry(e) for e in stsd.children())
        tracks.append(Track(track_id, timescale, handler, duration, entries, trex.get(track_id), trak))
    pssh = tuple(b for b in moov.children() if b.type == "pssh")
    return InitSegment(tuple(tracks), moov, pssh)


# --- media fragments -----------------------------------------------------------------------------


class SampleInfo(NamedTuple):
    """A sample as described by a ``trun``, defaults resolved; ``offset`` is absolute in the input."""

    offset: int
    size: int
    duration: int
    flags: int
    cto: int


class Sample(NamedTuple):
    """A sample to write (or read back): its timing, flags and bytes; the size is ``len(data)``."""

    duration: int
    flags: int
    cto: int
    data: Buffer

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def is_sync(self) -> bool:
        return not self.flags & SAMPLE_IS_NON_SYNC


@dataclass(frozen=True, slots=True)
class TrackRun:
    """One ``trun``."""

    box: Box
    version: int
    flags: int
    data_offset: int | None
    first_sample_flags: int | None
    samples: tuple[SampleInfo, ...]


@dataclass(frozen=True, slots=True)
class TrackFragment:
    """One ``traf``: its ``tfhd`` fields, decode time and runs, with samples resolved."""

    box: Box
    track_id: int
    tfhd_flags: int
    base_data_offset: int
    """The resolved base data offset (tfhd's, else the moof's start or the previous traf's data
    end): what ``trun`` data offsets and ``saio`` offsets are relative to."""
    sample_description_index: int | None
    default_sample_duration: int | None
    default_sample_size: int | None
    default_sample_flags: int | None
    base_media_decode_time: int | None
    runs: tuple[TrackRun, ...]
    samples: tuple[SampleInfo, ...]
    """Every sample of every run, in order."""

    @property
    def default_base_is_moof(self) -> bool:
        return bool(self.tfhd_flags & TFHD_DEFAULT_BASE_IS_MOOF)

    def boxes(self, box_type: str) -> list[Box]:
        """The ``traf`` children of that type (``senc``, ``saiz``, ``sgpd``...)."""
        return [b for b in self.box.children() if b.type == box_type]


@dataclass(frozen=True, slots=True)
class Fragment:
    """A ``moof`` with its ``mdat``(s) and the boxes that preceded it (``styp``, ``sidx``...)."""

    moof: Box
    mdats: tuple[Box, ...]
    prefix: tuple[Box, ...]
    sequence_number: int
    trafs: tuple[TrackFragment, ...]
    buf: memoryview = field(repr=False, compare=False)

    @property
    def end(self) -> int:
        """Offset just past the fragment's last box."""
        return self.mdats[-1].end if self.mdats else self.moof.end

    def traf(self, track_id: int) -> TrackFragment:
        for t in self.trafs:
            if t.track_id == track_id:
                return t
        raise KeyError(f"no track {track_id} in the fragment at offset {self.moof.offset}")

    @property
    def pssh(self) -> tuple[Box, ...]:
        return tuple(b for b in self.moof.children() if b.type == "pssh")

    def samples(self, track_id: int) -> list[Sample]:
        """A track's samples with views of their bytes."""
        return self.samples_of(self.traf(track_id))

    def samples_of(self, traf: TrackFragment) -> list[Sample]:
        buf = self.buf
        return [Sample(s.duration, s.flags, s.cto, buf[s.offset : s.offset + s.size]) for s in traf.samples]


def _parse_tfhd(box: Box) -> tuple[int, int, list[int | None]]:
    _, flags, r = box.full_header()
    track_id = r.u32("track_ID")
    values: list[int | None] = [r.u64("base_data_offset") if flags & TFHD_BASE_DATA_OFFSET else None]
    for bit, what in _TFHD_OPTIONAL:
        values.append(r.u32(what) if flags & bit else None)
    return track_id, flags, values


def _parse_tfdt(box: Box) -> int:
    version, _, r = box.full_header()
    return r.u64("baseMediaDecodeTime") if version == 1 else r.u32("baseMediaDecodeTime")


def _pick(*candidates: int | None) -> int | None:
    return next((c for c in candidates if c is not None), None)


def _parse_trun(box: Box, base: int, follow_on: int, defaults: tuple[int | None, int | None, int | None]) -> TrackRun:
    """A trun's samples: data at ``base + data_offset``, or at ``follow_on`` (just past the
    previous run) when the trun has no data_offset."""
    version, flags, r = box.full_header()
    count = r.u32("sample_count")
    data_offset = r.i32("data_offset") if flags & TRUN_DATA_OFFSET else None
    first_flags = r.u32("first_sample_flags") if flags & TRUN_FIRST_SAMPLE_FLAGS else None
    columns = [bit for bit in _TRUN_COLUMNS if flags & bit]
    r.need(count * len(columns) * 4, f"sample table of {count} samples")
    if not flags & TRUN_SIZE and count * max(defaults[1] or 0, 1) > len(r.buf):
        # Without a size column nothing in the trun bounds the count: a lying one would allocate
        # gigabytes of sample table before any data is read.
        raise BoxError(f"trun claims {count} samples, more than the {len(r.buf)} bytes here could hold",
                       box.path, box.offset)
    table = np.frombuffer(r.buf, dtype=">u4", count=count * len(columns), offset=r.pos).reshape(count, len(columns))
    r.pos += table.nbytes

    def column(bit: int, default: int | None, what: str) -> np.ndarray:
        if flags & bit:
            return table[:, columns.index(bit)].astype(np.int64)
        if default is None and count:
            raise BoxError(f"no sample {what} in trun, tfhd or trex", box.path, box.offset)
        return np.full(count, default or 0, dtype=np.int64)

    default_duration, default_size, default_flags = defaults
    sizes = column(TRUN_SIZE, default_size, "size")
    durations = column(TRUN_DURATION, default_duration, "duration")
    sample_flags = column(TRUN_FLAGS, default_flags if default_flags is not None else 0, "flags")
    if first_flags is not None and count:
        sample_flags[0] = first_flags
    ctos = column(TRUN_CTO, 0, "composition offset")
    if version >= 1:
        ctos = np.where(ctos >= 1 << 31, ctos - (1 << 32), ctos)
    first = follow_on if data_offset is None else base + data_offset
    ends = first + np.cumsum(sizes)
    offsets = ends - sizes
    samples = tuple(map(SampleInfo._make, zip(offsets.tolist(), sizes.tolist(), durations.tolist(),
                                               sample_flags.tolist(), ctos.tolist())))
    return TrackRun(box, version, flags, data_offset, first_flags, samples)


def _parse_traf(traf: Box, moof: Box, base_fallback: int, init: InitSegment | None) -> TrackFragment:
    tfhd = _required(traf, "tfhd")
    track_id, tfhd_flags, (base, sdi, dur, size, sflags) = _parse_tfhd(tfhd)
    trex = None
    if init is not None:
        track = next((t for t in init.tracks if t.track_id == track_id), None)
        if track is None:
            raise BoxError(f"track_ID {track_id} is not in the init segment", tfhd.path, tfhd.offset)
        trex = track.trex
    defaults = (
        _pick(dur, trex and trex.default_sample_duration),
        _pick(size, trex and trex.default_sample_size),
        _pick(sflags, trex and trex.default_sample_flags),
    )
    if base is None:
        base = moof.offset if tfhd_flags & TFHD_DEFAULT_BASE_IS_MOOF else base_fallback
    tfdt = traf.child("tfdt")
    decode_time = _parse_tfdt(tfdt) if tfdt is not None else None
    runs = []
    next_start = base
    for box in traf.children():
        if box.type != "trun":
            continue
        run = _parse_trun(box, base, next_start, defaults)
        runs.append(run)
        if run.samples:
            last = run.samples[-1]
            next_start = last.offset + last.size
    samples = tuple(s for run in runs for s in run.samples)
    return TrackFragment(traf, track_id, tfhd_flags, base, sdi, dur, size, sflags, decode_time,
                         tuple(runs), samples)


def _parse_moof(moof: Box, mdats: tuple[Box, ...], prefix: tuple[Box, ...], init: InitSegment | None) -> Fragment:
    mfhd = _required(moof, "mfhd")
    _, _, r = mfhd.full_header()
    sequence_number = r.u32("sequence_number")
    trafs = []
    base_fallback = moof.offset
    for traf in moof.children():
        if traf.type != "traf":
            continue
        parsed = _parse_traf(traf, moof, base_fallback, init)
        trafs.append(parsed)
        if parsed.samples:
            last = parsed.samples[-1]
            base_fallback = last.offset + last.size
    for traf in trafs:
        for run in traf.runs:
            if run.samples:
                _check_in_mdat(run, mdats)
    return Fragment(moof, mdats, prefix, sequence_number, tuple(trafs), moof.buf)


def _check_in_mdat(run: TrackRun, mdats: tuple[Box, ...]) -> None:
    start = run.samples[0].offset
    end = run.samples[-1].offset + run.samples[-1].size
    for mdat in mdats:
        if mdat.payload_offset <= start and end <= mdat.end:
            return
    raise BoxError(f"sample data [{start}, {end}) is not inside this fragment's mdat", run.box.path, run.box.offset)


def iter_fragments(buf: Buffer, init: InitSegment | None = None) -> Iterator[Fragment]:
    """Each ``moof`` (with the ``mdat``s after it) of a media segment or a whole fragmented file.

    Boxes between fragments other than ``mdat`` (``styp``, ``sidx``, ``prft``, ``emsg``, also
    ``ftyp``/``moov`` at the start) become the next fragment's ``prefix``. Without ``init`` the
    ``trex`` defaults are unknown, so runs must rely on ``tfhd`` or per-sample values.
    """
    pending: list[Box] = []
    moof: Box | None = None
    mdats: list[Box] = []
    prefix: tuple[Box, ...] = ()
    for box in iter_boxes(buf):
        if box.type == "moof":
            if moof is not None:
                yield _parse_moof(moof, tuple(mdats), prefix, init)
            moof, mdats, prefix, pending = box, [], tuple(pending), []
        elif box.type == "mdat" and moof is not None and not pending:
            mdats.append(box)
        else:
            pending.append(box)
    if moof is not None:
        yield _parse_moof(moof, tuple(mdats), prefix, init)


def parse_fragment(buf: Buffer, init: InitSegment | None = None) -> Fragment:
    """The one fragment of a media segment; raises BoxError if there is none or several."""
    fragments = list(iter_fragments(buf, init))
    if len(fragments) != 1:
        raise BoxError(f"expected one moof, found {len(fragments)}")
    return fragments[0]


def _relocatable_saio(box: Box) -> bytes:
    """``box`` rewritten with one entry (one ``trun`` is written) and a zero offset to patch."""
    _, flags, r = box.full_header()
    aux_type = bytes(r.take(8, "aux_info_type")) if flags & 1 else b""
    return build_full_box("saio", 0, flags & 1, [aux_type, _U32.pack(1), _U32.pack(0)])


def write_fragment(fragment: Fragment, samples: Mapping[int, Sequence[Sample]] | None = None, *,
                   drop_protection: bool = False, extra_boxes: Mapping[int, Sequence[bytes]] | None = None,
                   prefix: Sequence[Buffer] = ()) -> bytes:
    """Serialise ``fragment`` as ``prefix`` + ``moof`` + one ``mdat``.

    ``samples`` maps a traf's (output) ``track_id`` to its new samples; tracks not in it keep the
    bytes and timing of the input. Each traf is written as ``tfhd`` (default-base-is-moof, the
    sample description index kept), ``tfdt``, the kept children, ``extra_boxes[track_id]``, then
    one ``trun`` with every per-sample field; ``data_offset`` and the ``mdat`` size are computed.
    ``drop_protection`` drops ``moof/pssh`` and the boxes :func:`is_protection_box` names. A
    kept ``saio`` is re-pointed at the written ``senc``.
    """
    samples = samples or {}
    extra_boxes = extra_boxes or {}
    moof_parts: list[bytearray] = []
    patches: list[tuple[int, int]] = []  # (data_offset field's position in the moof, offset in mdat data)
    payloads: list[Buffer] = []
    data_size = 0
    moof_len = 8  # the moof header itself
    mfhd = build_full_box("mfhd", 0, 0, _U32.pack(fragment.sequence_number))
    moof_parts.append(bytearray(mfhd))
    moof_len += len(mfhd)
    for box in fragment.moof.children():
        if box.type in ("mfhd", "traf") or (drop_protection and box.type == "pssh"):
            continue
        moof_parts.append(bytearray(box.raw))
        moof_len += box.size
    for traf in fragment.trafs:
        track_samples = samples.get(traf.track_id)
        if track_samples is None:
            track_samples = fragment.samples_of(traf)
        traf_bytes, senc_pos, saio_pos, run_pos = _traf_parts(traf, track_samples, drop_protection,
                                                             extra_boxes.get(traf.track_id, ()))
        traf_at = moof_len
        if saio_pos is not None:
            if senc_pos is None:
                raise BoxError("saio without a senc in its traf cannot be relocated", traf.box.path, traf.box.offset)
            _U32.pack_into(traf_bytes, saio_pos, traf_at + senc_pos)
        patches.append((traf_at + run_pos, data_size))
        moof_parts.append(traf_bytes)
        moof_len += len(traf_bytes)
        payloads.extend(s.data for s in track_samples)
        data_size += sum(len(s.data) for s in track_samples)
    moof = bytearray(_header("moof", moof_len - 8)) + b"".join(moof_parts)
    if len(moof) != moof_len:
        raise BoxError("moof larger than 4 GiB", fragment.moof.path, fragment.moof.offset)
    mdat_header = _header("mdat", data_size)
    for position, offset in patches:
        _I32.pack_into(moof, position, moof_len + len(mdat_header) + offset)
    return b"".join([*map(bytes, prefix), moof, mdat_header, *payloads])


def _traf_parts(traf: TrackFragment, samples: Sequence[Sample], drop_protection: bool,
                extra: Sequence[bytes]) -> tuple[bytearray, int | None, int | None, int]:
    """A traf's bytes and positions in it: the senc's first aux data, the saio offset field to
    patch with it, the trun's data_offset field."""
    tfhd_flags = TFHD_DEFAULT_BASE_IS_MOOF
    tfhd_fields = [_U32.pack(traf.track_id)]
    if traf.sample_description_index is not None:
        tfhd_flags |= TFHD_SAMPLE_DESCRIPTION_INDEX
        tfhd_fields.append(_U32.pack(traf.sample_description_index))
    parts = [build_full_box("tfhd", 0, tfhd_flags, tfhd_fields)]
    if traf.base_media_decode_time is not None:
        wide = traf.base_media_decode_time > 0xFFFFFFFF
        parts.append(build_full_box("tfdt", int(wide), 0, (_U64 if wide else _U32).pack(traf.base_media_decode_time)))
    kept: list[tuple[Box | None, bytes]] = []
    for box in traf.box.children():
        if box.type in ("tfhd", "tfdt", "trun"):
            continue
        if drop_protection and is_protection_box(box):
            continue
        kept.append((box, bytes(box.raw)))
    kept += [(None, bytes(b)) for b in extra]
    senc_pos = saio_pos = None
    pos = sum(map(len, parts)) + 8  # offsets inside the traf, its header included
    for box, raw in kept:
        box_type = raw[4:8]
        if box_type == b"senc":
            senc_pos = pos + 8 + 8  # header, version/flags, sample_count
        elif box_type == b"saio":
            raw = _relocatable_saio(box if box is not None else next(iter_boxes(raw)))
            saio_pos = pos + len(raw) - 4
        parts.append(raw)
        pos += len(raw)
    parts.append(_build_trun(samples))
    run_pos = pos + 8 + 4 + 4  # trun header, version/flags, sample_count
    return bytearray(build_box("traf", parts)), senc_pos, saio_pos, run_pos


def _build_trun(samples: Sequence[Sample]) -> bytes:
    count = len(samples)
    table = np.empty((count, 4), dtype=np.int64)
    if count:
        table[:, 0] = [s.duration for s in samples]
        table[:, 1] = [len(s.data) for s in samples]
        table[:, 2] = [s.flags for s in samples]
        table[:, 3] = [s.cto for s in samples]
    version = 1 if count and table[:, 3].min() < 0 else 0
    flags = TRUN_DATA_OFFSET | TRUN_DURATION | TRUN_SIZE | TRUN_FLAGS | TRUN_CTO
    body = (table & 0xFFFFFFFF).astype(">u4").tobytes()
    return build_full_box("trun", version, flags, [_U32.pack(count), _I32.pack(0), body])


# --- non-fragmented sample tables ----------------------------------------------------------------


def _table(box: Box, columns: int, what: str) -> np.ndarray:
    """A full box's ``entry_count`` then that many rows of ``columns`` big-endian u32s."""
    _, _, r = box.full_header()
    count = r.u32("entry_count")
    r.need(count * columns * 4, f"{count} {what}")
    return np.frombuffer(r.buf, dtype=">u4", count=count * columns, offset=r.pos).reshape(count, columns).astype(np.int64)


def _run_lengths(table: np.ndarray, total: int, box: Box) -> np.ndarray:
    """Per-item values from (count, value) rows, checked to cover ``total`` items exactly."""
    if int(table[:, 0].sum()) != total:
        raise BoxError(f"entries cover {int(table[:, 0].sum())} samples, the track has {total}", box.path, box.offset)
    return np.repeat(table[:, 1], table[:, 0])


def sample_table(track: Track) -> tuple[SampleInfo, ...]:
    """The samples a non-fragmented track's ``stbl`` describes, with absolute offsets (empty for
    a fragmented track's empty tables)."""
    stbl = find(track.box, "mdia/minf/stbl")
    if stbl is None:
        raise BoxError("missing mdia/minf/stbl", track.box.path, track.box.offset)
    boxes = {b.type: b for b in stbl.children()}
    stsz = boxes.get("stsz")
    if stsz is None:
        raise BoxError("missing 'stsz'", stbl.path, stbl.offset)
    _, _, r = stsz.full_header()
    uniform, count = r.u32("sample_size"), r.u32("sample_count")
    if uniform:
        if uniform * count > len(stbl.buf):
            raise BoxError(f"{count} samples of {uniform} bytes exceed the input", stsz.path, stsz.offset)
        sizes = np.full(count, uniform, dtype=np.int64)
    else:
        r.need(count * 4, f"{count} sample sizes")
        sizes = np.frombuffer(r.buf, dtype=">u4", count=count, offset=r.pos).astype(np.int64)
    if count == 0:
        return ()
    chunk_box = boxes.get("stco") or boxes.get("co64")
    if chunk_box is None or "stsc" not in boxes:
        raise BoxError("missing chunk tables (stsc, stco/co64)", stbl.path, stbl.offset)
    if chunk_box.type == "stco":
        chunk_offsets = _table(chunk_box, 1, "chunk offsets")[:, 0]
    else:
        wide = _table(chunk_box, 2, "chunk offsets")
        chunk_offsets = (wide[:, 0] << 32) | wide[:, 1]
    stsc = _table(boxes["stsc"], 3, "sample-to-chunk entries")
    chunks = len(chunk_offsets)
    firsts = stsc[:, 0]
    if len(stsc) == 0 or firsts[0] != 1 or np.any(np.diff(firsts) <= 0) or firsts[-1] > chunks:
        raise BoxError("sample-to-chunk entries do not describe the chunks", boxes["stsc"].path, boxes["stsc"].offset)
    per_chunk = np.repeat(stsc[:, 1], np.diff(np.append(firsts, chunks + 1)))
    if int(per_chunk.sum()) != count:
        raise BoxError(f"chunks hold {int(per_chunk.sum())} samples, stsz has {count}", boxes["stsc"].path,
                       boxes["stsc"].offset)
    chunk_of = np.repeat(np.arange(chunks), per_chunk)
    before = np.cumsum(sizes) - sizes
    chunk_start = np.cumsum(per_chunk) - per_chunk
    offsets = chunk_offsets[chunk_of] + before - before[chunk_start][chunk_of]
    ends = offsets + sizes
    if len(offsets) and (int(offsets.min()) < 0 or int(ends.max()) > len(stbl.buf)):
        raise BoxError("samples lie outside the input", stbl.path, stbl.offset)
    stts = boxes.get("stts")
    durations = _run_lengths(_table(stts, 2, "time-to-sample entries"), count, stts) if stts else np.zeros(count, np.int64)
    ctts = boxes.get("ctts")
    ctos = np.zeros(count, dtype=np.int64)
    if ctts is not None:
        ctos = _run_lengths(_table(ctts, 2, "composition offsets"), count, ctts)
        ctos = np.where(ctos >= 1 << 31, ctos - (1 << 32), ctos)
    flags = np.zeros(count, dtype=np.int64)
    if "stss" in boxes:
        flags[:] = SAMPLE_IS_NON_SYNC
        sync = _table(boxes["stss"], 1, "sync samples")[:, 0] - 1
        if len(sync) and (sync.min() < 0 or sync.max() >= count):
            raise BoxError("sync sample number outside the track", boxes["stss"].path, boxes["stss"].offset)
        flags[sync] = 0
    return tuple(map(SampleInfo._make, zip(offsets.tolist(), sizes.tolist(), durations.tolist(), flags.tolist(),
                                           ctos.tolist())))
