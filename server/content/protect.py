"""The library's protected titles: encrypted copies of encoded clips, their keys and manifests.

Each protected title gets its own encrypted clip (``media/<clip>-<scheme>/``) made from a clear
clip of the build, with fresh random KIDs and keys (one pair for video, one for audio) so that a
playback token for one title never unlocks another. Encryption is :mod:`drm.encrypt`'s (the
client's pure DRM library: build tooling may use it, the running backend never does).

The keys go to ``keys.json`` at the library root, beside ``catalog.json`` and, like it, never
served by the origin (which serves ``media/`` and ``art/`` only); the backend loads them into its
database at start-up and hands them out through its license endpoints.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drm.cipher import encrypt_segment_aes128, hls_sequence_iv
from drm.encrypt import Encryptor, TrackKey

from .manifests import write_manifests
from .media import ClipMedia, Rendition
from .mp4 import SegmentTiming
from .profile import BuildProfile
from .protection import Protection, common_pssh
from .titles import TitleSpec

KEY_FILE = "keys.json"
KEY_FILE_FORMAT = 1

#: cbcs as CMAF and Apple use it: 1 of every 10 video blocks encrypted, audio whole (0:0).
CBCS_VIDEO_PATTERN = (1, 9)
CENC_IV_SIZE = 8


@dataclass(frozen=True)
class ProtectedTitle:
    """A catalog title playing an encrypted copy of a clip (``spec.clip`` names the clip's
    design, as for clear titles)."""

    spec: TitleSpec
    scheme: str


PROTECTED_TITLES: tuple[ProtectedTitle, ...] = (
    ProtectedTitle(TitleSpec(
        "sealed-orders", "Sealed Orders", 2022, ("Thriller", "Mystery"), "PG-13", "signal",
        "A coded broadcast reaches a lighthouse keeper who was never meant to hear it, and the "
        "only person who can read it is the sender."), "cenc"),
    ProtectedTitle(TitleSpec(
        "the-cipher-garden", "The Cipher Garden", 2021, ("Mystery", "Family"), "PG", "fractal",
        "Three cousins find that the hedges of their grandmother's maze are planted in a "
        "pattern, and that the pattern is a message."), "cbcs"),
    ProtectedTitle(TitleSpec(
        "vault-seven", "Vault Seven", 2020, ("Sci-Fi", "Thriller"), "R", "colony",
        "Deep under a seed bank, a night guard notices that one of the sealed vaults is "
        "growing."), "aes-128"),
)


def protected_clip_id(source: str, scheme: str) -> str:
    """Directory and catalog id of a clip's encrypted copy, e.g. ``colony-cbcs``."""
    return f"{source}-{scheme}"


def source_clip(title: ProtectedTitle, profile: BuildProfile) -> str:
    """The clip to encrypt: the title's own design when the profile has it, else the shortest
    clip (the quick build stays quick)."""
    ids = {c.id for c in profile.clips}
    if title.spec.clip in ids:
        return title.spec.clip
    return min(profile.clips, key=lambda c: c.duration_s).id


def parameters() -> list[dict[str, Any]]:
    """What the build digest must cover of the protected titles (keys are random per build)."""
    return [{"id": t.spec.id, "scheme": t.scheme, "clip": t.spec.clip} for t in PROTECTED_TITLES] + [
        {"cbcs_video_pattern": list(CBCS_VIDEO_PATTERN), "cenc_iv_size": CENC_IV_SIZE}]


@dataclass(frozen=True)
class TitleKeys:
    """A protected title's KID and key per kind of track (``video``, ``audio``)."""

    title_id: str
    kids: Mapping[str, bytes]
    keys: Mapping[str, bytes]

    @classmethod
    def generate(cls, title_id: str) -> TitleKeys:
        kinds = ("video", "audio")
        return cls(title_id, {k: os.urandom(16) for k in kinds}, {k: os.urandom(16) for k in kinds})


@dataclass(frozen=True)
class PackagedTitle:
    """A protected title as built: its clip (sizes of the encrypted files) and protection."""

    title: ProtectedTitle
    source: str
    """The clear clip it was made from."""
    clip: ClipMedia
    protection: Protection
    keys: TitleKeys


def _track_key(scheme: str, kid: bytes, key: bytes, kind: str) -> TrackKey:
    if scheme == "cenc":
        return TrackKey("cenc", kid, key, iv_size=CENC_IV_SIZE)
    crypt, skip = CBCS_VIDEO_PATTERN if kind == "video" else (0, 0)
    return TrackKey("cbcs", kid, key, iv_size=0, constant_iv=os.urandom(16), crypt_byte_block=crypt,
                    skip_byte_block=skip)


def _segment_paths(directory: Path, count: int) -> list[Path]:
    return [directory / f"{n}.m4s" for n in range(1, count + 1)]


def _encrypt_rendition(rendition: Rendition, source: Path, target: Path, scheme: str,
                       kid: bytes, key: bytes) -> Rendition:
    """Write the rendition's encrypted copy; returns it with the new segment sizes."""
    target.mkdir(parents=True)
    init = (source / "init.mp4").read_bytes()
    sizes = []
    if scheme == "aes-128":
        (target / "init.mp4").write_bytes(init)  # the EXT-X-KEY follows the EXT-X-MAP: clear init
        for sequence, path in enumerate(_segment_paths(source, len(rendition.segments))):
            data = encrypt_segment_aes128(path.read_bytes(), key, hls_sequence_iv(sequence))
            (target / path.name).write_bytes(data)
            sizes.append(len(data))
    else:
        track_key = _track_key(scheme, kid, key, rendition.track.kind)
        encryptor = Encryptor(init, {rendition.track.track_id: track_key}, pssh=[common_pssh((kid,))])
        (target / "init.mp4").write_bytes(encryptor.encrypted_init())
        for path in _segment_paths(source, len(rendition.segments)):
            data = encryptor.encrypt_segment(path.read_bytes())
            (target / path.name).write_bytes(data)
            sizes.append(len(data))
    segments = tuple(SegmentTiming(s.start, s.duration, size) for s, size in zip(rendition.segments, sizes))
    return Rendition(rendition.id, rendition.track, segments)


def package_title(title: ProtectedTitle, clear: ClipMedia, media_dir: Path) -> PackagedTitle:
    """Encrypt ``clear`` (found in ``media_dir/<clear.id>``) for ``title`` with fresh keys and
    write its manifests under ``media_dir/<clip>-<scheme>``."""
    keys = TitleKeys.generate(title.spec.id)
    clip_id = protected_clip_id(clear.id, title.scheme)
    target = media_dir / clip_id
    if target.exists():
        shutil.rmtree(target)
    renditions = []
    for rendition in (*clear.video, clear.audio):
        kind = rendition.track.kind
        renditions.append(_encrypt_rendition(rendition, media_dir / clear.id / rendition.id,
                                             target / rendition.id, title.scheme, keys.kids[kind],
                                             keys.keys[kind]))
    clip = ClipMedia(clip_id, tuple(renditions[:-1]), renditions[-1])
    protection = Protection(title.scheme, keys.kids)
    write_manifests(clip, target, protection)
    return PackagedTitle(title, clear.id, clip, protection, keys)


def package_all(work: Path, profile: BuildProfile, clips: Mapping[str, ClipMedia],
                report: Callable[[str], None]) -> list[PackagedTitle]:
    """Every protected title packaged into ``work/media``, and ``work/keys.json`` written."""
    packaged = []
    for title in PROTECTED_TITLES:
        source = clips[source_clip(title, profile)]
        report(f"encrypting {source.id} for {title.spec.id} ({title.scheme})")
        packaged.append(package_title(title, source, work / "media"))
    write_key_file(work / KEY_FILE, [p.keys for p in packaged])
    return packaged


def write_key_file(path: Path, titles: list[TitleKeys]) -> None:
    """``keys.json``: every content key with its KID and title, readable by the owner only."""
    doc = {
        "format": KEY_FILE_FORMAT,
        "keys": [{"title_id": t.title_id, "track": kind, "kid": t.kids[kind].hex(), "key": t.keys[kind].hex()}
                 for t in titles for kind in t.kids],
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(json.dumps(doc, indent=2) + "\n")
