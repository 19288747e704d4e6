"""Decrypting protected MP4 into clear MP4, like Bento4's ``mp4decrypt``.

:class:`Decryptor` reads an init segment once (which tracks are protected, by which scheme,
with which default KIDs) and then decrypts media segments one at a time, as the player needs.
Output is clear media any demuxer plays: :meth:`Decryptor.clear_init` turns ``encv``/``enca``
back into the ``frma`` format without ``sinf`` and ``pssh``; each fragment is re-written with its
samples decrypted, ``senc``/``saiz``/``saio``/``seig`` groups and ``pssh`` dropped, and data
offsets recomputed. Of the boxes before a ``moof`` only ``styp``/``prft``/``emsg`` are kept
(``sidx`` records sizes that no longer hold). Non-fragmented files (as ffmpeg's MP4 muxer
encrypts them) are decrypted in place by :meth:`Decryptor.decrypt_sample_tables`.

In the player::

    decryptor = Decryptor(init)            # once per rendition's init segment
    decryptor.kids                         # KIDs to ask the license server for
    decryptor.add_keys(keys)               # KID -> key
    decryptor.clear_init()                 # what the remuxer gets instead of the init
    decryptor.decrypt_segment(segment)     # per media segment; MissingKeyError(kid) on rotation

Errors: :class:`MissingKeyError` names the KID that has no key; :class:`DecryptError` covers
unsupported schemes and samples whose encryption information does not fit them;
``bmff.BoxError`` is raised for input that does not parse (truncated, overflowing sizes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from drm.bmff import (
    REWRITE_SAFE_PREFIX,
    Box,
    BoxError,
    Buffer,
    Fragment,
    InitSegment,
    Sample,
    TrackFragment,
    build_box,
    build_full_box,
    child_offset,
    find,
    is_protection_box,
    iter_boxes,
    iter_fragments,
    parse_init,
    rewrite_boxes,
    sample_table,
    write_fragment,
)
from drm.cipher import SCHEMES, SampleCryptoError, decrypt_sample
from drm.keys import format_kid
from drm.protection import (
    EncryptionParams,
    ProtectionScheme,
    Pssh,
    SampleEncryption,
    find_pssh,
    parse_seig_group,
    sample_encryption,
    table_encryption,
)

class DecryptError(ValueError):
    """Protected media that cannot be decrypted."""


class MissingKeyError(DecryptError):
    """No key for a KID the media needs. ``kid`` says which, so a caller can fetch it and retry."""

    def __init__(self, kid: bytes, track_id: int) -> None:
        self.kid = kid
        self.track_id = track_id
        super().__init__(f"no key for KID {format_kid(kid)} (track {track_id})")


@dataclass(frozen=True, slots=True)
class ProtectedTrack:
    """A track's protection: one scheme (or None, clear) per sample description, 1-based."""

    track_id: int
    schemes: tuple[ProtectionScheme | None, ...]
    groups: tuple[EncryptionParams, ...]
    """The track's ``stbl/sgpd`` ``seig`` entries (sample group indexes 1..0x10000)."""
    default_description_index: int

    def scheme_for(self, traf: TrackFragment) -> ProtectionScheme | None:
        index = traf.sample_description_index or self.default_description_index
        if not 1 <= index <= len(self.schemes):
            raise BoxError(f"sample_description_index {index} but the track has {len(self.schemes)} entries",
                           traf.box.path, traf.box.offset)
        return self.schemes[index - 1]


def _protected_track(init: InitSegment, track_id: int) -> ProtectedTrack:
    track = init.track(track_id)
    schemes = []
    for entry in track.sample_entries:
        scheme = ProtectionScheme.parse(entry.sinf) if entry.sinf is not None else None
        if scheme is not None and scheme.scheme not in SCHEMES:
            raise DecryptError(f"track {track_id} uses protection scheme {scheme.scheme!r}; "
                               f"supported: {', '.join(SCHEMES)}")
        schemes.append(scheme)
    groups: list[EncryptionParams] = []
    stbl = find(track.box, "mdia/minf/stbl")
    if stbl is not None:
        for sgpd in stbl.children():
            if sgpd.type == "sgpd":
                groups.extend(parse_seig_group(sgpd) or ())
    default_index = track.trex.default_sample_description_index if track.trex else 1
    return ProtectedTrack(track_id, tuple(schemes), tuple(groups), default_index)


class Decryptor:
    """Decrypts the media segments that go with one init segment."""

    def __init__(self, init: Buffer, keys: Mapping[bytes, bytes] | None = None) -> None:
        self._init_bytes = init
        self.init = parse_init(init)
        self.tracks = {t.track_id: _protected_track(self.init, t.track_id) for t in self.init.tracks}
        self.pssh: tuple[Pssh, ...] = tuple(find_pssh(self.init.moov))
        self._keys: dict[bytes, bytes] = dict(keys or {})

    def add_keys(self, keys: Mapping[bytes, bytes]) -> None:
        self._keys.update(keys)

    @property
    def protected(self) -> bool:
        return any(s is not None for t in self.tracks.values() for s in t.schemes)

    @property
    def kids(self) -> tuple[bytes, ...]:
        """KIDs the init names: ``tenc`` defaults, ``seig`` entries and ``pssh`` v1 lists, in
        that order, without repeats. Fragments may name more (key rotation)."""
        found: dict[bytes, None] = {}
        for track in self.tracks.values():
            for scheme in track.schemes:
                if scheme is not None and scheme.defaults.is_protected:
                    found[scheme.defaults.kid] = None
            for group in track.groups:
                if group.is_protected:
                    found[group.kid] = None
        for pssh in self.pssh:
            found.update(dict.fromkeys(pssh.kids))
        return tuple(found)

    def clear_init(self) -> bytes:
        """The init segment as clear media: original sample entry formats, no protection boxes."""
        return rewrite_boxes(self._init_bytes, _clear_init_box, 0, self.init.moov.end)

    def decrypt_sample_tables(self, buf: bytearray) -> bytes:
        """For a non-fragmented file (or the samples its ``moov`` holds before fragments):
        decrypt in ``buf`` every sample the ``stbl``s describe, and return ``buf`` up to the end
        of its last top-level box before any ``moof`` with the ``moov`` cleared. CENC keeps
        sample sizes, so samples stay where they are; chunk offsets past the ``moov`` move by
        the change in its size."""
        moov = self.init.moov
        for track in self.init.tracks:
            protected = self.tracks[track.track_id]
            schemes = set(protected.schemes)
            if schemes == {None}:
                continue
            samples = sample_table(track)
            if not samples:
                continue
            if len(schemes) != 1:
                raise DecryptError(f"track {track.track_id} mixes sample descriptions with different protection")
            (scheme,) = schemes
            stbl = find(track.box, "mdia/minf/stbl")
            assert stbl is not None and scheme is not None
            encryption = table_encryption(stbl, len(samples), scheme)
            for i, (info, enc) in enumerate(zip(samples, encryption)):
                if info.offset + info.size > len(buf):
                    raise BoxError(f"sample {i} of track {track.track_id} lies past the media before the fragments")
                if enc is not None:
                    clear = self._decrypt(scheme, enc, memoryview(buf)[info.offset : info.offset + info.size],
                                          track.track_id, f"sample {i}")
                    buf[info.offset : info.offset + info.size] = clear
        cleared = rewrite_boxes(buf, _clear_init_box, moov.offset, moov.end)
        delta = len(cleared) - moov.size
        if delta:
            cleared = rewrite_boxes(buf, lambda box: _shift_chunks(box, moov.end, delta) or _clear_init_box(box),
                                    moov.offset, moov.end)
        return bytes(buf[: moov.offset]) + cleared + bytes(buf[moov.end :])

    def _decrypt(self, scheme: ProtectionScheme, enc: SampleEncryption, data: Buffer, track_id: int, where: str
                 ) -> bytes:
        key = self._keys.get(enc.kid)
        if key is None:
            raise MissingKeyError(enc.kid, track_id)
        try:
            return decrypt_sample(scheme.scheme, key, enc.iv, data, enc.subsamples, enc.crypt_byte_block,
                                  enc.skip_byte_block)
        except SampleCryptoError as exc:
            raise DecryptError(f"track {track_id}, {where}: {exc}") from None

    def decrypt_segment(self, data: Buffer) -> bytes:
        """Every fragment of a media segment (or of a whole file after its ``moov``), decrypted."""
        out = []
        for fragment in iter_fragments(data, self.init):
            prefix = [b.raw for b in fragment.prefix if b.type in REWRITE_SAFE_PREFIX]
            out.append(write_fragment(fragment, self._clear_samples(fragment), drop_protection=True, prefix=prefix))
        return b"".join(out)

    def _clear_samples(self, fragment: Fragment) -> dict[int, list[Sample]]:
        clear: dict[int, list[Sample]] = {}
        for traf in fragment.trafs:
            track = self.tracks[traf.track_id]
            scheme = track.scheme_for(traf)
            if scheme is None:
                continue
            samples = fragment.samples_of(traf)
            encryption = sample_encryption(traf, scheme, track.groups)
            for i, (sample, info) in enumerate(zip(samples, encryption)):
                if info is not None:
                    where = f"sample {i} of the fragment at offset {fragment.moof.offset}"
                    samples[i] = sample._replace(data=self._decrypt(scheme, info, sample.data, traf.track_id, where))
            clear[traf.track_id] = samples
        return clear


def _clear_init_box(box: Box) -> bytes | None:
    if box.type == "pssh" or (box.path.endswith(("stbl/" + box.type)) and is_protection_box(box)):
        return b""
    if box.path.endswith("stsd/" + box.type):
        sinf = next((c for c in box.children() if c.type == "sinf"), None) if child_offset(box) is not None else None
        if sinf is None:
            return None
        original = ProtectionScheme.parse(sinf).original_format
        fixed = box.buf[box.payload_offset : box.payload_offset + child_offset(box)]
        return build_box(original, [fixed, *(c.raw for c in box.children() if c.type != "sinf")])
    return None


def _shift_chunks(box: Box, after: int, delta: int) -> bytes | None:
    """``stco``/``co64`` with offsets at or past ``after`` moved by ``delta``."""
    if box.type not in ("stco", "co64"):
        return None
    version, flags, r = box.full_header()
    count = r.u32("entry_count")
    dtype = ">u4" if box.type == "stco" else ">u8"
    r.need(count * np.dtype(dtype).itemsize, f"{count} chunk offsets")
    offsets = np.frombuffer(r.buf, dtype=dtype, count=count, offset=r.pos).astype(np.int64)
    offsets = np.where(offsets >= after, offsets + delta, offsets)
    return build_full_box(box.type, version, flags, [count.to_bytes(4, "big"), offsets.astype(dtype).tobytes()])


def decrypt_file_bytes(init: bytes | None, data: bytes, keys: Mapping[bytes, bytes]) -> bytes:
    """Decrypt a whole MP4, fragmented or not (``init`` None: its own ``moov`` is the init and
    the output is a whole clear file), or one media segment with its init (output: the clear
    segment alone)."""
    if init is not None:
        return Decryptor(init, keys).decrypt_segment(data)
    decryptor = Decryptor(data, keys)
    first_moof = next((b.offset for b in iter_boxes(data) if b.type == "moof"), len(data))
    head = decryptor.decrypt_sample_tables(bytearray(data[:first_moof]))
    return head + decryptor.decrypt_segment(data)
