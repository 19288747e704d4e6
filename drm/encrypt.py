"""Protecting clear fragmented MP4 with any of the four Common Encryption schemes.

Pure (bytes in, bytes out) and deterministic for a given ``iv_seed``: the round-trip tests use it
against :mod:`drm.mp4decrypt`, and the content packager uses it to make the encrypted titles.

Video samples (AVC and HEVC, NAL-structured) get subsample encryption: each VCL NAL unit keeps its
length prefix and first bytes (:data:`CLEAR_NAL_HEAD`) clear, the rest protected (block-aligned for
``cenc``/``cbc1``; ``cens``/``cbcs`` leave the trailing partial block clear by their own rules).
Non-VCL NAL units stay clear. Other samples (audio) are protected whole. Per-sample IVs derive
from the seed, the track, the decode time and the sample index, so no two samples share one.
Options: clear lead (the first fragments left clear through ``seig`` groups saying
``isProtected=0``), per-segment key rotation (``seig`` groups naming another KID) and ``pssh``
boxes in the init.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from drm.bmff import (
    REWRITE_SAFE_PREFIX,
    Box,
    Buffer,
    Fragment,
    InitSegment,
    Sample,
    TrackFragment,
    build_box,
    child_offset,
    iter_fragments,
    parse_init,
    rewrite_boxes,
    write_fragment,
)
from drm.cipher import BLOCK, SCHEMES, Subsample, encrypt_sample
from drm.keys import ZERO_KID
from drm.protection import (
    LOCAL_GROUP_BASE,
    EncryptionParams,
    ProtectionScheme,
    Pssh,
    build_aux_boxes,
    build_sample_to_group,
    build_seig_group,
)

CLEAR_NAL_HEAD = 32
"""Bytes at the start of each VCL NAL unit left clear (NAL header and the slice header's start)."""
SCHEME_VERSION = 0x00010000
_AVC = frozenset({"avc1", "avc3"})
_HEVC = frozenset({"hvc1", "hev1"})
_MAX_CLEAR = 0xFFFF


@dataclass(frozen=True, slots=True)
class TrackKey:
    """How to protect one track: scheme, KID and key, IV size (0 with a constant IV), pattern."""

    scheme: str
    kid: bytes
    key: bytes
    iv_size: int = 8
    constant_iv: bytes = b""
    crypt_byte_block: int = 0
    skip_byte_block: int = 0

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ValueError(f"unknown scheme {self.scheme!r}")
        if len(self.kid) != 16 or len(self.key) != 16:
            raise ValueError("KID and key must be 16 bytes")
        if (self.iv_size == 0) != bool(self.constant_iv) or self.iv_size not in (0, 8, 16):
            raise ValueError("give either a per-sample IV size of 8 or 16, or iv_size 0 and a constant IV")
        if (self.crypt_byte_block or self.skip_byte_block) and self.scheme not in ("cens", "cbcs"):
            raise ValueError(f"{self.scheme} has no pattern")

    def params(self, protected: bool = True) -> EncryptionParams:
        if not protected:
            return EncryptionParams(False, 0, ZERO_KID)
        return EncryptionParams(True, self.iv_size, self.kid, self.constant_iv, self.crypt_byte_block,
                                self.skip_byte_block)


def _is_vcl(codec: str, nal_header: int) -> bool:
    if codec in _AVC:
        return 1 <= nal_header & 0x1F <= 5
    return (nal_header >> 1) & 0x3F < 32


def nal_subsamples(data: Buffer, length_size: int, codec: str, align: bool) -> list[Subsample]:
    """Subsamples for a length-prefixed NAL sample (one pass over NAL units, not bytes)."""
    view = memoryview(data)
    out: list[Subsample] = []
    clear = 0
    pos = 0
    while pos < len(view):
        if pos + length_size > len(view):
            raise ValueError(f"NAL length prefix at {pos} runs past the {len(view)}-byte sample")
        size = int.from_bytes(view[pos : pos + length_size], "big")
        end = pos + length_size + size
        if end > len(view) or size == 0:
            raise ValueError(f"NAL unit at {pos} of {size} bytes does not fit the {len(view)}-byte sample")
        protected = 0
        if _is_vcl(codec, view[pos + length_size]) and size > CLEAR_NAL_HEAD:
            protected = size - CLEAR_NAL_HEAD
            if align:
                protected -= protected % BLOCK
        clear += end - pos - protected
        if protected:
            while clear > _MAX_CLEAR:
                out.append((_MAX_CLEAR, 0))
                clear -= _MAX_CLEAR
            out.append((clear, protected))
            clear = 0
        pos = end
    if clear or not out:
        while clear > _MAX_CLEAR:
            out.append((_MAX_CLEAR, 0))
            clear -= _MAX_CLEAR
        out.append((clear, 0))
    return out


class Encryptor:
    """Protects the segments of one clear init segment with the given keys per track ID."""

    def __init__(self, init: Buffer, tracks: Mapping[int, TrackKey], *, pssh: Sequence[Pssh] = (),
                 clear_lead: int = 0, iv_seed: bytes | None = None) -> None:
        self._init_bytes = init
        self.init: InitSegment = parse_init(init)
        self.tracks = dict(tracks)
        self.pssh = tuple(pssh)
        self.clear_lead = clear_lead
        self._seed = os.urandom(16) if iv_seed is None else iv_seed
        self._fragments_done = 0
        self._formats: dict[int, tuple[str, int]] = {}
        for track_id in self.tracks:
            track = self.init.track(track_id)
            if len(track.sample_entries) != 1:
                raise ValueError(f"track {track_id} needs exactly one sample entry to protect")
            entry = track.sample_entries[0]
            if entry.protected:
                raise ValueError(f"track {track_id} is already protected")
            if track.handler not in ("vide", "soun"):
                raise ValueError(f"track {track_id} is {track.handler!r}, not video or audio")
            length = entry.codec_config.length_size if entry.codec_config is not None else 0
            self._formats[track_id] = (entry.format, length)

    def encrypted_init(self) -> bytes:
        """The init with protected sample entries (``encv``/``enca`` + ``sinf``) and ``pssh``."""

        def edit(box: Box) -> bytes | None:
            if box.type == "moov":
                inner = rewrite_boxes(box.buf, edit, box.payload_offset, box.end, box.path)
                return build_box("moov", [inner, *(p.to_box() for p in self.pssh)])
            if box.path.endswith("stsd/" + box.type) and box.type not in ("encv", "enca"):
                trak_id = self._trak_of(box)
                if trak_id not in self.tracks:
                    return None
                key = self.tracks[trak_id]
                scheme = ProtectionScheme(key.scheme, SCHEME_VERSION, box.type, key.params())
                skip = child_offset(box)
                if skip is None:
                    raise ValueError(f"cannot protect sample entry {box.type!r}")
                wrapper = "encv" if self.init.track(trak_id).handler == "vide" else "enca"
                fixed = box.buf[box.payload_offset : box.payload_offset + skip]
                return build_box(wrapper, [fixed, *(c.raw for c in box.children()), scheme.to_sinf()])
            return None

        return rewrite_boxes(self._init_bytes, edit, 0, self.init.moov.end)

    def _trak_of(self, entry: Box) -> int:
        for track in self.init.tracks:
            if track.box.offset <= entry.offset < track.box.end:
                return track.track_id
        raise ValueError(f"sample entry at {entry.offset} is in no track")

    def encrypt_segment(self, data: Buffer, keys: Mapping[int, TrackKey] | None = None) -> bytes:
        """Every fragment of a segment protected. ``keys`` overrides tracks' keys for this
        segment (key rotation), signalled with ``seig`` sample groups."""
        out = []
        for fragment in iter_fragments(data, self.init):
            clear = self._fragments_done < self.clear_lead
            self._fragments_done += 1
            samples: dict[int, list[Sample]] = {}
            extra: dict[int, list[bytes]] = {}
            for traf in fragment.trafs:
                if traf.track_id not in self.tracks:
                    continue
                key = (keys or {}).get(traf.track_id, self.tracks[traf.track_id])
                samples[traf.track_id], extra[traf.track_id] = self._protect(fragment, traf, key, clear)
            prefix = [b.raw for b in fragment.prefix if b.type in REWRITE_SAFE_PREFIX]
            out.append(write_fragment(fragment, samples, drop_protection=True, extra_boxes=extra, prefix=prefix))
        return b"".join(out)

    def _protect(self, fragment: Fragment, traf: TrackFragment, key: TrackKey, clear: bool
                 ) -> tuple[list[Sample], list[bytes]]:
        samples = fragment.samples_of(traf)
        default = self.tracks[traf.track_id]
        groups: list[bytes] = []
        if clear or key != default:
            params = key.params(protected=not clear)
            groups = [build_sample_to_group([LOCAL_GROUP_BASE + 1] * len(samples)), build_seig_group([params])]
        if clear:
            return samples, groups
        codec, length_size = self._formats[traf.track_id]
        nal = codec in _AVC or codec in _HEVC
        aligned = key.scheme in ("cenc", "cbc1")
        aux = []
        for i, sample in enumerate(samples):
            subsamples = nal_subsamples(sample.data, length_size, codec, aligned) if nal else None
            iv = self._iv(key, traf, i)
            data = encrypt_sample(key.scheme, key.key, iv or key.constant_iv, sample.data, subsamples,
                                  key.crypt_byte_block, key.skip_byte_block)
            samples[i] = sample._replace(data=data)
            aux.append((iv, subsamples or ()))
        if nal or key.iv_size:
            groups += build_aux_boxes(aux, use_subsamples=nal)
        return samples, groups

    def _iv(self, key: TrackKey, traf: TrackFragment, index: int) -> bytes:
        if not key.iv_size:
            return b""
        material = self._seed + struct.pack(">IQI", traf.track_id, traf.base_media_decode_time or 0, index)
        return hashlib.blake2b(material, digest_size=key.iv_size, key=key.kid).digest()
