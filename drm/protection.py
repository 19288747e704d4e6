"""The boxes that describe protection, and each sample's encryption resolved from them.

Init segment: ``pssh`` (v0 and v1, any system), ``sinf`` = ``frma`` (original format) + ``schm``
(scheme) + ``schi/tenc`` (defaults: KID, IV size or constant IV, pattern), and ``stbl/sgpd``
``seig`` entries. Fragment: ``senc`` (also PIFF's ``uuid`` form), ``saiz``/``saio`` (where each
sample's IV and subsamples are, by offset: they may lie in ``senc``, in ``mdat`` or anywhere in
the segment), and ``sbgp``/``sgpd`` ``seig`` (per-sample key and parameter changes: key rotation,
clear lead). :func:`sample_encryption` combines them into one :class:`SampleEncryption` (or None
for a clear sample) per sample of a track fragment.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from drm.bmff import (
    PIFF_SENC_UUID,
    Box,
    BoxError,
    Reader,
    TrackFragment,
    build_box,
    build_full_box,
    is_protection_box,
)
from drm.cipher import Subsample
from drm.keys import KEY_SIZE

_U32 = struct.Struct(">I")
_SUBSAMPLE = struct.Struct(">HI")
_PARAMS_HEAD = struct.Struct(">BBBB16s")  # reserved, crypt/skip, isProtected, IV size, KID

SENC_USE_SUBSAMPLES = 0x2
PATTERN_SCHEMES = frozenset({"cens", "cbcs"})
"""Schemes whose ``tenc`` is version 1, pattern fields present even when 0:0 (audio)."""
LOCAL_GROUP_BASE = 0x10000
"""``sbgp`` indexes above this refer to the fragment's own ``sgpd``; below, to the init's."""


@dataclass(frozen=True, slots=True)
class Pssh:
    """A Protection System Specific Header. ``kids`` is non-empty only in version 1."""

    system_id: bytes
    kids: tuple[bytes, ...] = ()
    data: bytes = b""

    @classmethod
    def parse(cls, box: Box) -> Pssh:
        version, _, r = box.full_header()
        system_id = bytes(r.take(16, "SystemID"))
        kids: tuple[bytes, ...] = ()
        if version >= 1:
            count = r.u32("KID_count")
            # A count past what the payload can hold fails on the first KID too many, not later.
            kids = tuple(bytes(r.take(KEY_SIZE, "KID")) for _ in range(min(count, r.remaining // KEY_SIZE + 1)))
        data = bytes(r.take(r.u32("DataSize"), "Data"))
        return cls(system_id, kids, data)

    def to_box(self) -> bytes:
        if self.kids:
            body = [self.system_id, _U32.pack(len(self.kids)), *self.kids, _U32.pack(len(self.data)), self.data]
            return build_full_box("pssh", 1, 0, body)
        return build_full_box("pssh", 0, 0, [self.system_id, _U32.pack(len(self.data)), self.data])


@dataclass(frozen=True, slots=True)
class EncryptionParams:
    """What ``tenc`` gives as defaults and a ``seig`` group entry overrides."""

    is_protected: bool
    per_sample_iv_size: int
    kid: bytes
    constant_iv: bytes = b""
    crypt_byte_block: int = 0
    skip_byte_block: int = 0

    @classmethod
    def read(cls, r: Reader, version: int = 1) -> EncryptionParams:
        """From a ``tenc`` payload after version/flags (``version`` 0 has no pattern) or a
        ``seig`` entry."""
        _, pattern, protected, iv_size, kid = r.unpack(_PARAMS_HEAD, "encryption parameters")
        if iv_size not in (0, 8, 16):
            raise BoxError(f"Per_Sample_IV_Size is {iv_size}, expected 0, 8 or 16", r.path, r.pos)
        if protected > 1:
            raise BoxError(f"isProtected is {protected}, expected 0 or 1", r.path, r.pos)
        constant_iv = b""
        if protected and iv_size == 0:
            size = r.u8("constant_IV_size")
            if size not in (8, 16):
                raise BoxError(f"constant_IV_size is {size}, expected 8 or 16", r.path, r.pos)
            constant_iv = bytes(r.take(size, "constant_IV"))
        if version == 0:
            pattern = 0
        return cls(bool(protected), iv_size, kid, constant_iv, pattern >> 4, pattern & 0xF)

    def payload(self) -> bytes:
        """The ``seig`` entry bytes (also the ``tenc`` body after version/flags)."""
        if not 0 <= self.crypt_byte_block < 16 or not 0 <= self.skip_byte_block < 16:
            raise ValueError("crypt and skip byte blocks must be 0..15")
        if len(self.kid) != KEY_SIZE:
            raise ValueError("KID must be 16 bytes")
        head = _PARAMS_HEAD.pack(0, self.crypt_byte_block << 4 | self.skip_byte_block, int(self.is_protected),
                                 self.per_sample_iv_size, self.kid)
        if self.is_protected and self.per_sample_iv_size == 0:
            return head + bytes((len(self.constant_iv),)) + self.constant_iv
        return head

    @property
    def has_pattern(self) -> bool:
        return bool(self.crypt_byte_block or self.skip_byte_block)

    def to_tenc(self, version: int | None = None) -> bytes:
        """A ``tenc``; version 1 (with the pattern fields) when there is a pattern, unless given."""
        if version is None:
            version = 1 if self.has_pattern else 0
        if version == 0 and self.has_pattern:
            raise ValueError("a tenc of version 0 cannot carry a pattern")
        return build_full_box("tenc", version, 0, self.payload())


@dataclass(frozen=True, slots=True)
class ProtectionScheme:
    """A sample entry's ``sinf``: original format, scheme and its ``tenc`` defaults."""

    scheme: str
    scheme_version: int
    original_format: str
    defaults: EncryptionParams

    @classmethod
    def parse(cls, sinf: Box) -> ProtectionScheme:
        children = {b.type: b for b in sinf.children()}
        for needed in ("frma", "schm", "schi"):
            if needed not in children:
                raise BoxError(f"missing {needed!r}", sinf.path, sinf.offset)
        original = bytes(children["frma"].reader().take(4, "data_format")).decode("latin-1")
        _, _, r = children["schm"].full_header()
        scheme = bytes(r.take(4, "scheme_type")).decode("latin-1")
        version = r.u32("scheme_version")
        tenc = children["schi"].child("tenc")
        if tenc is None:
            raise BoxError("missing 'tenc'", children["schi"].path, children["schi"].offset)
        tenc_version, _, tr = tenc.full_header()
        return cls(scheme, version, original, EncryptionParams.read(tr, tenc_version))

    def to_sinf(self) -> bytes:
        return build_box("sinf", [
            build_box("frma", self.original_format.encode("latin-1")),
            build_full_box("schm", 0, 0, [self.scheme.encode("latin-1"), _U32.pack(self.scheme_version)]),
            build_box("schi", self.defaults.to_tenc(1 if self.scheme in PATTERN_SCHEMES else 0)),
        ])


def parse_seig_group(sgpd: Box) -> tuple[EncryptionParams, ...] | None:
    """The entries of an ``sgpd`` of grouping type ``seig``, or None for another grouping."""
    version, _, r = sgpd.full_header()
    if bytes(r.take(4, "grouping_type")) != b"seig":
        return None
    default_length = r.u32("default_length") if version >= 1 else 0
    if version >= 2:
        r.skip(4, "default_group_description_index")
    count = r.u32("entry_count")
    entries = []
    for _ in range(count):
        length = default_length
        if version >= 1 and default_length == 0:
            length = r.u32("description_length")
        if version >= 1:
            entry = Reader(r.buf, r.pos, r.pos + length, r.path)
            r.skip(length, "seig entry")
        else:
            entry = r
        entries.append(EncryptionParams.read(entry))
    return tuple(entries)


def build_seig_group(entries: Sequence[EncryptionParams]) -> bytes:
    """An ``sgpd`` (version 1) of ``seig`` entries."""
    payloads = [e.payload() for e in entries]
    same = len({len(p) for p in payloads}) == 1
    body = [b"seig", _U32.pack(len(payloads[0]) if same else 0), _U32.pack(len(payloads))]
    for p in payloads:
        body += [p] if same else [_U32.pack(len(p)), p]
    return build_full_box("sgpd", 1, 0, body)


def build_sample_to_group(group_indexes: Sequence[int]) -> bytes:
    """An ``sbgp`` for ``seig`` mapping samples, in order, to group description indexes."""
    runs: list[list[int]] = []
    for index in group_indexes:
        if runs and runs[-1][1] == index:
            runs[-1][0] += 1
        else:
            runs.append([1, index])
    return build_full_box("sbgp", 0, 0, [b"seig", _U32.pack(len(runs)), *(struct.pack(">II", *r) for r in runs)])


def _sample_groups(sbgp: Box, sample_count: int) -> np.ndarray:
    version, _, r = sbgp.full_header()
    r.skip(4, "grouping_type")
    if version == 1:
        r.skip(4, "grouping_type_parameter")
    count = r.u32("entry_count")
    r.need(count * 8, f"{count} sample-to-group entries")
    table = np.frombuffer(r.buf, dtype=">u4", count=count * 2, offset=r.pos).reshape(count, 2).astype(np.int64)
    if int(table[:, 0].sum()) > sample_count:
        raise BoxError(f"sample groups cover {int(table[:, 0].sum())} samples, the run has {sample_count}",
                       sbgp.path, sbgp.offset)
    indexes = np.zeros(sample_count, dtype=np.int64)
    mapped = np.repeat(table[:, 1], table[:, 0])
    indexes[: len(mapped)] = mapped
    return indexes


class SampleEncryption(NamedTuple):
    """How one protected sample is encrypted."""

    kid: bytes
    iv: bytes
    subsamples: tuple[Subsample, ...]
    crypt_byte_block: int
    skip_byte_block: int


@dataclass(frozen=True, slots=True)
class _Table:
    """Where a run of samples' encryption boxes live: a ``traf`` (offsets relative to its base
    data offset, one ``saio`` entry per ``trun`` allowed) or a non-fragmented ``stbl``
    (absolute offsets)."""

    container: Box
    sample_count: int
    run_lengths: tuple[int, ...]
    base_offset: int

    def boxes(self, box_type: str) -> list[Box]:
        return [b for b in self.container.children() if b.type == box_type]


def _grouping_box(table: _Table, box_type: str) -> Box | None:
    """The ``sbgp`` or ``sgpd`` of the ``seig`` grouping."""
    return next((box for box in table.boxes(box_type) if is_protection_box(box)), None)


def _sample_params(table: _Table, defaults: EncryptionParams,
                   track_groups: Sequence[EncryptionParams]) -> list[EncryptionParams]:
    count = table.sample_count
    sbgp = _grouping_box(table, "sbgp")
    if sbgp is None:
        return [defaults] * count
    sgpd = _grouping_box(table, "sgpd")
    local = (parse_seig_group(sgpd) or ()) if sgpd is not None and table.container.type == "traf" else ()
    resolved = []
    for index in _sample_groups(sbgp, count).tolist():
        if index == 0:
            resolved.append(defaults)
        elif index > LOCAL_GROUP_BASE and index - LOCAL_GROUP_BASE <= len(local):
            resolved.append(local[index - LOCAL_GROUP_BASE - 1])
        elif 0 < index <= len(track_groups):
            resolved.append(track_groups[index - 1])
        else:
            raise BoxError(f"sample group description index {index} has no seig entry", sbgp.path, sbgp.offset)
    return resolved


def _aux_box(table: _Table, box_type: str, scheme: str) -> Box | None:
    """The ``saiz``/``saio`` for this scheme's aux info (untyped, or typed with the scheme)."""
    for box in table.boxes(box_type):
        _, flags, r = box.full_header()
        if not flags & 1 or bytes(r.take(4, "aux_info_type")).decode("latin-1") == scheme:
            return box
    return None


def _aux_ranges(table: _Table, saiz: Box, saio: Box) -> list[tuple[int, int]]:
    """(absolute offset, size) of each sample's auxiliary information."""
    count = table.sample_count
    _, flags, r = saiz.full_header()
    if flags & 1:
        r.skip(8, "aux_info_type")
    default_size = r.u8("default_sample_info_size")
    saiz_count = r.u32("sample_count")
    if saiz_count != count:
        raise BoxError(f"saiz describes {saiz_count} samples, the track has {count} here", saiz.path, saiz.offset)
    sizes = [default_size] * count if default_size else list(r.take(count, "sample_info_size"))
    version, flags, r = saio.full_header()
    if flags & 1:
        r.skip(8, "aux_info_type")
    entries = r.u32("entry_count")
    r.need(entries * (8 if version == 1 else 4), f"{entries} saio offsets")
    offsets = np.frombuffer(r.buf, dtype=">u8" if version == 1 else ">u4", count=entries, offset=r.pos).tolist()
    if entries == 1:
        run_lengths: Sequence[int] = [count]
    elif entries == len(table.run_lengths):
        run_lengths = table.run_lengths
    else:
        raise BoxError(f"saio has {entries} offsets for {len(table.run_lengths)} sample runs", saio.path, saio.offset)
    ranges = []
    sample = 0
    size_of_input = len(saio.buf)
    for offset, length in zip(offsets, run_lengths):
        pos = table.base_offset + offset
        for size in sizes[sample : sample + length]:
            ranges.append((pos, size))
            pos += size
        sample += length
        if pos > size_of_input:
            raise BoxError(f"sample auxiliary information ends at {pos}, past the {size_of_input}-byte input",
                           saio.path, saio.offset)
    return ranges


def _senc_box(table: _Table) -> Box | None:
    for box in table.container.children():
        if box.type == "senc" or (box.type == "uuid" and box.usertype == PIFF_SENC_UUID):
            return box
    return None


def _senc_entries(senc: Box, params: Sequence[EncryptionParams]) -> list[tuple[bytes, tuple[Subsample, ...]]]:
    _, flags, r = senc.full_header()
    if senc.type == "uuid" and flags & 1:
        r.skip(20, "PIFF override (AlgorithmID, IV_size, KID)")
    count = r.u32("sample_count")
    if count != len(params):
        raise BoxError(f"senc describes {count} samples, the track has {len(params)} here", senc.path, senc.offset)
    entries = []
    for p in params:
        iv = bytes(r.take(p.per_sample_iv_size if p.is_protected else 0, "InitializationVector"))
        subsamples: tuple[Subsample, ...] = ()
        if flags & SENC_USE_SUBSAMPLES:
            n = r.u16("subsample_count")
            subsamples = tuple(_SUBSAMPLE.iter_unpack(r.take(n * 6, f"{n} subsamples")))
        entries.append((iv, subsamples))
    return entries


def _aux_entry(buf: memoryview, offset: int, size: int, iv_size: int, where: str) -> tuple[bytes, tuple[Subsample, ...]]:
    r = Reader(buf, offset, offset + size, where)
    iv = bytes(r.take(iv_size, "InitializationVector"))
    if not r.remaining:
        return iv, ()
    n = r.u16("subsample_count")
    subsamples = tuple(_SUBSAMPLE.iter_unpack(r.take(n * 6, f"{n} subsamples")))
    if r.remaining:
        raise BoxError(f"{r.remaining} bytes left after the sample's subsamples", where, r.pos)
    return iv, subsamples


def _encryption(table: _Table, scheme: ProtectionScheme, track_groups: Sequence[EncryptionParams]
                ) -> list[SampleEncryption | None]:
    params = _sample_params(table, scheme.defaults, track_groups)
    saiz, saio = _aux_box(table, "saiz", scheme.scheme), _aux_box(table, "saio", scheme.scheme)
    entries: list[tuple[bytes, tuple[Subsample, ...]]]
    if saiz is not None and saio is not None:
        where = f"{saio.path} (aux info)"
        entries = [_aux_entry(saio.buf, offset, size, p.per_sample_iv_size if p.is_protected else 0, where)
                   for (offset, size), p in zip(_aux_ranges(table, saiz, saio), params)]
    elif saiz is not None or saio is not None:
        present = saiz or saio
        raise BoxError("saiz and saio must come together", present.path, present.offset)
    elif (senc := _senc_box(table)) is not None:
        entries = _senc_entries(senc, params)
    elif any(p.is_protected and p.per_sample_iv_size for p in params):
        raise BoxError("protected samples with per-sample IVs but no saiz/saio or senc",
                       table.container.path, table.container.offset)
    else:
        entries = [(b"", ())] * len(params)
    result: list[SampleEncryption | None] = []
    for p, (iv, subsamples) in zip(params, entries):
        if not p.is_protected:
            result.append(None)
            continue
        result.append(SampleEncryption(p.kid, iv if p.per_sample_iv_size else p.constant_iv, subsamples,
                                       p.crypt_byte_block, p.skip_byte_block))
    return result


def sample_encryption(traf: TrackFragment, scheme: ProtectionScheme,
                      track_groups: Sequence[EncryptionParams] = ()) -> list[SampleEncryption | None]:
    """Each sample's encryption (None: the sample is clear) for a track fragment of a protected
    sample description; ``track_groups`` are the init's ``stbl/sgpd`` ``seig`` entries."""
    table = _Table(traf.box, len(traf.samples), tuple(len(r.samples) for r in traf.runs), traf.base_data_offset)
    return _encryption(table, scheme, track_groups)


def table_encryption(stbl: Box, sample_count: int, scheme: ProtectionScheme) -> list[SampleEncryption | None]:
    """The same for the samples of a non-fragmented track, described in its ``stbl``."""
    groups: list[EncryptionParams] = []
    for sgpd in stbl.children():
        if sgpd.type == "sgpd":
            groups.extend(parse_seig_group(sgpd) or ())
    return _encryption(_Table(stbl, sample_count, (sample_count,), 0), scheme, groups)


def build_aux_boxes(entries: Sequence[tuple[bytes, Sequence[Subsample]]], use_subsamples: bool) -> list[bytes]:
    """``senc`` + ``saiz`` + ``saio`` for samples' (IV, subsamples); ``bmff.write_fragment``
    points the ``saio`` at the ``senc``."""
    infos = []
    for iv, subsamples in entries:
        info = bytes(iv)
        if use_subsamples:
            info += struct.pack(">H", len(subsamples)) + b"".join(_SUBSAMPLE.pack(*s) for s in subsamples)
        infos.append(info)
    sizes = [len(i) for i in infos]
    senc = build_full_box("senc", 0, SENC_USE_SUBSAMPLES if use_subsamples else 0, [_U32.pack(len(infos)), *infos])
    uniform = len(set(sizes)) <= 1
    if any(s > 255 for s in sizes):
        raise ValueError("sample auxiliary information over 255 bytes per sample")
    saiz_body = [bytes((sizes[0] if uniform and sizes else 0,)), _U32.pack(len(sizes))]
    if not uniform:
        saiz_body.append(bytes(sizes))
    saiz = build_full_box("saiz", 0, 0, saiz_body)
    saio = build_full_box("saio", 0, 0, [_U32.pack(1), _U32.pack(0)])
    return [saiz, saio, senc]


def find_pssh(parent: Box) -> list[Pssh]:
    """The ``pssh`` children of a ``moov`` or ``moof``."""
    return [Pssh.parse(b) for b in parent.children() if b.type == "pssh"]
